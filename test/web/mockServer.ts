/**
 * A stand-in for the real server, implementing the HTTP + socket.io contract of
 * server/wire/types.ts with canned scenarios and grades, simulated provisioning, and a real
 * node-pty bash (mirrored into @xterm/headless so a reload gets a replay). For UI development
 * and browser tests: `npx tsx test/web/mockServer.ts [port]` (run scripts/build-web.mjs first).
 */
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Server as IoServer, type Socket } from 'socket.io';
import { KIND_PHASES } from '../../server/clusters/types.js';
import { securityHeaders } from '../../server/http/security.js';
import { competenciesOf } from '../../server/scenarios/competencies.js';
import {
  LEARNER_COOKIE,
  SESSION_TOKEN_HEADER,
  TERMINAL_NAMESPACE,
  type CatalogDto,
  type ErrorDto,
  type ProvisionProgress,
  type SessionDto,
  type TerminalClientToServer,
  type TerminalServerToClient,
} from '../../server/wire/types.js';
import { SCENARIOS, SOLUTION_MARKDOWN, cannedGrade } from './fixtures.js';
import { startShell, type MockShell } from './mockShell.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MockServerOptions {
  port?: number;
  /** Delay between simulated provisioning steps (default 60 ms). */
  stepMs?: number;
  /** The first provisioning of every session fails at "Starting control-plane"; Retry succeeds. */
  failFirstProvision?: boolean;
  /** Delay of a grade answer (default 150 ms), so "Checking…" can be seen. */
  gradeMs?: number;
}

export interface MockServer {
  url: string;
  /** Characters acked by clients, per session (flow control observed from the server side). */
  acked(sessionId: string): number;
  /** Drops every terminal connection at the transport level (the client reconnects by itself). */
  dropConnections(): void;
  close(): Promise<void>;
}

interface MockSession {
  dto: SessionDto;
  token: string;
  learner: string;
  provisionings: number;
  shell: MockShell | null;
  timers: Set<NodeJS.Timeout>;
  acked: number;
}

type TerminalSocket = Socket<TerminalClientToServer, TerminalServerToClient>;

const STEPS: ProvisionProgress['step'][] = [...KIND_PHASES, 'Waiting for node Ready', 'Running scenario setup'];

/** Starts the mock on `opts.port` (0 = any free port). */
export async function startMockServer(opts: MockServerOptions = {}): Promise<MockServer> {
  const stepMs = opts.stepMs ?? 60;
  const sessions = new Map<string, MockSession>();
  const home = mkdtempSync(join(tmpdir(), 'cks-mock-home-'));
  const app = express();
  // The real server's headers (CSP included), so UI tests prove the page works under them.
  app.use(securityHeaders());
  const http: HttpServer = createServer(app);
  const io = new IoServer(http);
  const nsp = io.of(TERMINAL_NAMESPACE);

  const fail = (res: Response, status: number, code: string, message: string): void => {
    const body: ErrorDto = { error: { code, message } };
    res.status(status).json(body);
  };
  const learnerOf = (req: Request): string | undefined => /(?:^|;\s*)cks_learner=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const sessionFor = (req: Request, res: Response): MockSession | undefined => {
    const s = sessions.get(String(req.params['id']));
    if (!s) return void fail(res, 404, 'SESSION_NOT_FOUND', 'This lab session does not exist (it may have been stopped).');
    if (req.header(SESSION_TOKEN_HEADER) !== s.token) return void fail(res, 403, 'BAD_TOKEN', 'This lab session belongs to another browser.');
    return s;
  };
  const emitState = (s: MockSession): void => void nsp.to(s.dto.id).emit('state', s.dto);

  function later(s: MockSession, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      s.timers.delete(t);
      fn();
    }, ms);
    s.timers.add(t);
  }

  function provision(s: MockSession): void {
    s.provisionings += 1;
    s.dto.state = 'provisioning';
    s.dto.error = null;
    s.dto.progress = [];
    const failing = opts.failFirstProvision === true && s.provisionings === 1;
    const push = (p: ProvisionProgress): void => {
      s.dto.progress.push(p);
      nsp.to(s.dto.id).emit('progress', p);
    };
    STEPS.forEach((step, i) => {
      later(s, stepMs * (i + 1), () => {
        if (s.dto.state !== 'provisioning') return;
        if (failing && step === 'Starting control-plane') {
          push({ step, state: 'failed', fraction: i / STEPS.length, detail: 'kubeadm init timed out' });
          s.dto.state = 'failed';
          s.dto.error = 'The control plane did not start: kubeadm init timed out. Retry usually helps.';
          emitState(s);
          return;
        }
        push({ step, state: 'started', fraction: i / STEPS.length });
        push({ step, state: 'done', fraction: (i + 1) / STEPS.length });
        if (i === STEPS.length - 1) {
          s.shell = startShell(home, (data) => nsp.to(s.dto.id).emit('output', data));
          s.dto.state = 'ready';
          emitState(s);
          nsp.to(s.dto.id).emit('replay', s.shell.replay());
        }
      });
    });
  }

  app.use(express.json());
  app.get('/api/scenarios', (_req, res) => {
    const body: CatalogDto = {
      scenarios: SCENARIOS.map(({ instructions: _i, tasks: _t, ...summary }) => ({ ...summary, randomizable: false, competencies: competenciesOf(summary.id), labNeeds: ['1 node'] })),
    };
    res.json(body);
  });
  app.get('/api/scenarios/:id', (req, res) => {
    const sc = SCENARIOS.find((x) => x.id === req.params.id);
    if (sc) res.json(sc);
    else fail(res, 404, 'SCENARIO_NOT_FOUND', `There is no scenario "${req.params.id}".`);
  });
  app.post('/api/sessions', (req, res) => {
    const scenarioId = (req.body as { scenarioId?: unknown } | undefined)?.scenarioId;
    if (!SCENARIOS.some((x) => x.id === scenarioId)) return fail(res, 400, 'BAD_SCENARIO', 'Pick a scenario from the catalog.');
    const learner = learnerOf(req) ?? randomBytes(8).toString('hex');
    res.cookie(LEARNER_COOKIE, learner, { httpOnly: true, sameSite: 'strict', path: '/' });
    const s: MockSession = {
      dto: { id: `s-${randomBytes(5).toString('hex')}`, scenarioId: String(scenarioId), state: 'provisioning', error: null, progress: [], createdAt: new Date().toISOString(), lastGrade: null, attempts: 0, solutionAvailable: false },
      token: randomBytes(16).toString('hex'),
      learner,
      provisionings: 0,
      shell: null,
      timers: new Set(),
      acked: 0,
    };
    sessions.set(s.dto.id, s);
    provision(s);
    res.status(201).json({ session: s.dto, token: s.token });
  });
  app.get('/api/sessions', (req, res) => {
    const learner = learnerOf(req);
    res.json({ sessions: [...sessions.values()].filter((s) => s.learner === learner).map((s) => s.dto).reverse() });
  });
  app.get('/api/sessions/:id', (req, res) => {
    const s = sessionFor(req, res);
    if (s) res.json(s.dto);
  });
  app.get('/api/sessions/:id/scenario', (req, res) => {
    const s = sessionFor(req, res);
    if (s) res.json(SCENARIOS.find((x) => x.id === s.dto.scenarioId));
  });
  app.post('/api/sessions/:id/grade', (req, res) => {
    const s = sessionFor(req, res);
    if (!s) return;
    if (s.dto.state !== 'ready') return fail(res, 409, 'NOT_READY', 'The cluster is not ready yet: wait for provisioning to finish.');
    later(s, opts.gradeMs ?? 150, () => {
      s.dto.lastGrade = cannedGrade(s.dto.scenarioId);
      s.dto.attempts += 1;
      s.dto.solutionAvailable = true;
      res.json(s.dto.lastGrade);
    });
  });
  app.post('/api/sessions/:id/retry', (req, res) => {
    const s = sessionFor(req, res);
    if (!s) return;
    if (s.dto.state !== 'failed') return fail(res, 409, 'NOT_FAILED', 'Only a failed lab can be retried.');
    provision(s);
    res.json(s.dto);
  });
  app.get('/api/sessions/:id/solution', (req, res) => {
    const s = sessionFor(req, res);
    if (!s) return;
    if (!s.dto.solutionAvailable) return fail(res, 403, 'SOLUTION_LOCKED', 'The solution opens after your first Check.');
    res.json({ markdown: SOLUTION_MARKDOWN });
  });
  app.delete('/api/sessions/:id', (req, res) => {
    const s = sessionFor(req, res);
    if (!s) return;
    void dispose(s);
    s.dto.state = 'ended';
    emitState(s);
    res.status(204).end();
  });
  app.use('/assets', express.static(join(ROOT, 'web', 'dist'), { fallthrough: false }));
  const page = (_req: Request, res: Response): void => res.sendFile(join(ROOT, 'web', 'index.html'));
  app.get('/', page);
  app.get('/s/:id', page);
  app.use('/api', (_req: Request, res: Response) => fail(res, 404, 'NOT_FOUND', 'No such API route.'));

  nsp.use((socket, next) => {
    const auth = socket.handshake.auth as { sessionId?: unknown; token?: unknown };
    const s = sessions.get(String(auth.sessionId));
    if (!s || s.token !== auth.token) return next(new Error('This lab session was not found, or this browser has no access to it.'));
    next();
  });
  nsp.on('connection', (socket: TerminalSocket) => {
    const s = sessions.get(String((socket.handshake.auth as { sessionId: string }).sessionId))!;
    void socket.join(s.dto.id);
    socket.emit('state', s.dto);
    if (s.shell) socket.emit('replay', s.shell.replay());
    socket.on('input', (data) => {
      if (typeof data !== 'string') return void socket.emit('problem', { code: 'BAD_INPUT', message: 'Terminal input must be text.' });
      if (!s.shell) return void socket.emit('problem', { code: 'NOT_READY', message: 'The terminal opens when the cluster is ready.' });
      s.shell.write(data);
    });
    socket.on('resize', (size) => s.shell?.resize(size));
    socket.on('ack', (chars) => {
      if (typeof chars === 'number' && chars > 0) s.acked += chars;
    });
  });

  async function dispose(s: MockSession): Promise<void> {
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    const shell = s.shell;
    s.shell = null;
    await shell?.dispose();
  }

  await new Promise<void>((resolve) => http.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    acked: (id) => sessions.get(id)?.acked ?? 0,
    dropConnections: () => nsp.sockets.forEach((sock) => sock.conn.close()),
    async close() {
      await Promise.all([...sessions.values()].map(dispose));
      await new Promise<void>((resolve) => io.close(() => resolve()));
      http.closeAllConnections();
      rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 3000);
  const server = await startMockServer({ port, stepMs: 700, failFirstProvision: process.env['MOCK_FAIL'] === '1' });
  process.stdout.write(`mock CKS Lab at ${server.url}\n`);
}
