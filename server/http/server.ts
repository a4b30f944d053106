import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Logger } from '../log/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import type { SessionManager } from '../sessions/index.js';
import type { Store } from '../store/types.js';
import { createApp } from './app.js';
import { DEFAULT_CHECK_LIMIT, TokenBuckets, type RateLimit } from './rateLimit.js';
import { OriginPolicy, socketOriginCheck } from './origin.js';
import { mountTerminalNamespace } from './terminalSocket.js';
import { mountWorkshopNamespace } from './workshopSocket.js';
import { workshopRouter } from './workshopRoutes.js';
import { examRouter } from './examRoutes.js';
import type { ExamManager } from '../exams/index.js';
import type { InstructorAuth, WorkshopManager } from '../workshops/index.js';

export interface HttpDeps {
  logger: Logger;
  /** Workshops (instructor API, join, live board); optional so small test servers can leave it out. */
  workshops?: { manager: WorkshopManager; auth: InstructorAuth };
  exams?: ExamManager;
  /** Milliseconds in an exam minute (tests shrink it; the exam pages count in it). */
  examMinuteMs?: number;
  /** A lab's nodes by short name (`control-plane`, `worker` …), for the exam page's "ssh <node>". */
  labNodes?: (lab: string) => string[];
  /** Operators' endpoints: /metrics and /api/ready. */
  operator?: { metrics: () => string | Promise<string>; ready: () => Promise<{ ready: boolean; problems: string[]; warnings?: string[]; isolation?: unknown }> };
  catalog: ScenarioCatalog;
  sessions: SessionManager;
  store: Store;
  webDir: string;
  secureCookies: boolean;
  /** CKS_PUBLIC_URL: its origin may change state besides the request's own host. */
  publicUrl?: string | undefined;
  /** CKS_METRICS_TOKEN: /metrics needs it as a bearer token when set. */
  metricsToken?: string | undefined;
  /** Serve the web bundle's source maps (off unless told; the platform turns them on outside production). */
  sourceMaps?: boolean;
  /** Checks per session (default DEFAULT_CHECK_LIMIT). */
  checkLimit?: RateLimit;
}

export interface RunningServer {
  url: string;
  port: number;
  http: HttpServer;
  io: Server;
  close(): Promise<void>;
}

/** HTTP + socket.io on one port. `port: 0` picks a free one (tests). */
export async function startHttpServer(deps: HttpDeps, listen: { port: number; host: string }): Promise<RunningServer> {
  const origins = new OriginPolicy(deps.publicUrl);
  const checkLimiter = new TokenBuckets(deps.checkLimit ?? DEFAULT_CHECK_LIMIT);
  const app = createApp({
    ...deps,
    origins,
    checkLimiter,
    ...(deps.workshops ? { workshopRoutes: workshopRouter({ workshops: deps.workshops.manager, auth: deps.workshops.auth, secureCookies: deps.secureCookies }) } : {}),
    ...(deps.exams ? { examRoutes: examRouter({ exams: deps.exams, sessions: deps.sessions, catalog: deps.catalog, secureCookies: deps.secureCookies, ...(deps.examMinuteMs ? { minuteMs: deps.examMinuteMs } : {}), ...(deps.labNodes ? { labNodes: deps.labNodes } : {}) }) } : {}),
  });
  const http = createServer(app);
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 256 * 1024,
    // Same-origin page only; the cookie is SameSite=Strict as well.
    cors: { origin: false },
    // CORS does not cover websockets: refuse handshakes from another site's page.
    allowRequest: socketOriginCheck(origins),
  });
  mountTerminalNamespace(io, deps);
  const unmountWorkshops = deps.workshops
    ? mountWorkshopNamespace(io, { workshops: deps.workshops.manager, sessions: deps.sessions, auth: deps.workshops.auth, logger: deps.logger })
    : () => undefined;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(listen.port, listen.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const url = `http://${host}:${port}`;
  deps.logger.info('listening', { url });
  return {
    url,
    port,
    http,
    io,
    close: () =>
      new Promise<void>((resolve) => {
        unmountWorkshops();
        checkLimiter.dispose();
        io.disconnectSockets(true);
        void io.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
