export * from './types.js';
export { KindProvider, controlPlaneNode, type KindProviderOptions } from './kindProvider.js';
export { KindStatusParser, parseKindStatusLine, explainKindFailure, type KindStatusEvent } from './kindProgress.js';
export { waitForNodeReady, type NodeReadyWaiter } from './readiness.js';
export { loadLabs } from './labs.js';
export { runNodeScript, NODE_KUBECONFIG_ENV, type NodeScriptOutcome } from './nodeScript.js';
export { WarmPool, clusterCapacity, type PoolStatus, type PoolStore, type WarmPoolOptions } from './pool.js';
export { engineEnv, engineFromEnv, parseDockerIsolation, parsePodmanIsolation, type EngineIsolation, type EngineName, type IsolationLevel } from './engine.js';
export { inotifyCapacity, readInotifyLimits, type InotifyLimits, type InotifyVerdict } from './hostLimits.js';
