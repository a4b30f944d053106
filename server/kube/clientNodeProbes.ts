/** ClusterProbes over @kubernetes/client-node: objects from the API, pod exec, node exec. */
import { AuthorizationV1Api, CoreV1Api, Exec, KubeConfig } from '@kubernetes/client-node';
import { createSilentLogger, type Logger } from '../log/index.js';
import { API_RESTARTING } from '../grading/apiRestart.js';
import { ApiUnavailableError, ProbeError, type AccessAttributes, type ApiAnswer, type ApiRequest, type AccessReviewSubject, type AccessVerdict, type ApiHealth, type DryRunAnswer, type ClusterProbes, type ExecOutcome } from '../grading/types.js';
import { denialOf, isNotFound, isRestarting, toProbeError } from './apiErrors.js';
import { judgeApiHealth, readyz } from './apiHealth.js';
import { execInPod } from './podExec.js';
import { RawObjectApi } from './rawObjectApi.js';
import { sendRawRequest } from './rawRequest.js';
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
  /** How long API reads wait for a restarting kube-apiserver before giving up (default 8 s, under the check timeout). */
  apiRetryMs?: number;
  /** Bound of one /readyz request made by `apiHealth` (default 3 s). */
  readyzTimeoutMs?: number;
}

/** One `apiHealth` answer is reused by the checks that ask within this long of it. */
const HEALTH_REUSE_MS = 2_000;

/** etcdctl inside the etcd static pod (its image has no shell), with the kubeadm certificates. */
const ETCDCTL = [
  'etcdctl',
  '--endpoints=https://127.0.0.1:2379',
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
  '--cert=/etc/kubernetes/pki/etcd/server.crt',
  '--key=/etc/kubernetes/pki/etcd/server.key',
];

/** Answers the grader's questions about one cluster. Create one per grade: it caches API discovery. */
export class ClientNodeProbes implements ClusterProbes {
  private readonly objects: ObjectReader;
  private readonly executor: PodExecutor;
  private readonly nodeExecFn: NodeExecFn;
  private readonly server: string;
  private readonly logger: Logger;
  private readonly execTimeoutMs: number;
  private readonly apiRetryMs: number;
  private readonly readyzTimeoutMs: number;
  private readonly kc: KubeConfig;
  /** The last (or pending) `apiHealth` answer and when it settled (0 while pending). */
  private health: { settledAt: number; pending: Promise<ApiHealth> } | undefined;
  /** Node commands already run in this grade, by argv. */
  private readonly nodeExecs = new Map<string, Promise<ExecOutcome>>();

  constructor(opts: ClientNodeProbesOptions) {
    const kc = new KubeConfig();
    kc.loadFromString(opts.kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ProbeError('the kubeconfig has no current cluster');
    this.server = cluster.server;
    this.kc = kc;
    this.objects = opts.objects ?? RawObjectApi.fromKubeConfig(kc);
    this.executor = opts.executor ?? (new Exec(kc) as unknown as PodExecutor);
    this.nodeExecFn = opts.nodeExec;
    this.logger = opts.logger ?? createSilentLogger();
    this.execTimeoutMs = opts.execTimeoutMs ?? 30_000;
    this.apiRetryMs = opts.apiRetryMs ?? 8_000;
    this.readyzTimeoutMs = opts.readyzTimeoutMs ?? 3_000;
  }

  /** The object as JSON, `null` when it (or its API group/version) does not exist. */
  async getObject(ref: KubeObjectRef): Promise<Record<string, unknown> | null> {
    return this.withApiRetry(
      async () => {
        try {
          return await this.objects.readObject(ref);
        } catch (e) {
          if (isNotFound(e)) return null;
          throw e;
        }
      },
      { kind: ref.kind, name: ref.name, namespace: ref.namespace },
    );
  }

  /** Pods of a namespace matching the labels (what `kubectl get pods -l k=v` lists). */
  async listPods(namespace: string, selector: Record<string, string>): Promise<Record<string, unknown>[]> {
    const api = this.kc.makeApiClient(CoreV1Api);
    const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
    const list = await this.withApiRetry(() => api.listNamespacedPod({ namespace, labelSelector }), { kind: 'PodList', namespace });
    return list.items as unknown as Record<string, unknown>[];
  }

  /** The container's last log lines (`kubectl logs --tail [--previous]`); '' when there are none to read. */
  async podLogs(namespace: string, name: string, container: string, opts: { tailLines: number; previous?: boolean }): Promise<string> {
    const api = this.kc.makeApiClient(CoreV1Api);
    try {
      const text: unknown = await api.readNamespacedPodLog({ namespace, name, container, tailLines: opts.tailLines, previous: opts.previous ?? false, limitBytes: 16_384 });
      return typeof text === 'string' ? text : '';
    } catch {
      return ''; // evidence only: no previous instance (400), pod gone (404), API away — nothing to show
    }
  }

  /** RBAC's answer for a user (SubjectAccessReview: what `kubectl auth can-i --as` asks). */
  async accessReview(who: AccessReviewSubject, attrs: AccessAttributes): Promise<AccessVerdict> {
    const api = this.kc.makeApiClient(AuthorizationV1Api);
    const resourceAttributes = { verb: attrs.verb, group: attrs.group ?? '', resource: attrs.resource, ...(attrs.subresource ? { subresource: attrs.subresource } : {}), ...(attrs.name ? { name: attrs.name } : {}), ...(attrs.namespace ? { namespace: attrs.namespace } : {}) };
    const review = await this.withApiRetry(
      () => api.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: who.user, groups: who.groups, resourceAttributes } } }),
      { kind: 'SubjectAccessReview', name: who.user },
    );
    const status = review.status;
    if (!status) throw new ProbeError(`the cluster API answered a SubjectAccessReview without a status (user ${who.user})`);
    return { allowed: status.allowed === true && status.denied !== true, ...(status.reason ? { reason: status.reason } : {}), ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}) };
  }

  /** A 10-minute bearer token of the ServiceAccount (TokenRequest, what `kubectl create token` asks). */
  async serviceAccountToken(namespace: string, name: string): Promise<string> {
    const api = this.kc.makeApiClient(CoreV1Api);
    const answer = await this.withApiRetry(
      async () => {
        try {
          return await api.createNamespacedServiceAccountToken({ namespace, name, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 600 } } });
        } catch (e) {
          if (isNotFound(e)) throw new ProbeError(`ServiceAccount ${namespace}/${name} does not exist: no token for it`);
          throw e;
        }
      },
      { kind: 'ServiceAccount', name, namespace },
    );
    const token = answer.status?.token;
    if (!token) throw new ProbeError(`the cluster API answered a TokenRequest for ${namespace}/${name} without a token`);
    return token;
  }

  /** A raw request with the grader's credentials (e.g. carrying an `Audit-ID`); any HTTP answer is returned, a restart waited for. */
  async apiRequest(req: ApiRequest): Promise<ApiAnswer> {
    return this.withApiRetry(() => sendRawRequest(this.kc, this.server, req, 10_000), { kind: 'request', name: `${req.method} ${req.path}` });
  }

  /** Server-side dry-run create: the admitted object, or the API's denial (any 4xx but 404/401). */
  async dryRunCreate(object: Record<string, unknown>): Promise<DryRunAnswer> {
    const meta = (object.metadata ?? {}) as Record<string, unknown>;
    return this.withApiRetry(
      async () => {
        try {
          const admitted = await this.objects.createDryRun(object);
          return { allowed: true as const, object: admitted };
        } catch (e) {
          const denial = denialOf(e);
          if (denial) return { allowed: false as const, ...denial };
          throw e;
        }
      },
      { kind: String(object.kind), name: String(meta.name ?? meta.generateName ?? '') },
    );
  }

  /** Runs an API call, waiting up to apiRetryMs while kube-apiserver restarts; other failures are ProbeErrors. */
  private async withApiRetry<T>(call: () => Promise<T>, what: Record<string, unknown>): Promise<T> {
    const deadline = Date.now() + this.apiRetryMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await call();
      } catch (e) {
        const err = toProbeError(e, this.server);
        if (isRestarting(e)) {
          if (Date.now() + delay < deadline) {
            await new Promise((r) => setTimeout(r, delay));
            continue;
          }
          const answer = err.message.replace(/^cannot reach the cluster API at \S+: /, '').replace(/^the cluster API at \S+ answered /, '');
          const waited = Math.max(1, Math.round(this.apiRetryMs / 1000));
          throw new ApiUnavailableError(`${API_RESTARTING} (${err.message}; waited ${waited} s)`, `${answer} (for ${waited} s)`, { cause: e });
        }
        this.logger.debug('API request failed', { ...what, error: err.message });
        throw err;
      }
    }
  }

  /**
   * Is kube-apiserver ready? /readyz through our own client; when it is not, the kube-apiserver
   * container as the node's runtime shows it (fresh, so not through the per-grade command cache).
   * Checks asking at about the same time share one answer.
   */
  apiHealth(): Promise<ApiHealth> {
    const h = this.health;
    if (h && (h.settledAt === 0 || Date.now() - h.settledAt < HEALTH_REUSE_MS)) return h.pending;
    const entry = {
      settledAt: 0,
      pending: readyz(this.kc, this.server, this.readyzTimeoutMs)
        .then((answer) => judgeApiHealth(answer, (argv) => this.nodeExecFn(argv)))
        .catch((e: unknown): ApiHealth => ({ ready: false, state: 'restarting', evidence: `/readyz: ${e instanceof Error ? e.message : String(e)}` }))
        .finally(() => (entry.settledAt = Date.now())),
    };
    this.health = entry;
    return entry.pending;
  }

  /**
   * The raw value etcd stores under `key`, read on the node through the etcd static pod with
   * crictl, so it works even while kube-apiserver is down. Values are binary: compared as bytes.
   */
  async etcdGet(key: string): Promise<Buffer | null> {
    const ps = await this.nodeExec(['crictl', 'ps', '--name', '^etcd$', '--state', 'running', '--quiet']);
    const id = ps.stdout.split('\n').map((l) => l.trim()).find(Boolean);
    if (ps.exitCode !== 0 || !id) throw new ProbeError(`etcd is not running on the node (crictl ps: ${(ps.stderr || ps.stdout).trim() || 'no etcd container'})`);
    const out = await this.nodeExec(['crictl', 'exec', id, ...ETCDCTL, 'get', key, '--write-out=json']);
    if (out.exitCode !== 0) throw new ProbeError(`etcdctl could not read ${key}: ${(out.stderr || out.stdout).trim().split('\n')[0]}`);
    let parsed: { kvs?: { value?: string }[] };
    try {
      parsed = JSON.parse(out.stdout) as { kvs?: { value?: string }[] };
    } catch {
      throw new ProbeError(`etcdctl printed something that is not JSON: ${out.stdout.slice(0, 120)}`);
    }
    const value = parsed.kvs?.[0]?.value;
    return value === undefined ? null : Buffer.from(value, 'base64');
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
  async nodeExec(command: string[], node?: string): Promise<ExecOutcome> {
    // One grade sees one snapshot of each node: checks asking the same thing (the same manifest,
    // the etcd container id) share one `docker exec` instead of paying for it each.
    const key = JSON.stringify([node ?? 'control-plane', command]);
    let pending = this.nodeExecs.get(key);
    if (!pending) {
      pending = this.nodeExecFn(command, node).catch((e: unknown) => {
        if (e instanceof ProbeError) throw e;
        throw new ProbeError(`cannot run a command on the node${node ? ` ${node}` : ''}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      });
      this.nodeExecs.set(key, pending);
    }
    return pending;
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
