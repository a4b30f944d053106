/**
 * The kubelet's own HTTP servers on one fake node, as kubelet v1.34 serves them
 * (pkg/kubelet/server): HTTPS on `port` (10250) with its serving certificate, authenticating a
 * verified client certificate (x509.clientCAFile), else a bearer token through TokenReview (only
 * with authentication.webhook.enabled; a token it rejects is 401), else `system:anonymous` (only
 * with authentication.anonymous.enabled), else 401 `Unauthorized`; then authorization AlwaysAllow,
 * or Webhook: a SubjectAccessReview for `nodes/<subresource>` on this node, the subresource from
 * the path (KubeletFineGrainedAuthz, beta and on in v1.34: /pods → pods then proxy, /healthz →
 * healthz then proxy, /configz → configz then proxy; /stats → stats, /metrics → metrics, /logs →
 * log, /checkpoint → checkpoint; anything else proxy), 403 `Forbidden (user=…, verb=…,
 * resource=nodes, subresource(s)=[…])`. And plain HTTP on readOnlyPort without any auth.
 * Served: /pods (a v1 PodList of the pods bound to the node) and /healthz; other paths 404.
 *
 * The listeners are ephemeral ports on the host's 127.0.0.1, published in the node's port map
 * (node-ports.mjs) as the node ports they stand for; a port nothing listens on is published null.
 * The kubelet reads /var/lib/kubelet/config.yaml each time it starts; a config it refuses makes it
 * exit, and systemd restarts it every RestartSec (1 s on kind) until it starts — see
 * kubeletUnit.ts for what systemctl shows. While it is down the node's status is not posted: after
 * the node-monitor grace period (kube-controller-manager: 40 s) its conditions turn Unknown. A
 * starting kubelet posts NotReady, then Ready once its runtime checks pass.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../../../server/log/index.js';
import { publishNodePort } from '../../lib/node-ports.mjs';
import { findResource } from '../resources.js';
import type { Attributes, UserInfo } from '../rbac.js';
import type { ObjectStore } from '../store.js';
import { ensureKubeletCert, readInNode, readPemCerts } from './kubeletCert.js';
import { KUBELET_CONFIG, parseKubeletConfig, type KubeletServing } from './kubeletConfig.js';
import { installedKubeletVersion, postKubeletVersion } from './kubeletVersion.js';
import { isActiveText, journalPrefix, klogHeader, reloadRefused, statusText, type KubeletUnitState, type UnitAnswer } from './kubeletUnit.js';

export interface NodeKubeletOptions {
  store: ObjectStore;
  nodeName: string;
  /** The node's directory on the host (its files at their real paths). */
  nodeRoot: string;
  nodeIP: string;
  cluster: string;
  /** TokenReview: who a bearer token is, or null when the API server rejects it. */
  reviewToken: (token: string) => UserInfo | null;
  /** SubjectAccessReview, answered by kube-apiserver's authorizer. */
  authorize: (who: UserInfo, attrs: Attributes) => boolean;
  logger: Logger;
  /** kube-controller-manager's --node-monitor-grace-period (env FAKE_NODE_MONITOR_GRACE_MS, default 40 s). */
  graceMs?: number;
  /** From a kubelet start to its node Ready (env FAKE_KUBELET_READY_MS, default 2 s). */
  readyMs?: number;
  /** systemd's RestartSec for kubelet.service (kind: 1 s). */
  restartSecMs?: number;
}

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const READ_ONLY_DEFAULT = 10255;
/** What a running kubelet posts for the pressure conditions. */
const HEALTHY: Record<string, { reason: string; message: string }> = {
  MemoryPressure: { reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
};
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The subresources a path is authorized as (pkg/kubelet/server/auth.go, KubeletFineGrainedAuthz on). */
export function kubeletSubresources(path: string): string[] {
  const under = (p: string): boolean => path === p || path.startsWith(`${p}/`);
  const fine = under('/pods') || under('/runningpods') ? ['pods'] : under('/healthz') ? ['healthz'] : under('/configz') ? ['configz'] : [];
  const coarse = under('/stats') ? 'stats' : under('/metrics') ? 'metrics' : under('/logs') ? 'log' : under('/checkpoint') ? 'checkpoint' : 'proxy';
  return [...fine, coarse];
}

/** The API verb of an HTTP method, as the kubelet maps it ('' for any other method). */
function apiVerb(method: string): string {
  return ({ POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ?? '';
}

/** One node's simulated kubelet process: its config, its listeners, its unit state. */
export class NodeKubelet {
  private unit: KubeletUnitState;
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly published = new Set<number>([READ_ONLY_DEFAULT]);
  /** systemd's pending restart, the node lifecycle controller's grace period, the Ready post. */
  private readonly timers: { retry?: NodeJS.Timeout; grace?: NodeJS.Timeout; ready?: NodeJS.Timeout } = {};
  private nextPid = 700;
  private disposed = false;
  /** Serialises start/stop so a restart never interleaves with another. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NodeKubeletOptions) {
    this.unit = { active: 'inactive', sub: 'dead', since: new Date(), pid: 0, journal: [] };
  }

  get state(): KubeletUnitState {
    return this.unit;
  }

  /**
   * Starts the kubelet at node boot (the node's status is left to the node's own start-up). A
   * worker has no config until `kubeadm join` writes it and restarts the kubelet: until then the
   * file is looked for every half second.
   */
  async boot(): Promise<void> {
    await this.enqueue(() => this.launch(false));
    if (this.unit.result !== 'condition') return;
    this.timers.retry = setInterval(() => {
      if (!existsSync(join(this.opts.nodeRoot, KUBELET_CONFIG))) return;
      this.clear('retry');
      void this.enqueue(() => this.launch(false));
    }, 500);
  }

  /** Answers `systemctl <verb> kubelet` for the node's delegated unit. */
  async systemctl(verb: string): Promise<UnitAnswer> {
    const ok: UnitAnswer = { exitCode: 0, stdout: '', stderr: '' };
    switch (verb) {
      case 'start':
        if (this.unit.active !== 'active') await this.enqueue(() => this.launch(true));
        return ok;
      case 'stop':
        await this.enqueue(() => this.halt());
        return ok;
      case 'restart':
        await this.enqueue(async () => {
          await this.halt();
          await this.launch(true);
        });
        return ok;
      case 'reload':
        return reloadRefused();
      case 'is-active':
        return isActiveText(this.unit);
      case 'status':
        return statusText(this.unit, this.opts.nodeName, this.opts.cluster, this.opts.nodeIP);
      default:
        return { exitCode: 1, stdout: '', stderr: `Unknown command verb '${verb}'.\n` };
    }
  }

  /** Stops the listeners and timers (the fake API server is shutting down). */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const key of ['retry', 'grace', 'ready'] as const) this.clear(key);
    await this.closeServers();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private journal(ident: 'kubelet' | 'systemd', text: string): void {
    const d = new Date();
    const line = ident === 'kubelet' ? `${journalPrefix(d, this.opts.nodeName, `kubelet[${this.unit.pid}]`)}${text}` : `${journalPrefix(d, this.opts.nodeName, 'systemd[1]')}${text}`;
    this.unit.journal = [...this.unit.journal, line].slice(-50);
  }

  /**
   * One start of the kubelet process: reads its config and serves, or exits 1 and is restarted by
   * systemd. `posts`: the started kubelet posts its node's status (not at the node's first boot,
   * whose Ready transition is the node's own start-up).
   */
  private async launch(posts: boolean): Promise<void> {
    if (this.disposed) return;
    this.clear('retry');
    this.clear('ready');
    let text: string | null = null;
    try {
      text = readInNode(this.opts.nodeRoot, KUBELET_CONFIG);
    } catch {
      text = null;
    }
    if (text === null) {
      // kind's kubelet.service: ConditionPathExists=/var/lib/kubelet/config.yaml
      this.unit = { ...this.unit, active: 'inactive', sub: 'dead', since: new Date(), result: 'condition' };
      this.journal('systemd', 'kubelet.service - kubelet: The Kubernetes Node Agent was skipped because of an unmet condition check (ConditionPathExists=/var/lib/kubelet/config.yaml).');
      await this.publishDown();
      if (posts) this.scheduleUnknown();
      return;
    }
    this.unit = { ...this.unit, pid: this.nextPid++ };
    const version = installedKubeletVersion(this.opts.nodeRoot); // the binary this start runs
    this.journal('systemd', 'Started kubelet.service - kubelet: The Kubernetes Node Agent.');
    const config = parseKubeletConfig(text);
    if ('error' in config) return this.exitFailed(config.error);
    try {
      await this.serve(config);
    } catch (e) {
      return this.exitFailed(`failed to run Kubelet: ${(e as Error).message}`);
    }
    this.clear('grace');
    this.unit = { ...this.unit, active: 'active', sub: 'running', since: new Date(), journal: this.unit.journal };
    delete this.unit.result;
    this.journal('kubelet', `${klogHeader('I', new Date(), this.unit.pid)}server.go:182] "Starting to listen" address="0.0.0.0" port=${config.port}`);
    if (config.readOnlyPort !== 0) this.journal('kubelet', `${klogHeader('I', new Date(), this.unit.pid)}server.go:227] "Starting to listen read-only" address="0.0.0.0" port=${config.readOnlyPort}`);
    if (posts) postKubeletVersion(this.opts.store, this.opts.nodeName, version);
    if (posts) this.postStarting();
  }

  private async exitFailed(error: string): Promise<void> {
    this.journal('kubelet', `${klogHeader('E', new Date(), this.unit.pid)}run.go:72] "command failed" err=${JSON.stringify(error)}`);
    this.journal('systemd', 'kubelet.service: Main process exited, code=exited, status=1/FAILURE');
    this.journal('systemd', "kubelet.service: Failed with result 'exit-code'.");
    this.unit = { ...this.unit, active: 'activating', sub: 'auto-restart', since: new Date(), result: 'exit-code' };
    await this.closeServers();
    await this.publishDown();
    this.clear('ready');
    this.scheduleUnknown();
    this.timers.retry = setTimeout(() => {
      delete this.timers.retry;
      void this.enqueue(() => this.launch(true));
    }, this.opts.restartSecMs ?? 1000);
  }

  private async halt(): Promise<void> {
    this.clear('retry');
    this.clear('ready');
    if (this.unit.active === 'active') {
      this.journal('systemd', 'Stopping kubelet.service - kubelet: The Kubernetes Node Agent...');
      this.journal('systemd', 'kubelet.service: Deactivated successfully.');
      this.journal('systemd', 'Stopped kubelet.service - kubelet: The Kubernetes Node Agent.');
    }
    this.unit = { ...this.unit, active: 'inactive', sub: 'dead', since: new Date() };
    delete this.unit.result;
    await this.closeServers();
    await this.publishDown();
    this.scheduleUnknown();
  }

  private async serve(config: KubeletServing): Promise<void> {
    const pair = config.tlsCertFile && config.tlsPrivateKeyFile
      ? { cert: readInNode(this.opts.nodeRoot, config.tlsCertFile), key: readInNode(this.opts.nodeRoot, config.tlsPrivateKeyFile) }
      : await ensureKubeletCert(this.opts.nodeRoot, this.opts.nodeName);
    const ca = config.clientCAFile ? readPemCerts(this.opts.nodeRoot, config.clientCAFile) : undefined;
    const secure = createHttpsServer({ cert: pair.cert, key: pair.key, requestCert: true, rejectUnauthorized: false, ...(ca ? { ca } : {}) }, (req, res) => this.secured(config, ca !== undefined, req, res));
    const servers: { node: number; server: Server }[] = [{ node: config.port, server: secure }];
    if (config.readOnlyPort !== 0) servers.push({ node: config.readOnlyPort, server: createServer((req, res) => this.readOnly(req, res)) });
    const targets = new Map<number, number>();
    for (const { node, server } of servers) {
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      this.servers.push(server);
      targets.set(node, (server.address() as AddressInfo).port);
    }
    for (const p of this.published) if (!targets.has(p)) publishNodePort(this.opts.nodeRoot, p, null);
    for (const [node, port] of targets) {
      publishNodePort(this.opts.nodeRoot, node, { host: '127.0.0.1', port });
      this.published.add(node);
    }
  }

  /** The authenticated (or anonymous) user of a request on the secure port, or null for 401. */
  private authenticate(config: KubeletServing, req: IncomingMessage, x509: boolean): UserInfo | null {
    const socket = req.socket as TLSSocket;
    const peer = x509 ? socket.getPeerCertificate() : undefined;
    // A certificate the client CA did not sign is an error (x509 authenticator), not "no credentials".
    const badCert = peer !== undefined && Object.keys(peer).length > 0 && !socket.authorized;
    if (peer && socket.authorized) {
      const subject = peer.subject as unknown as Record<string, string | string[]> | undefined;
      const cn = subject?.CN;
      if (typeof cn === 'string' && cn !== '') {
        const orgs = subject?.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
        return { user: cn, groups: [...orgs, 'system:authenticated'] };
      }
    }
    const header = req.headers.authorization;
    if (config.webhookAuthn && typeof header === 'string' && header !== '') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // A bearer token the TokenReview rejects is an error: no anonymous fallback.
      if (m) return this.opts.reviewToken(m[1]!);
    }
    if (badCert) return null;
    return config.anonymous ? { user: 'system:anonymous', groups: ['system:unauthenticated'] } : null;
  }

  private secured(config: KubeletServing, x509: boolean, req: IncomingMessage, res: ServerResponse): void {
    const who = this.authenticate(config, req, x509);
    if (!who) return text(res, 401, 'Unauthorized');
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    const verb = apiVerb(req.method ?? 'GET');
    const subresources = kubeletSubresources(path);
    if (config.authzMode === 'Webhook') {
      const allowed = subresources.some((subresource) => this.opts.authorize(who, { verb, group: '', resource: 'nodes', subresource, name: this.opts.nodeName, namespace: '' }));
      if (!allowed) return text(res, 403, `Forbidden (user=${who.user}, verb=${verb}, resource=nodes, subresource(s)=[${subresources.join(' ')}])\n`);
    }
    this.handle(path, req, res);
  }

  private readOnly(req: IncomingMessage, res: ServerResponse): void {
    this.handle(new URL(req.url ?? '/', 'http://localhost').pathname, req, res);
  }

  private handle(path: string, req: IncomingMessage, res: ServerResponse): void {
    if (path === '/healthz') return text(res, 200, 'ok');
    if (path === '/pods' || path === '/pods/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, '405: Method Not Allowed');
      const items = this.opts.store.list(PODS).filter((p) => p.spec?.nodeName === this.opts.nodeName);
      const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    text(res, 404, '404 page not found\n');
  }

  /** Every port the kubelet had published now refuses connections. */
  private async publishDown(): Promise<void> {
    for (const p of this.published) publishNodePort(this.opts.nodeRoot, p, null);
  }

  private async closeServers(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }

  private clear(key: 'retry' | 'grace' | 'ready'): void {
    const t = this.timers[key];
    if (t) clearTimeout(t); // also ends an interval
    delete this.timers[key];
  }

  /** A (re)started kubelet posts NotReady, then Ready once the runtime checks pass. */
  private postStarting(): void {
    this.setConditions('False', 'KubeletNotReady', 'container runtime status check may not have completed yet');
    this.clear('ready');
    this.timers.ready = setTimeout(() => {
      delete this.timers.ready;
      if (this.unit.active === 'active') this.setConditions('True', 'KubeletReady', 'kubelet is posting ready status');
    }, this.opts.readyMs ?? Number(process.env.FAKE_KUBELET_READY_MS ?? 2000));
  }

  /** The node lifecycle controller: no status posted for the grace period → every condition Unknown. */
  private scheduleUnknown(): void {
    if (this.timers.grace || this.disposed) return;
    this.timers.grace = setTimeout(() => {
      delete this.timers.grace;
      if (this.unit.active !== 'active') this.setConditions('Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
    }, this.opts.graceMs ?? Number(process.env.FAKE_NODE_MONITOR_GRACE_MS ?? 40_000));
  }

  private setConditions(status: 'True' | 'False' | 'Unknown', reason: string, message: string): void {
    const node = this.opts.store.get(NODES, '', this.opts.nodeName);
    if (!node) return;
    const ts = now();
    node.status.conditions = (node.status.conditions as Record<string, string>[]).map((c) => {
      if (status === 'Unknown') return { ...c, status, reason, message, lastTransitionTime: ts };
      if (c.type !== 'Ready') return c.status === 'Unknown' ? { ...c, ...HEALTHY[c.type ?? ''], status: 'False', lastHeartbeatTime: ts, lastTransitionTime: ts } : c;
      return { ...c, status, reason, message, lastHeartbeatTime: ts, ...(c.status !== status ? { lastTransitionTime: ts } : {}) };
    });
    this.opts.store.update(NODES, node);
  }
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) }).end(body);
}
