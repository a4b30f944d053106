/**
 * The host Kubernetes cluster as the `kubernetes` provider uses it: lab pods (create, read, list by
 * label, delete) and commands in them through the exec subresource (WebSocket, v5.channel.k8s.io).
 * The platform's own credentials (its ServiceAccount in the cluster, or the operator's kubeconfig)
 * are used; nothing a learner can touch reaches this client.
 */
import { PassThrough, Writable } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { AppError } from '../../errors.js';
import { exitCodeFromStatus } from '../../kube/podExec.js';
import type { ExecStatus } from '../../kube/types.js';
import type { RunOptions, RunResult } from '../../process/types.js';

/** What the provider needs to know about a lab pod. */
export interface LabPodState {
  name: string;
  labels: Record<string, string>;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  podIP?: string;
  /** The engine container is ready (dockerd answers). */
  ready: boolean;
  /** Being deleted (deletionTimestamp set). */
  deleting: boolean;
  /** creationTimestamp (orders the pods waiting for room). */
  created?: string;
  /** Why it is not running yet or any more, in Kubernetes' words (scheduler, kubelet, eviction). */
  reason?: string;
  message?: string;
}

/** The port: every call of the provider to the host cluster. */
export interface HostKube {
  createPod(manifest: Record<string, unknown>): Promise<void>;
  /** null when there is no such pod. */
  readPod(name: string): Promise<LabPodState | null>;
  listPods(labelSelector: string): Promise<LabPodState[]>;
  /** Idempotent. */
  deletePod(name: string): Promise<void>;
  /** argv in the pod's container; resolves with its outcome like a CommandRunner. */
  exec(pod: string, container: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/** The pod's state, from its status (scheduler conditions, container states, eviction). */
export function labPodState(pod: V1Pod | Record<string, any>): LabPodState {
  const p = pod as Record<string, any>;
  const status = p.status ?? {};
  const scheduled = (status.conditions ?? []).find((c: Record<string, any>) => c.type === 'PodScheduled');
  const engine = (status.containerStatuses ?? [])[0] ?? {};
  const waiting = engine.state?.waiting;
  const terminated = engine.state?.terminated;
  const reason: string | undefined = status.reason ?? (scheduled?.status === 'False' ? scheduled.reason : undefined) ?? waiting?.reason ?? terminated?.reason;
  const message: string | undefined = status.message ?? (scheduled?.status === 'False' ? scheduled.message : undefined) ?? waiting?.message ?? terminated?.message;
  return {
    name: String(p.metadata?.name ?? ''),
    labels: { ...(p.metadata?.labels ?? {}) },
    phase: (['Pending', 'Running', 'Succeeded', 'Failed'].includes(status.phase) ? status.phase : 'Unknown') as LabPodState['phase'],
    ...(typeof status.podIP === 'string' && status.podIP ? { podIP: status.podIP } : {}),
    ready: engine.ready === true,
    deleting: Boolean(p.metadata?.deletionTimestamp),
    ...(typeof p.metadata?.creationTimestamp === 'string' ? { created: p.metadata.creationTimestamp } : p.metadata?.creationTimestamp instanceof Date ? { created: p.metadata.creationTimestamp.toISOString() } : {}),
    ...(reason ? { reason: String(reason) } : {}),
    ...(message ? { message: String(message).slice(0, 500) } : {}),
  };
}

function httpCode(e: unknown): number | undefined {
  const err = e as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  const c = err?.code ?? err?.statusCode ?? err?.response?.statusCode;
  return typeof c === 'number' ? c : undefined;
}

/** The API's own words for a failed call: its Status message (and code), else the error's first line. */
function describe(e: unknown): string {
  const err = e as { body?: unknown; message?: unknown; code?: unknown };
  let body = err?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* not a Status */
    }
  }
  // client-node's ApiException: "HTTP-Code: 401\nMessage: Unauthorized\nBody: …" (a Status body, when there was one).
  const message = (body as { message?: unknown } | undefined)?.message ?? /^Message: (.+)$/m.exec(String(err?.message ?? ''))?.[1];
  if (typeof message === 'string' && message) return `${message}${typeof err.code === 'number' ? ` (HTTP ${err.code})` : ''}`.slice(0, 300);
  return String(err?.message ?? e).split('\n')[0]!.slice(0, 300);
}

/** HostKube on @kubernetes/client-node. */
export class ClientHostKube implements HostKube {
  private readonly core: CoreV1Api;
  private readonly executor: Exec;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.executor = new Exec(kc);
  }

  /** In the cluster: the pod's ServiceAccount; outside: KUBECONFIG / ~/.kube/config (the operator's). */
  static fromEnvironment(namespace: string, kubeconfigFile?: string): ClientHostKube {
    const kc = new KubeConfig();
    if (kubeconfigFile) kc.loadFromFile(kubeconfigFile);
    else kc.loadFromDefault();
    return new ClientHostKube(kc, namespace);
  }

  async createPod(manifest: Record<string, unknown>): Promise<void> {
    try {
      await this.core.createNamespacedPod({ namespace: this.namespace, body: manifest as V1Pod });
    } catch (e) {
      throw new AppError(httpCode(e) === 409 ? 'conflict' : 'cluster_failed', `Kubernetes refused the lab pod: ${describe(e)}`, { cause: e });
    }
  }

  async readPod(name: string): Promise<LabPodState | null> {
    try {
      return labPodState(await this.core.readNamespacedPod({ name, namespace: this.namespace }));
    } catch (e) {
      if (httpCode(e) === 404) return null;
      throw new AppError('cluster_unreachable', `Cannot read lab pod ${name}: ${describe(e)}`, { cause: e });
    }
  }

  async listPods(labelSelector: string): Promise<LabPodState[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector });
      return list.items.map(labPodState);
    } catch (e) {
      throw new AppError('cluster_unreachable', `Cannot list lab pods in namespace ${this.namespace}: ${describe(e)}`, { cause: e });
    }
  }

  async deletePod(name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace: this.namespace });
    } catch (e) {
      if (httpCode(e) === 404) return;
      throw new AppError('cluster_failed', `Cannot delete lab pod ${name}: ${describe(e)}`, { cause: e });
    }
  }

  exec(pod: string, container: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const cap = opts.maxOutputBytes ?? MAX_OUTPUT;
    let size = 0;
    let cut = false;
    // As ExecRunner: output from a learner's node is bounded; past the cap the exec is closed.
    const sink = (chunks: Buffer[], each?: (s: string) => void): Writable =>
      new Writable({
        write(chunk: Buffer | string, _enc, done) {
          const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
          if (cut) return done();
          if (size + b.length > cap) {
            cut = true;
            chunks.push(b.subarray(0, Math.max(0, cap - size)));
            err.push(Buffer.from(`\n${argv[0] ?? 'command'}: output cut at ${Math.round(cap / 1048576)} MiB and the command stopped (CKS Lab bounds what a node may send)\n`));
            stopForCap?.();
            return done();
          }
          size += b.length;
          chunks.push(b);
          each?.(b.toString('utf8'));
          done();
        },
      });
    let stopForCap: (() => void) | undefined;
    const result = (code: number | null, timedOut: boolean): RunResult => {
      const stdoutBuffer = Buffer.concat(out);
      return { code, stdout: stdoutBuffer.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBuffer, timedOut };
    };
    return new Promise<RunResult>((resolve) => {
      let done = false;
      let socket: { close(): void } | undefined;
      const finish = (r: RunResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket?.close();
        resolve(r);
      };
      const timer = setTimeout(() => finish(result(null, true)), opts.timeoutMs ?? 60_000);
      stopForCap = () => finish(result(null, false));
      const onAbort = (): void => finish(result(null, false));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const stdin = opts.input !== undefined ? new PassThrough() : null;
      const onStatus = (status: ExecStatus): void => {
        const code = exitCodeFromStatus(status);
        // Let output frames already received land in the sinks first.
        setImmediate(() => {
          if (code === undefined) err.push(Buffer.from(status.message ?? status.reason ?? 'the command could not start'));
          finish(result(code ?? 126, false));
        });
      };
      this.executor
        .exec(this.namespace, pod, container, [...argv], sink(out, opts.onStdout), sink(err, opts.onStderr), stdin, false, onStatus)
        .then((ws) => {
          socket = ws as unknown as { close(): void };
          (ws as unknown as { on(e: string, l: () => void): void }).on('close', () =>
            setTimeout(() => {
              if (!done) err.push(Buffer.from(`\nthe exec connection to lab pod ${pod} closed before the command reported its exit status`));
              finish(result(null, false));
            }, 100),
          );
          if (stdin) stdin.end(opts.input);
          if (done) socket.close();
        })
        .catch((e: unknown) => {
          err.push(Buffer.from(`cannot exec in lab pod ${pod}: ${describe(e)}`));
          finish(result(null, false));
        });
    });
  }
}
