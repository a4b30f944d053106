/**
 * The control plane's static pods as the kubelet runs them from /etc/kubernetes/manifests: the
 * containers `crictl` lists (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and
 * kube-apiserver's life cycle. When its manifest changes the kubelet replaces the pod: the API
 * stops listening (connection refused), and after a restart delay a new container starts with the
 * new flags (answering /readyz with 500 while its post-start hooks finish, FAKE_APISERVER_WARMUP_MS,
 * then ok) — or exits at once and is restarted with a back-off (CrashLoopBackOff) when the flags
 * point at a config file the pod cannot see, or the EncryptionConfiguration is invalid. Its log,
 * in the CRI format the kubelet writes, goes to /var/log/pods/kube-system_kube-apiserver-<node>_<uid>/.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import type { Logger } from '../../../server/log/index.js';
import { encryptValue, parseEncryptionConfig, providersFor, type EncryptionConfig, EncryptionConfigError } from './encryption.js';
import { etcdKey, plainValue } from './etcdValue.js';
import { admissionFromFlags } from './admission.js';
import { imagePolicyFromFlags, ImagePolicyWebhook, type ImagePolicyConfig } from './imagePolicy.js';
import { authFromFlags, boolFlagError, withAuthenticationConfig, type AuthConfig } from './authn.js';
import { ensureKubernetesService } from './kubernetesService.js';
import { EtcdPod } from './etcdPod.js';
import { probeEtcd, type EtcdClient } from './etcdServer.js';
import { servingTlsFromFlags, type ServingTls } from './servingTls.js';
import type { ObjectStore } from './store.js';
import { auditFromFlags, liveNodeRoot, type AuditBackend } from './audit/index.js';

/** One container as the CRI reports it. */
export interface CriContainer {
  id: string;
  podSandboxId: string;
  podName: string;
  podUid: string;
  name: string;
  image: string;
  imageId: string;
  createdAt: number;
  state: 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';
  attempt: number;
  exitCode?: number;
  finishedAt?: number;
  command: string[];
  /** Node path of its CRI log file. */
  logPath: string;
  /** The pod's namespace (the static pods': kube-system). */
  namespace?: string;
  /** Host pid of the container's first process (containerd's `info.pid`), for containers that run a real process. */
  pid?: number;
  /** A workload container run by the simulated kubelet (kubelet/criView.ts), not a simulated static pod. */
  podContainer?: boolean;
}

export interface ControlPlaneOptions {
  /** Host path of the node's root (the node dir: its files at their real paths). */
  nodeRoot: string;
  nodeName: string;
  store: ObjectStore;
  logger: Logger;
  /** How long kube-apiserver is away when its pod is replaced (env FAKE_APISERVER_RESTART_MS, default 1500). */
  restartMs?: number;
  /** How long a new kube-apiserver answers /readyz with 500 before ok (env FAKE_APISERVER_WARMUP_MS, default 500). */
  warmupMs?: number;
  /** Start and stop answering on the API port. */
  listen: () => Promise<void>;
  unlisten: () => Promise<void>;
  /** Applies --tls-min-version (and the validated --tls-cipher-suites) to the HTTPS listener, at each start. */
  applyServingTls?: (tls: ServingTls) => void;
}

const MANIFESTS = '/etc/kubernetes/manifests';
const POLL_MS = 150;
const ENCRYPTION_FLAGS = new Set(['--encryption-provider-config', '--encryption-provider-config-automatic-reload']);

type Verdict =
  | { ok: true; config: EncryptionConfig | undefined; plugins: Set<string>; auth: AuthConfig; servingTls: ServingTls; etcd: EtcdClient | undefined; imagePolicy?: ImagePolicyConfig | undefined; audit?: AuditBackend | undefined }
  | { ok: false; error: string; lines?: string[] }
  | { ok: 'no-pod'; reason: string };
type Ok = Extract<Verdict, { ok: true }>;

/** Simulates the kubelet's handling of the control-plane static pods. */
export class StaticControlPlane {
  readonly containers: CriContainer[] = [];
  /**
   * `running`, `restarting` (pod being replaced: connections refused), `starting` (listening, but
   * /readyz fails until the post-start hooks are done), `crashloop`, or `absent` (no valid manifest).
   */
  state: 'running' | 'restarting' | 'starting' | 'crashloop' | 'absent' = 'running';
  private manifest: string | null = null;
  private poller: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private readonly restartMs: number;
  private readonly warmupMs: number;
  private disposed = false;
  private transition: Promise<void> = Promise.resolve();
  /** The etcd static pod, with its real client listener (etcdPod.ts). */
  readonly etcd: EtcdPod;
  /** The running kube-apiserver's audit backend (--audit-policy-file, --audit-log-*), if any (audit/). */
  audit: AuditBackend | undefined;
  /** How the running kube-apiserver reaches etcd (for re-checks when etcd changes). */
  private etcdClient: EtcdClient | undefined;

  constructor(private readonly opts: ControlPlaneOptions) {
    this.restartMs = opts.restartMs ?? Number(process.env.FAKE_APISERVER_RESTART_MS ?? 1500);
    this.backoffMs = this.restartMs;
    this.warmupMs = opts.warmupMs ?? Number(process.env.FAKE_APISERVER_WARMUP_MS ?? 500);
    this.etcd = new EtcdPod({
      nodeRoot: opts.nodeRoot,
      logger: opts.logger,
      restartMs: this.restartMs,
      readNode: (p) => this.readNode(p),
      mountedPath: (p, pod, container) => {
        const r = resolveMount(p, container?.volumeMounts ?? [], pod?.spec?.volumes ?? []);
        return typeof r === 'string' ? r : undefined;
      },
      startContainer: (name, manifest, running, lines, exitCode) => {
        const c = this.addContainer(name, manifest, running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED');
        this.log(c, lines);
        if (!running) this.exit(c, exitCode ?? 1);
      },
      stopContainer: (name) => {
        const c = this.running(name);
        if (c) this.exit(c, 0);
      },
      changed: () => this.etcdChanged(),
    });
  }

  /** Reads the manifests as they are now (the API is already listening) and starts watching. */
  async start(): Promise<void> {
    await this.etcd.start();
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const text = this.readNode(`${MANIFESTS}/${name}.yaml`);
      if (text !== null) this.addContainer(name, text, 'CONTAINER_RUNNING');
      this.seen.set(name, text);
    }
    this.manifest = this.readNode(`${MANIFESTS}/kube-apiserver.yaml`);
    const verdict = await this.withEtcd(this.evaluate(this.manifest));
    if (verdict.ok === true) {
      this.applyConfig(verdict);
      const c = this.addContainer('kube-apiserver', this.manifest ?? '', 'CONTAINER_RUNNING');
      this.log(c, startLines(this.opts.nodeName));
    } else {
      await this.opts.unlisten();
      this.afterFailedStart(verdict);
    }
    this.poller = setInterval(() => this.poll(), POLL_MS);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poller);
    clearTimeout(this.pending);
    void this.etcd.dispose();
  }

  /** The running container named `name`, if any. */
  running(name: string): CriContainer | undefined {
    return this.containers.find((c) => c.name === name && c.state === 'CONTAINER_RUNNING');
  }

  private poll(): void {
    this.pollSchedulerAndControllerManager();
    this.etcd.poll();
    const text = this.readNode(`${MANIFESTS}/kube-apiserver.yaml`);
    if (text === this.manifest) return;
    this.manifest = text;
    this.transition = this.transition.then(() => this.replacePod()).catch((e: unknown) => this.opts.logger.warn('fake control plane: restart failed', { err: e as Error }));
  }

  /** Manifest text last seen of kube-controller-manager and kube-scheduler (null: none). */
  private readonly seen = new Map<string, string | null>();

  /**
   * kube-controller-manager and kube-scheduler: a changed manifest (e.g. a new image tag written by
   * kubeadm upgrade) replaces the running container with one from the new manifest; a removed one
   * stops it.
   */
  private pollSchedulerAndControllerManager(): void {
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const text = this.readNode(`${MANIFESTS}/${name}.yaml`);
      if (text === (this.seen.get(name) ?? null)) continue;
      this.seen.set(name, text);
      const current = this.running(name);
      if (current) this.exit(current, 0);
      if (text !== null) this.addContainer(name, text, 'CONTAINER_RUNNING');
    }
  }

  /** The kubelet kills the old pod and, after a while, starts the new one. */
  private async replacePod(): Promise<void> {
    clearTimeout(this.pending);
    const current = this.running('kube-apiserver');
    if (current) this.exit(current, 0);
    this.state = 'restarting';
    this.backoffMs = this.restartMs;
    await this.opts.unlisten();
    this.pending = setTimeout(() => void this.tryStart(), this.restartMs);
  }

  private async tryStart(): Promise<void> {
    if (this.disposed) return;
    const verdict = await this.withEtcd(this.evaluate(this.manifest));
    if (this.disposed) return;
    if (verdict.ok !== true) return this.afterFailedStart(verdict);
    this.applyConfig(verdict);
    const c = this.addContainer('kube-apiserver', this.manifest ?? '', 'CONTAINER_RUNNING');
    this.log(c, startLines(this.opts.nodeName));
    await this.opts.listen();
    this.state = 'starting';
    this.pending = setTimeout(() => {
      if (this.state === 'starting') this.state = 'running';
    }, this.warmupMs);
  }

  private afterFailedStart(verdict: Exclude<Verdict, { ok: true }>): void {
    if (verdict.ok === 'no-pod') {
      this.state = 'absent';
      this.opts.logger.info('fake kubelet: no kube-apiserver pod', { reason: verdict.reason });
      return;
    }
    const c = this.addContainer('kube-apiserver', this.manifest ?? '', 'CONTAINER_EXITED');
    this.log(c, [...startLines(this.opts.nodeName), ...(verdict.lines ?? []), `E${klogTime()}       1 run.go:72] "command failed" err=${JSON.stringify(verdict.error)}`]);
    c.exitCode = 1;
    c.finishedAt = Date.now();
    this.state = 'crashloop';
    // The kubelet retries with a growing back-off; each attempt re-reads the config file.
    this.pending = setTimeout(() => void this.tryStart(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
  }

  /** Would kube-apiserver start from this manifest? */
  private evaluate(text: string | null): Verdict {
    if (text === null) return { ok: 'no-pod', reason: `${MANIFESTS}/kube-apiserver.yaml not found` };
    let pod: any;
    try {
      pod = parse(text);
    } catch (e) {
      return { ok: 'no-pod', reason: `could not process manifest file "${MANIFESTS}/kube-apiserver.yaml": ${(e as Error).message.split('\n')[0]}` };
    }
    const container = (pod?.spec?.containers ?? []).find((c: any) => c?.name === 'kube-apiserver') ?? pod?.spec?.containers?.[0];
    if (!container) return { ok: 'no-pod', reason: 'the kube-apiserver manifest has no containers' };
    const args: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(String);
    const admission = admissionFromFlags(args);
    if ('error' in admission) return { ok: false, error: admission.error };
    const { plugins } = admission;
    // --admission-control-config-file and ImagePolicyWebhook's kubeconfig, read through the pod's mounts (imagePolicy.ts).
    const readMounted = (p: string): string | null => {
      const host = resolveMount(p, container.volumeMounts ?? [], pod.spec?.volumes ?? []);
      return typeof host === 'string' ? this.readNode(host) : null;
    };
    const imagePolicy = imagePolicyFromFlags(args, plugins, readMounted);
    if ('error' in imagePolicy) return { ok: false, error: imagePolicy.error };
    // --audit-policy-file and --audit-log-path, through the pod's mounts (audit/index.ts).
    const audit = auditFromFlags({ args, mountOf: (p) => mountOf(p, container.volumeMounts ?? [], pod.spec?.volumes ?? []), readNode: (p) => this.readNode(p), hostRoot: () => liveNodeRoot(this.opts.nodeRoot), nodeExists: (p) => existsSync(join(this.opts.nodeRoot, p)) });
    if ('error' in audit) return { ok: false, error: audit.error };
    const flagAuth = authFromFlags(args);
    if ('error' in flagAuth) return { ok: false, error: flagAuth.error };
    const profiling = boolFlagError(args, '--profiling');
    if (profiling !== null) return { ok: false, error: profiling };
    const servingTls = servingTlsFromFlags(args);
    if ('error' in servingTls) return { ok: false, error: servingTls.error };
    const etcd = this.etcdClientOf(args, container, pod);
    if (typeof etcd === 'string') return { ok: false, error: etcd };
    let auth: AuthConfig = flagAuth;
    if (flagAuth.configFile !== undefined) {
      // --authentication-config: a file the pod must see, like the encryption config below.
      const file = flagAuth.configFile;
      const host = resolveMount(file, container.volumeMounts ?? [], pod.spec.volumes ?? []);
      if (typeof host === 'object') return { ok: 'no-pod', reason: host.kubeletError };
      const text = host === undefined ? null : this.readNode(host);
      if (text === null) return { ok: false, error: `failed to load authentication configuration from file "${file}": open ${file}: no such file or directory` };
      const read = withAuthenticationConfig(flagAuth, text);
      if ('error' in read) return { ok: false, error: read.error };
      auth = read;
    }
    let configPath: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const [flag, inline] = splitFlag(args[i]!);
      if (!flag.startsWith('--encryption')) continue;
      if (!ENCRYPTION_FLAGS.has(flag)) return { ok: false, error: `unknown flag: ${flag}` };
      if (flag === '--encryption-provider-config') configPath = inline ?? args[++i];
    }
    if (configPath === undefined) return { ok: true, config: undefined, plugins, auth, servingTls, etcd, imagePolicy: imagePolicy.config, audit: audit.backend };
    const hostPath = resolveMount(configPath, container.volumeMounts ?? [], pod.spec.volumes ?? []);
    if (typeof hostPath === 'object') return { ok: 'no-pod', reason: hostPath.kubeletError };
    const open = `error opening encryption provider configuration file "${configPath}": open ${configPath}: no such file or directory`;
    if (hostPath === undefined) return { ok: false, error: `error while parsing file: ${open}` };
    const content = this.readNode(hostPath);
    if (content === null) return { ok: false, error: `error while parsing file: ${open}` };
    try {
      return { ok: true, config: parseEncryptionConfig(content, configPath), plugins, auth, servingTls, etcd, imagePolicy: imagePolicy.config, audit: audit.backend };
    } catch (e) {
      if (e instanceof EncryptionConfigError) return { ok: false, error: e.message };
      throw e;
    }
  }

  private applyConfig({ config, plugins, auth, servingTls, etcd, imagePolicy, audit }: Ok): void {
    this.opts.applyServingTls?.(servingTls);
    this.audit = audit;
    // A new kube-apiserver process: a new plugin with an empty response cache.
    this.opts.store.imagePolicy = imagePolicy ? new ImagePolicyWebhook(imagePolicy, this.opts.nodeRoot, [this.opts.nodeName]) : undefined;
    this.etcdClient = etcd;
    this.opts.store.admissionPlugins = plugins;
    this.opts.store.apiserverAuth = auth;
    ensureKubernetesService(this.opts.store); // its kubernetesservice controller, at start
    this.opts.store.encodeForStorage = config
      ? (rt, obj) => encryptValue(providersFor(config, rt.group, rt.resource), etcdKey(rt, obj.metadata.namespace ?? '', obj.metadata.name), plainValue(rt, obj))
      : undefined;
  }

  /**
   * kube-apiserver's etcd client from --etcd-servers and --etcd-cafile/--etcd-certfile/--etcd-keyfile
   * (read through its mounts), or the error it exits with. undefined when etcd is not simulated.
   */
  private etcdClientOf(args: string[], container: any, pod: any): EtcdClient | undefined | string {
    if (!this.etcd.simulated) return undefined;
    const flag = (name: string): string | undefined => {
      for (let i = 0; i < args.length; i++) {
        const [f, inline] = splitFlag(args[i]!);
        if (f === name) return inline ?? args[i + 1];
      }
      return undefined;
    };
    const servers = flag('--etcd-servers') ?? '';
    if (servers === '') return '--etcd-servers must be specified';
    let url: URL;
    try {
      url = new URL(servers.split(',')[0]!);
    } catch {
      return `parse "${servers.split(',')[0]}": invalid URI for request`;
    }
    const client: EtcdClient = { url };
    for (const [name, field] of [['--etcd-cafile', 'ca'], ['--etcd-certfile', 'cert'], ['--etcd-keyfile', 'key']] as const) {
      const path = flag(name);
      if (!path) continue;
      const host = resolveMount(path, container.volumeMounts ?? [], pod.spec?.volumes ?? []);
      const text = typeof host === 'string' ? this.readNode(host) : null;
      if (text === null) return `open ${path}: no such file or directory`;
      client[field] = text;
    }
    return client;
  }

  /** A verdict that would start, unless kube-apiserver cannot reach etcd (then it exits, as when its storage never comes up). */
  private async withEtcd(verdict: Verdict): Promise<Verdict> {
    if (verdict.ok !== true || !verdict.etcd) return verdict;
    // kube-apiserver waits for its storage at start: an etcd pod being replaced is waited for (up to 20 s).
    for (let i = 0; i < 100 && this.etcd.state === 'restarting' && !this.disposed; i++) await new Promise((r) => setTimeout(r, 200));
    const problem = await this.etcdProblem(verdict.etcd);
    return problem === null ? verdict : { ok: false, error: 'context deadline exceeded', lines: [grpcLine(verdict.etcd, problem)] };
  }

  private etcdProblem(client: EtcdClient): Promise<string | null> {
    // Any host in --etcd-servers is taken for this node (the fake has one etcd).
    return probeEtcd(client, this.etcd.hostPort(Number(client.url.port || 2379)));
  }

  /**
   * etcd started, stopped or failed. A running kube-apiserver that can no longer reach it fails its
   * etcd health checks; the kubelet's liveness probe restarts it and it exits while etcd stays out
   * of reach (here at once: the probes' minutes are not simulated). It comes back on the next
   * back-off attempt once etcd answers it again.
   */
  private etcdChanged(): void {
    if (this.disposed || this.etcd.state === 'restarting') return;
    if (this.state !== 'running' && this.state !== 'starting') return;
    const client = this.etcdClient;
    if (!client) return;
    this.transition = this.transition
      .then(async () => {
        if (this.state !== 'running' && this.state !== 'starting') return;
        const problem = await this.etcdProblem(client);
        if (problem === null || this.disposed || (this.state !== 'running' && this.state !== 'starting')) return;
        clearTimeout(this.pending);
        const current = this.running('kube-apiserver');
        if (current) {
          this.log(current, [grpcLine(client, problem)]);
          this.exit(current, 0);
        }
        await this.opts.unlisten();
        this.backoffMs = this.restartMs;
        this.afterFailedStart({ ok: false, error: 'context deadline exceeded', lines: [grpcLine(client, problem)] });
      })
      .catch((e: unknown) => this.opts.logger.warn('fake control plane: etcd re-check failed', { err: e as Error }));
  }

  private addContainer(name: string, manifest: string, state: CriContainer['state']): CriContainer {
    let image = `registry.k8s.io/${name}`;
    let command: string[] = [name];
    try {
      const c = (parse(manifest) as any)?.spec?.containers?.[0];
      if (c?.image) image = String(c.image);
      if (Array.isArray(c?.command)) command = c.command.map(String);
    } catch {
      // an unparsable manifest never gets here
    }
    const podUid = createHash('md5').update(manifest).digest('hex');
    const previous = this.containers.filter((c) => c.name === name && c.podUid === podUid);
    const attempt = previous.length;
    const podSandboxId = previous[0]?.podSandboxId ?? randomBytes(32).toString('hex');
    const podName = `${name}-${this.opts.nodeName}`;
    const c: CriContainer = {
      id: randomBytes(32).toString('hex'),
      podSandboxId,
      podName,
      podUid,
      name,
      image,
      imageId: createHash('sha256').update(image).digest('hex'),
      createdAt: Date.now(),
      state,
      attempt,
      command,
      logPath: `/var/log/pods/kube-system_${podName}_${podUid}/${name}/${attempt}.log`,
    };
    this.containers.push(c);
    return c;
  }

  private exit(c: CriContainer, code: number): void {
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.finishedAt = Date.now();
  }

  /** Appends lines to the container's log in the CRI format (`<time> stderr F <line>`). */
  private log(c: CriContainer, lines: string[]): void {
    const file = join(this.opts.nodeRoot, c.logPath);
    mkdirSync(posix.dirname(file), { recursive: true });
    appendFileSync(file, lines.map((l) => `${new Date().toISOString()} stderr F ${l}\n`).join(''));
  }

  /** A node file's text, or null when missing (an overlay whiteout — a character device — is a deleted file). */
  readNode(path: string): string | null {
    const file = join(this.opts.nodeRoot, path);
    try {
      if (!lstatSync(file).isFile()) return null;
      return readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  }
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Where `path` inside the container comes from on the node: through the volumeMount that holds it
 * (longest mountPath) and its hostPath volume. undefined = not mounted (the container's own
 * filesystem has no such file); {kubeletError} = the pod itself is invalid and never starts.
 */
function resolveMount(path: string, mounts: any[], volumes: any[]): string | undefined | { kubeletError: string } {
  const clean = posix.normalize(path);
  let best: any;
  for (const m of mounts) {
    const mp = posix.normalize(String(m?.mountPath ?? '')).replace(/\/$/, '');
    if (mp === '') continue;
    if ((clean === mp || clean.startsWith(`${mp}/`)) && (!best || mp.length > String(best.mountPath).length)) best = { ...m, mountPath: mp };
  }
  if (!best) return undefined;
  const volume = volumes.find((v) => v?.name === best.name);
  if (!volume) return { kubeletError: `spec.containers[0].volumeMounts[?].name: Not found: "${String(best.name)}"` };
  if (!volume.hostPath?.path) return undefined;
  const rest = clean.slice(best.mountPath.length);
  return posix.join(String(volume.hostPath.path), best.subPath ? String(best.subPath) : '', rest);
}

/** The node path behind a container path and whether its mount is read-only; undefined: not from the node. */
function mountOf(path: string, mounts: any[], volumes: any[]): { nodePath: string; readOnly: boolean } | undefined {
  const nodePath = resolveMount(path, mounts, volumes);
  if (typeof nodePath !== 'string') return undefined;
  const clean = posix.normalize(path);
  const mount = mounts
    .map((m) => ({ m, mp: posix.normalize(String(m?.mountPath ?? '')).replace(/\/$/, '') }))
    .filter(({ mp }) => mp !== '' && (clean === mp || clean.startsWith(`${mp}/`)))
    .sort((a, b) => b.mp.length - a.mp.length)[0]?.m;
  return { nodePath, readOnly: mount?.readOnly === true };
}

/** The gRPC warning kube-apiserver's etcd client logs for a connection that fails. */
function grpcLine(client: EtcdClient, problem: string): string {
  const addr = `${client.url.hostname}:${client.url.port || 2379}`;
  return `W${klogTime()}       1 logging.go:55] [core] [Channel #1 SubChannel #2]grpc: addrConn.createTransport failed to connect to {Addr: "${addr}", ServerName: "${addr}", }. Err: connection error: desc = "${problem}"`;
}

function klogTime(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
}

function startLines(node: string): string[] {
  return [`I${klogTime()}       1 options.go:249] external host was not specified, using ${node}`, `I${klogTime()}       1 server.go:147] Version: v1.34.0`];
}
