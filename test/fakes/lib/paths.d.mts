/** Where the fakes keep their state (CKS_FAKE_HOME). */
export function fakeHome(env?: Record<string, string | undefined>): string;
export function clustersDir(env?: Record<string, string | undefined>): string;
/** A fake cluster's directory (its API server log, cluster.json, the control-plane node's files). */
export function clusterDir(name: string, env?: Record<string, string | undefined>): string;
export function nodeDir(name: string, env?: Record<string, string | undefined>): string;
export function nodeName(cluster: string): string;
export function extraNodeDir(cluster: string, node: string, env?: Record<string, string | undefined>): string;
/** test/fakes/bin: the fake `kind`, `docker` and `podman` executables. */
export const BIN_DIR: string;
/** The checkout's root (holds node_modules). */
export const PROJECT_ROOT: string;
