/**
 * `pods/exec` over WebSocket with the Kubernetes channel protocols
 * (v5/v4/v3/v2/channel.k8s.io): byte 0 of each binary frame is the stream
 * (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, 255 close in v5).
 * The command runs for real in the container's sandbox.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { containerSandbox } from './kubelet/layout.js';
import { recordSandbox, sandboxArgv, spawnInSandbox, startError } from './kubelet/sandbox.js';
import { badRequest, notFound, type StatusError } from './status.js';
import type { KubeObject } from './store.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** The protocol the real server picks: its own preference order among those offered. */
export function pickProtocol(offered: Set<string>): string | false {
  return PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

/** Who can answer exec requests: finds pods and knows the cluster dir. */
export interface ExecDeps {
  clusterDir: string;
  getPod(ns: string, name: string): KubeObject | undefined;
}

/** Checks the request against the pod like the API server and kubelet do; returns the container. */
export function execTarget(deps: ExecDeps, ns: string, podName: string, query: URLSearchParams): { pod: KubeObject; container: Record<string, any> } {
  const pod = deps.getPod(ns, podName);
  if (!pod) throw notFound('pods', '', podName);
  const containers: Record<string, any>[] = pod.spec?.containers ?? [];
  const inits: Record<string, any>[] = pod.spec?.initContainers ?? [];
  let name = query.get('container') ?? '';
  if (name === '') {
    if (containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
    }
    name = containers[0]!.name;
  }
  const container = [...containers, ...inits].find((c) => c.name === name);
  if (!container) throw badRequest(`container ${name} is not valid for pod ${podName}`);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const statuses: Record<string, any>[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  if (!statuses.find((s) => s.name === name)?.state?.running) throw badRequest(`container not found ("${name}")`);
  if (query.getAll('command').length === 0) throw badRequest('you must specify at least 1 command');
  return { pod, container };
}

/** Writes a Status as a plain HTTP answer on a socket that will not be upgraded. */
export function rejectUpgrade(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.status);
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[err.status.code] ?? 'Error';
  socket.end(`HTTP/1.1 ${err.status.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

interface Pty {
  onData(cb: (d: string) => void): void;
  onExit(cb: (e: { exitCode: number }) => void): void;
  write(d: string): void;
  resize(c: number, r: number): void;
  kill(signal?: string): void;
}

/** Serves exec WebSockets; one per fake server. */
export class ExecServer {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) });
  private readonly live = new Set<{ kill(): void }>();

  constructor(private readonly deps: ExecDeps) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ns: string, podName: string, query: URLSearchParams): void {
    let target: ReturnType<typeof execTarget>;
    try {
      target = execTarget(this.deps, ns, podName, query);
    } catch (e) {
      rejectUpgrade(socket, e as StatusError);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, target.pod, target.container, query));
  }

  private run(ws: WebSocket, pod: KubeObject, container: Record<string, any>, query: URLSearchParams): void {
    const v4plus = ws.protocol === 'v4.channel.k8s.io' || ws.protocol === 'v5.channel.k8s.io';
    const argv = query.getAll('command');
    const tty = query.get('tty') === 'true' || query.get('tty') === '1';
    const wantStdin = query.get('stdin') === 'true' || query.get('stdin') === '1';
    const send = (ch: number, data: Buffer | string): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
    };
    const finish = (code: number | null, error?: string): void => {
      if (v4plus) {
        const status = error
          ? { metadata: {}, status: 'Failure', message: error, reason: 'InternalError', details: { causes: [{ message: error }] }, code: 500 }
          : code === 0
            ? { metadata: {}, status: 'Success' }
            : {
                metadata: {},
                status: 'Failure',
                message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
                reason: 'NonZeroExitCode',
                details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
              };
        send(3, JSON.stringify(status));
      } else if (error || code !== 0) send(3, error ?? `command terminated with non-zero exit code: ${code}`);
      ws.close(1000);
    };
    const sandbox = containerSandbox(this.deps.clusterDir, pod, container, argv);
    const err = startError(sandbox, argv[0]!);
    if (err) {
      finish(null, `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${pod.metadata.uid}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`);
      return;
    }
    if (tty) this.runTty(ws, sandbox, send, finish);
    else this.runPipes(ws, sandbox, wantStdin, send, finish);
  }

  private runPipes(ws: WebSocket, sandbox: ReturnType<typeof containerSandbox>, wantStdin: boolean, send: (ch: number, d: Buffer | string) => void, finish: (c: number | null) => void): void {
    const child: ChildProcess = spawnInSandbox(sandbox, [wantStdin ? 'pipe' : 'ignore', 'pipe', 'pipe']);
    const handle = { kill: () => killGroup(child) };
    this.live.add(handle);
    child.stdout?.on('data', (d: Buffer) => send(1, d));
    child.stderr?.on('data', (d: Buffer) => send(2, d));
    child.stdin?.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data);
      if (buf.length === 0) return;
      if (buf[0] === 0) child.stdin?.write(buf.subarray(1));
      if (buf[0] === 255 && buf[1] === 0) child.stdin?.end();
    });
    ws.on('close', () => killGroup(child));
    child.on('close', (code, signal) => {
      this.live.delete(handle);
      // Killed by a signal (SIGKILL, or SIGSYS from a seccomp KILL action): 128 + its number, as runc reports.
      finish(code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9));
    });
  }

  private runTty(ws: WebSocket, sandbox: ReturnType<typeof containerSandbox>, send: (ch: number, d: Buffer | string) => void, finish: (c: number | null) => void): void {
    const require = createRequire(import.meta.url);
    const pty = require('node-pty') as { spawn(file: string, args: string[], o: Record<string, unknown>): Pty };
    const args = sandboxArgv(sandbox);
    const term = pty.spawn('/usr/bin/unshare', args, { name: 'xterm', cols: 80, rows: 24, env: { TERM: 'xterm', ...sandbox.env } });
    recordSandbox(sandbox.ledgerDir, { pid: (term as unknown as { pid: number }).pid, once: (_e, l) => term.onExit(() => l()) });
    const handle = { kill: () => term.kill('SIGKILL') };
    this.live.add(handle);
    term.onData((d) => send(1, d));
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) term.write(data.subarray(1).toString());
      if (data[0] === 4) {
        try {
          const size = JSON.parse(data.subarray(1).toString()) as { Width: number; Height: number };
          term.resize(size.Width, size.Height);
        } catch {
          /* ignore a malformed resize */
        }
      }
    });
    ws.on('close', () => term.kill('SIGKILL'));
    term.onExit(({ exitCode }) => {
      this.live.delete(handle);
      finish(exitCode);
    });
  }

  /** Ends every running exec and the WebSocket server. */
  close(): void {
    for (const h of this.live) h.kill();
    this.live.clear();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
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
