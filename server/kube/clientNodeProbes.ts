/** ClusterProbes over @kubernetes/client-node: objects from the API, pod exec, node exec. */
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { createSilentLogger, type Logger } from '../log/index.js';
import { ProbeError, type ClusterProbes, type ExecOutcome } from '../grading/types.js';
import { isNotFound, toProbeError } from './apiErrors.js';
import { execInPod } from './podExec.js';
import { RawObjectApi } from './rawObjectApi.js';
import type { KubeObjectRef, NodeExecFn, ObjectReader, PodExecutor } from './types.js';

export interface ClientNodeProbesOptions {
  /** Kubeconfig YAML (as `kind get kubeconfig` prints it). */
  kubeconfig: string;
  /** Runs argv on the control-plane node. */
  nodeExec: NodeExecFn;
  logger?: Logger;
  /** Defaults to RawObjectApi for the kubeconfig's current context. */
  objects?: ObjectReader;
  /** Defaults to client-node's `Exec`. */
  executor?: PodExecutor;
  /** Upper bound for one pod command (the engine's per-check timeout usually fires first). */
  execTimeoutMs?: number;
}

/** Answers the grader's questions about one cluster. Create one per grade: it caches API discovery. */
export class ClientNodeProbes implements ClusterProbes {
  private readonly objects: ObjectReader;
  private readonly executor: PodExecutor;
  private readonly nodeExecFn: NodeExecFn;
  private readonly server: string;
  private readonly logger: Logger;
  private readonly execTimeoutMs: number;

  constructor(opts: ClientNodeProbesOptions) {
    const kc = new KubeConfig();
    kc.loadFromString(opts.kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ProbeError('the kubeconfig has no current cluster');
    this.server = cluster.server;
    this.objects = opts.objects ?? RawObjectApi.fromKubeConfig(kc);
    this.executor = opts.executor ?? (new Exec(kc) as unknown as PodExecutor);
    this.nodeExecFn = opts.nodeExec;
    this.logger = opts.logger ?? createSilentLogger();
    this.execTimeoutMs = opts.execTimeoutMs ?? 30_000;
  }

  /** The object as JSON, `null` when it (or its API group/version) does not exist. */
  async getObject(ref: KubeObjectRef): Promise<Record<string, unknown> | null> {
    try {
      return await this.objects.readObject(ref);
    } catch (e) {
      if (isNotFound(e)) return null;
      const err = toProbeError(e, this.server);
      this.logger.debug('getObject failed', { kind: ref.kind, name: ref.name, namespace: ref.namespace, error: err.message });
      throw err;
    }
  }

  /** Runs `command` in the pod; a missing pod or container, or a pod that is not running, is a ProbeError. */
  async podExec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecOutcome> {
    const obj = await this.getObject({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod });
    if (obj === null) throw new ProbeError(`pod ${namespace}/${pod} not found`);
    const target = { namespace, pod, container: pickContainer(obj, container, `${namespace}/${pod}`) };
    assertRunning(obj, target.container, `${namespace}/${pod}`);
    return execInPod(this.executor, target, command, this.execTimeoutMs);
  }

  /** Delegates to the node-exec function; a failure to start is a ProbeError. */
  async nodeExec(command: string[]): Promise<ExecOutcome> {
    try {
      return await this.nodeExecFn(command);
    } catch (e) {
      if (e instanceof ProbeError) throw e;
      throw new ProbeError(`cannot run a command on the node: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

interface PodShape {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[] };
  status?: { phase?: string; containerStatuses?: { name: string; state?: Record<string, { reason?: string } | undefined> }[] };
}

/** The named container, or the default one (kubectl's annotation, else the first). */
function pickContainer(obj: Record<string, unknown>, wanted: string | undefined, pod: string): string {
  const shape = obj as PodShape;
  const names = (shape.spec?.containers ?? []).map((c) => c.name);
  const name = wanted ?? shape.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? names[0];
  if (name === undefined || !names.includes(name)) {
    throw new ProbeError(`container ${name ?? '(none)'} not found in pod ${pod} (containers: ${names.join(', ') || 'none'})`);
  }
  return name;
}

function assertRunning(obj: Record<string, unknown>, container: string, pod: string): void {
  const status = (obj as PodShape).status;
  if (status?.phase !== 'Running') throw new ProbeError(`pod ${pod} is ${status?.phase ?? 'not started'}, not Running: cannot run a command in it`);
  const cs = status.containerStatuses?.find((c) => c.name === container);
  if (cs && !cs.state?.['running']) {
    const reason = cs.state?.['waiting']?.reason ?? cs.state?.['terminated']?.reason ?? 'not running';
    throw new ProbeError(`container ${container} in pod ${pod} is not running (${reason})`);
  }
}
