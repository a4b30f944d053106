/**
 * Ports of the kube adapter. Collaborators of ClientNodeProbes are injectable so tests can swap
 * the API reader or the pod executor without a real cluster.
 */
import type { ExecOutcome } from '../grading/types.js';

/** Runs argv on the control-plane node (the clusters module provides it via `docker exec`). */
/** Runs argv on a node of the cluster (`node`: control-plane, worker … default the control plane). */
export type NodeExecFn = (argv: string[], node?: string) => Promise<ExecOutcome>;

/** Reference to one object (same shape as the scenarios' ObjectRef). */
export interface KubeObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Reads one object as the API server sent it (no typed-model conversion); throws on any non-2xx. */
export interface ObjectReader {
  readObject(ref: KubeObjectRef): Promise<Record<string, unknown>>;
  /** Server-side dry-run create (dryRun=All): the object as admission left it; throws the API's error. */
  createDryRun(object: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Minimal view of the socket client-node's Exec returns: enough to close it and see it close. */
export interface ExecSocket {
  close(): void;
  on(event: 'close', listener: () => void): unknown;
}

/** The `exec` call of client-node's `Exec` class (tests pass a fake). */
export interface PodExecutor {
  exec(
    namespace: string,
    podName: string,
    containerName: string,
    command: string | string[],
    stdout: NodeJS.WritableStream | null,
    stderr: NodeJS.WritableStream | null,
    stdin: NodeJS.ReadableStream | null,
    tty: boolean,
    statusCallback?: (status: ExecStatus) => void,
  ): Promise<unknown>;
}

/** The part of a v1 Status the exec status channel carries. */
export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** One node and whether its Ready condition is True. */
export interface NodeReadiness {
  name: string;
  ready: boolean;
}
