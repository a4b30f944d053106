/**
 * A fake of the host Kubernetes cluster the `kubernetes` provider schedules lab pods on, for what
 * the provider uses, shaped like the real API:
 * - pods: create (201 / 409 AlreadyExists / 422 for a missing name), get (404 NotFound Status),
 *   list by label selector, delete (graceful: deletionTimestamp, then gone);
 * - a scheduler by memory requests: a pod that does not fit stays Pending with PodScheduled False,
 *   reason Unschedulable and the scheduler's message ("0/1 nodes are available: 1 Insufficient
 *   memory. …"), and is bound (FIFO) when a deleted pod frees room; then ContainerCreating, then
 *   Running with podIP and the container Ready once its "dockerd" is up;
 * - eviction of a running pod (`evict`): phase Failed, reason Evicted, the kubelet's message, its
 *   engine and everything in it gone;
 * - `pods/exec` over WebSocket (v5/v4.channel.k8s.io: stdin 0, stdout 1, stderr 2, status 3 as a
 *   v1 Status, resize 4, close 255), pipes or a TTY. The command runs on this host with the fake
 *   `kind`/`docker` first on PATH and the pod's OWN fake engine state (CKS_FAKE_HOME per pod), so
 *   each lab pod is a separate Docker-in-Docker, as in the real pod.
 * HTTPS on 127.0.0.1 with a self-signed certificate (kubectl sends a bearer token only over TLS).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ensureServingCert } from '../kube-apiserver/tls.js';
import { cleanupFakeClusters, fakeEnv } from '../lib/env.mjs';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

interface FakePod {
  object: Record<string, any>;
  memoryMi: number;
  /** The pod's own engine: fake kind/docker state. */
  env: NodeJS.ProcessEnv;
  execs: Set<{ kill(): void }>;
}

export interface HostApiOptions {
  /** Allocatable memory of the one fake node (MiB). */
  nodeMemoryMi: number;
  nodeName?: string;
  /** Extra variables for the fake CLIs of every pod (e.g. FAKE_KIND_APISERVER). */
  podEnv?: Record<string, string>;
  /** How long "ContainerCreating" and "dockerd starting" each last (ms). */
  startDelayMs?: number;
  /**
   * Images the operator pushed to the registry lab pods pull from: each pod's engine has them (the
   * fake engine cannot pull, so they are built into it from their lab's folder when the pod starts).
   */
  registry?: { tag: string; context: string }[];
}

function quantityMi(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q ?? '0'));
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2] ?? ''] ?? 1 / 1048576;
  return n * unit;
}

function selects(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const [k, v] = term.split('=');
      return v === undefined ? k! in labels : labels[k!] === v;
    });
}

/** Legacy (unaggregated) discovery: what kubectl reads before `exec` (the core group, pods and pods/exec). */
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    ],
  },
};

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** The fake host API server; `start()` listens on 127.0.0.1. */
export class FakeHostApi {
  readonly pods = new Map<string, FakePod>();
  private readonly queue: string[] = [];
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false });
  private readonly dir = mkdtempSync(join(tmpdir(), 'cks-hostkube-'));
  /** Every request as `VERB path` (tests assert what the provider asked). */
  readonly requests: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  url = '';

  constructor(private readonly opts: HostApiOptions) {}

  private ca = '';

  async start(): Promise<string> {
    const tls = await ensureServingCert(this.dir);
    this.ca = tls.cert;
    this.server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** A kubeconfig for kubectl / client-node pointing at this server (namespace `ns`). */
  writeKubeconfig(ns: string): string {
    const file = join(this.dir, 'kubeconfig');
    writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: host\n  cluster:\n    server: ${this.url}\n    certificate-authority-data: ${Buffer.from(this.ca).toString('base64')}\ncontexts:\n- name: host\n  context:\n    cluster: host\n    user: platform\n    namespace: ${ns}\ncurrent-context: host\nusers:\n- name: platform\n  user:\n    token: fake-platform-token\n`, { mode: 0o600 });
    return file;
  }

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private usedMi(): number {
    let used = 0;
    for (const p of this.pods.values()) if (p.object.spec.nodeName && p.object.status.phase !== 'Failed' && p.object.status.phase !== 'Succeeded') used += p.memoryMi;
    return used;
  }

  /** Binds pending pods that fit, in arrival order (a pod that does not fit blocks those after it). */
  private schedule(): void {
    while (this.queue.length > 0) {
      const key = this.queue[0]!;
      const pod = this.pods.get(key);
      if (!pod || pod.object.metadata.deletionTimestamp) {
        this.queue.shift();
        continue;
      }
      if (this.usedMi() + pod.memoryMi > this.opts.nodeMemoryMi) {
        this.markUnschedulable(pod);
        for (const k of this.queue.slice(1)) {
          const other = this.pods.get(k);
          if (other) this.markUnschedulable(other);
        }
        return;
      }
      this.queue.shift();
      this.bind(pod);
    }
  }

  private markUnschedulable(pod: FakePod): void {
    pod.object.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now(), reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' }],
      qosClass: 'Burstable',
    };
  }

  private bind(pod: FakePod): void {
    const delay = this.opts.startDelayMs ?? 30;
    pod.object.spec.nodeName = this.opts.nodeName ?? 'pool-node-1';
    const container = pod.object.spec.containers[0];
    pod.object.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() }],
      hostIP: '10.0.0.11',
      containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }],
      qosClass: 'Burstable',
    };
    this.later(delay, () => {
      if (!this.pods.has(this.key(pod.object.metadata.namespace, pod.object.metadata.name)) || pod.object.status.phase !== 'Pending') return;
      pod.object.status.phase = 'Running';
      pod.object.status.podIP = '127.0.0.1';
      pod.object.status.podIPs = [{ ip: '127.0.0.1' }];
      pod.object.status.startTime = now();
      pod.object.status.containerStatuses[0] = { ...pod.object.status.containerStatuses[0], started: true, state: { running: { startedAt: now() } } };
      // dockerd answers a moment later: the readiness probe turns the container Ready.
      this.later(delay, () => {
        void this.pull(pod).then(() => {
          if (pod.object.status.phase === 'Running') pod.object.status.containerStatuses[0].ready = true;
        });
      });
    });
  }

  /** What `kind create` would pull from the operator's registry, made present in the pod's engine. */
  private async pull(pod: FakePod): Promise<void> {
    for (const img of this.opts.registry ?? []) {
      await new Promise<void>((resolve, reject) =>
        execFile('docker', ['build', '--tag', img.tag, img.context], { env: pod.env, timeout: 60_000 }, (err, _o, stderr) => (err ? reject(new Error(`preloading ${img.tag}: ${stderr}`)) : resolve())),
      );
    }
  }

  /** The kubelet evicts a running pod (node memory pressure): its engine and clusters die with it. */
  async evict(ns: string, name: string): Promise<void> {
    const pod = this.pods.get(this.key(ns, name));
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    for (const e of pod.execs) e.kill();
    pod.object.status = {
      ...pod.object.status,
      phase: 'Failed',
      reason: 'Evicted',
      message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container engine was using 2867200Ki, request is 1Gi, has larger consumption of memory. ',
      containerStatuses: [{ ...pod.object.status.containerStatuses[0], ready: false, state: { terminated: { exitCode: 137, reason: 'Error', startedAt: now(), finishedAt: now() } } }],
    };
    await cleanupFakeClusters(pod.env);
    this.schedule();
  }

  private async remove(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod) return;
    for (const e of pod.execs) e.kill();
    await cleanupFakeClusters(pod.env);
    rmSync(pod.env.CKS_FAKE_HOME!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    this.pods.delete(key);
    this.schedule();
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async body(req: IncomingMessage): Promise<Record<string, any>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers.authorization !== 'Bearer fake-platform-token') return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const discovery = DISCOVERY[url.pathname];
    if (discovery && req.method === 'GET') return this.send(res, 200, discovery);
    const m = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods(?:\/([a-z0-9-]+))?$/.exec(url.pathname);
    if (!m) return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, ns, name] = m as unknown as [string, string, string | undefined];
    if (!name && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = [...this.pods.values()].filter((p) => p.object.metadata.namespace === ns && selects(selector, p.object.metadata.labels ?? {})).map((p) => p.object);
      return this.send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
    }
    if (!name && req.method === 'POST') return this.create(ns, await this.body(req), res);
    const pod = name ? this.pods.get(this.key(ns, name)) : undefined;
    if (!pod) return this.send(res, 404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    if (req.method === 'GET') return this.send(res, 200, pod.object);
    if (req.method === 'DELETE') {
      pod.object.metadata.deletionTimestamp = now();
      pod.object.metadata.deletionGracePeriodSeconds = pod.object.spec.terminationGracePeriodSeconds ?? 30;
      this.send(res, 200, pod.object);
      this.later(20, () => void this.remove(this.key(ns, name!)));
      return;
    }
    this.send(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  }

  private create(ns: string, obj: Record<string, any>, res: ServerResponse): void {
    const name = obj.metadata?.name;
    if (typeof name !== 'string' || !name) return this.send(res, 422, status(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'));
    if (this.pods.has(this.key(ns, name))) return this.send(res, 409, status(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' }));
    const containers: Record<string, any>[] = obj.spec?.containers ?? [];
    const memoryMi = containers.reduce((sum, c) => sum + quantityMi(c.resources?.requests?.memory), 0);
    const home = join(this.dir, 'pods', name);
    mkdirSync(home, { recursive: true });
    const object = {
      ...obj,
      metadata: { ...obj.metadata, namespace: ns, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: now() },
      status: { phase: 'Pending', qosClass: 'Burstable' },
    };
    const env = fakeEnv({ home, apiserver: 'real', phaseDelayMs: 5, extra: this.opts.podEnv ?? {} });
    this.pods.set(this.key(ns, name), { object, memoryMi, env, execs: new Set() });
    this.queue.push(this.key(ns, name));
    this.schedule();
    this.send(res, 201, object);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods\/([a-z0-9-]+)\/exec$/.exec(url.pathname);
    this.requests.push(`EXEC ${url.pathname}`);
    const reject = (code: number, body: Record<string, unknown>): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${code} ${code === 404 ? 'Not Found' : code === 401 ? 'Unauthorized' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    if (req.headers.authorization !== 'Bearer fake-platform-token') return reject(401, status(401, 'Unauthorized', 'Unauthorized'));
    const pod = m ? this.pods.get(this.key(m[1]!, m[2]!)) : undefined;
    if (!m || !pod) return reject(404, status(404, 'NotFound', `pods "${m?.[2] ?? ''}" not found`));
    const phase = pod.object.status.phase;
    if (phase === 'Failed' || phase === 'Succeeded') return reject(400, status(400, 'BadRequest', `cannot exec into a container in a completed pod; current phase is ${phase}`));
    if (!pod.object.status.containerStatuses?.[0]?.state?.running) return reject(400, status(400, 'BadRequest', `container not found ("${url.searchParams.get('container') ?? ''}")`));
    const argv = url.searchParams.getAll('command');
    if (argv.length === 0) return reject(400, status(400, 'BadRequest', 'you must specify at least 1 command'));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.exec(ws, pod, argv, url.searchParams));
  }

  private exec(ws: WebSocket, pod: FakePod, argv: string[], q: URLSearchParams): void {
    const tty = q.get('tty') === 'true';
    const send = (ch: number, data: Buffer | string): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
    };
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      const st = code === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };
      send(3, JSON.stringify(st));
      ws.close(1000);
    };
    if (tty) {
      const require = createRequire(import.meta.url);
      const pty = require('node-pty') as { spawn(f: string, a: string[], o: Record<string, unknown>): { onData(cb: (d: string) => void): void; onExit(cb: (e: { exitCode: number }) => void): void; write(d: string): void; resize(c: number, r: number): void; kill(s?: string): void } };
      const term = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm', cols: 80, rows: 24, env: { ...pod.env, TERM: 'xterm' } });
      const handle = { kill: () => term.kill('SIGKILL') };
      pod.execs.add(handle);
      term.onData((d) => send(1, d));
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0) term.write(data.subarray(1).toString());
        if (data[0] === 4) {
          try {
            const size = JSON.parse(data.subarray(1).toString()) as { Width: number; Height: number };
            term.resize(size.Width, size.Height);
          } catch {
            /* a malformed resize is ignored */
          }
        }
      });
      ws.on('close', () => term.kill('SIGKILL'));
      term.onExit(({ exitCode }) => {
        pod.execs.delete(handle);
        finish(exitCode);
      });
      return;
    }
    const wantStdin = q.get('stdin') === 'true';
    const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { env: pod.env, stdio: [wantStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
    const handle = { kill: () => killGroup(child) };
    pod.execs.add(handle);
    child.on('error', (e: NodeJS.ErrnoException) => {
      pod.execs.delete(handle);
      send(3, JSON.stringify({ metadata: {}, status: 'Failure', message: `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}: unknown`, reason: 'InternalError', code: 500 }));
      finished = true;
      ws.close(1000);
    });
    child.stdout?.on('data', (d: Buffer) => send(1, d));
    child.stderr?.on('data', (d: Buffer) => send(2, d));
    child.stdin?.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      if (data[0] === 0) child.stdin?.write(data.subarray(1));
      if (data[0] === 255 && data[1] === 0) child.stdin?.end();
    });
    ws.on('close', () => killGroup(child));
    child.on('close', (code) => {
      pod.execs.delete(handle);
      finish(code ?? 137);
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const key of [...this.pods.keys()]) await this.remove(key);
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
