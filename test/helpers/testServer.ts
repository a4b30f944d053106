import { join } from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClusterProvider } from '../../server/clusters/types.js';
import { loadLabs } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { ClusterProbes } from '../../server/grading/types.js';
import { startHttpServer, type HttpDeps, type RunningServer } from '../../server/http/server.js';
import { createSilentLogger, type Logger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { SessionManager, runSetup, type SessionSettings } from '../../server/sessions/index.js';
import { SqliteStore } from '../../server/store/index.js';
import { NodePtyTerminalFactory } from '../../server/terminal/index.js';
import { testPool } from './memoryProvider.js';
import type { WarmPool } from '../../server/clusters/index.js';
import { InstructorAuth, WorkshopManager } from '../../server/workshops/index.js';
import { LEARNER_COOKIE, TERMINAL_NAMESPACE, type TerminalClientToServer, type TerminalServerToClient } from '../../server/wire/types.js';

export const ROOT = packageRoot();

export interface TestServer {
  url: string;
  workshops: WorkshopManager | undefined;
  pool: WarmPool;
  server: RunningServer;
  sessions: SessionManager;
  store: SqliteStore;
  logs: string[];
  close(): Promise<void>;
}

/** A real HTTP + socket.io server on port 0 around the given provider and probes. */
export async function startTestServer(opts: {
  provider: ClusterProvider;
  probesFor: (cluster: string, kubeconfig: string) => ClusterProbes;
  dbFile?: string;
  settings?: Partial<SessionSettings>;
  terminalEnv?: Record<string, string>;
  logger?: Logger;
  /** Mount workshops with this instructor token. */
  instructorToken?: string;
  /** HTTP settings (origins, metrics token, source maps, check limit, operators' endpoints). */
  http?: Pick<HttpDeps, 'publicUrl' | 'metricsToken' | 'sourceMaps' | 'checkLimit' | 'operator'>;
}): Promise<TestServer> {
  const logs: string[] = [];
  const logger = opts.logger ?? createSilentLogger(logs);
  const { scenarios } = loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') });
  const catalog = new ScenarioCatalog(scenarios);
  const store = new SqliteStore(opts.dbFile ?? ':memory:');
  const labs = loadLabs(join(ROOT, 'labs'));
  const pool = testPool(opts.provider, store, labs, { prepare: (cluster, id) => runSetup(opts.provider, cluster, catalog.require(id), 60_000) });
  const sessions = new SessionManager({
    logger,
    store,
    provider: opts.provider,
    pool,
    catalog,
    labs,
    grader: new CheckEngine({ logger }),
    terminals: new NodePtyTerminalFactory({ logger, graceMs: 30_000, killTimeoutMs: 200, env: opts.terminalEnv ?? {} }),
    probesFor: opts.probesFor,
    tokenKey: Buffer.alloc(32, 1),
    settings: {
      clusterPrefix: 'cks-',
      idleTimeoutMs: 600_000,
      reapIntervalMs: 600_000,
      terminalGraceMs: 30_000,
      maxActiveSessions: 20,
      maxActiveSessionsPerLearner: 2,
      setupTimeoutMs: 60_000,
      ...opts.settings,
    },
  });
  let url = '';
  const workshops = opts.instructorToken
    ? { manager: new WorkshopManager({ store, sessions, catalog, labs, pool, logger, publicUrl: () => url, tickMs: 60_000 }), auth: InstructorAuth.init(store, opts.instructorToken).auth }
    : undefined;
  const server = await startHttpServer(
    { logger, catalog, sessions, store, webDir: join(ROOT, 'web'), secureCookies: false, ...opts.http, ...(workshops ? { workshops } : {}) },
    { port: 0, host: '127.0.0.1' },
  );
  url = server.url;
  return {
    url: server.url,
    workshops: workshops?.manager,
    pool,
    server,
    sessions,
    store,
    logs,
    close: async () => {
      workshops?.manager.dispose();
      await server.close();
      pool.dispose();
      sessions.dispose();
      store.close();
    },
  };
}

/** A tiny HTTP client that keeps the learner cookie like a browser would. */
export class Learner {
  cookie = '';
  constructor(private readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) {
      const m = new RegExp(`${LEARNER_COOKIE}=([^;]+)`).exec(set);
      if (m) this.cookie = `${LEARNER_COOKIE}=${m[1]}`;
    }
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  }

  socket(sessionId: string, token: string): Socket<TerminalServerToClient, TerminalClientToServer> {
    return ioClient(this.base + TERMINAL_NAMESPACE, {
      auth: { sessionId, token },
      extraHeaders: this.cookie ? { cookie: this.cookie } : {},
      transports: ['websocket'],
      reconnection: false,
      // One connection per learner: multiplexed sockets would share the first one's cookie.
      forceNew: true,
    });
  }
}
