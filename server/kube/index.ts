/** The cluster-reading adapter (client-node): probes for the grader and small API helpers. */
export { ClientNodeProbes, type ClientNodeProbesOptions } from './clientNodeProbes.js';
export { KubeApi, readNodeReadiness } from './kubeApi.js';
export { RawObjectApi } from './rawObjectApi.js';
export { execInPod, exitCodeFromStatus } from './podExec.js';
export { isNotFound, toProbeError } from './apiErrors.js';
export type * from './types.js';
