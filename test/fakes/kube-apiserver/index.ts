/** In-process entry for tests: start a fake Kubernetes API server with a simulated kubelet. */
export { startFakeApiServer, kubeconfigYaml, type FakeApiServer, type FakeApiServerOptions } from './server.js';
export type { KubeObject, ObjectStore } from './store.js';
export { findResource, RESOURCE_TYPES } from './resources.js';
