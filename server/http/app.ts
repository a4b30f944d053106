import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { METRICS_CONTENT_TYPE } from '../metrics/index.js';
import { toGradeJson } from '../grading/index.js';
import type { Logger } from '../log/index.js';
import { toSummary, type ScenarioCatalog } from '../scenarios/catalog.js';
import type { Scenario } from '../scenarios/types.js';
import type { SessionManager } from '../sessions/index.js';
import type { SessionRecord, Store } from '../store/types.js';
import { SESSION_TOKEN_HEADER, type CreateSessionDto, type ScenarioDetailDto, type SessionListDto } from '../wire/types.js';
import { catalogRouter } from './catalogRoutes.js';
import { sessionDto } from './dto.js';
import { errorHandler, notFound } from './errors.js';
import { ensureLearner, learnerFromCookie } from './learner.js';
import type { TokenBuckets } from './rateLimit.js';
import { originGuard, type OriginPolicy } from './origin.js';
import { securityHeaders } from './security.js';

export interface AppDeps {
  operator?: { metrics: () => string | Promise<string>; ready: () => Promise<{ ready: boolean; problems: string[]; warnings?: string[]; isolation?: unknown }> };
  /** Workshops API (instructor + join); absent in tests that don't need it. */
  workshopRoutes?: Router;
  /** Mock exams API; absent in tests that don't need it. */
  examRoutes?: Router;
  logger: Logger;
  catalog: ScenarioCatalog;
  sessions: SessionManager;
  store: Store;
  /** Folder holding index.html and dist/ (the built web bundle). */
  webDir: string;
  /** Set the cookie's Secure flag (behind TLS). */
  secureCookies: boolean;
  /** Which origins may change state (own host, CKS_PUBLIC_URL). */
  origins: OriginPolicy;
  /** Check (grade) tokens per session. */
  checkLimiter: TokenBuckets;
  /** When set, /metrics needs `Authorization: Bearer <token>` (CKS_METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Serve the web bundle's source maps (*.map under /assets); off in production. */
  sourceMaps?: boolean;
}

/** The express app: JSON API under /api, the web page for everything else. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use('/api', originGuard(deps.origins));
  app.use(express.json({ limit: '16kb' }));
  const operator = deps.operator;
  if (operator) {
    app.get('/metrics', metricsAuth(deps.metricsToken), async (_req, res) => {
      res.type(METRICS_CONTENT_TYPE).send(await operator.metrics());
    });
    app.get('/api/ready', async (_req: Request, res: Response) => {
      const r = await operator.ready();
      res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', problems: r.problems, warnings: r.warnings ?? [], isolation: r.isolation ?? null });
    });
  }
  if (deps.workshopRoutes) app.use('/api', deps.workshopRoutes);
  if (deps.examRoutes) app.use('/api', deps.examRoutes);
  app.use('/api', apiRouter(deps));
  if (!deps.sourceMaps) {
    app.use('/assets', (req, _res, next) => {
      if (req.path.endsWith('.map')) throw new AppError('not_found', 'There is no such file on this server.');
      next();
    });
  }
  app.use('/assets', express.static(join(deps.webDir, 'dist'), { fallthrough: false, maxAge: '1h' }));
  const index = join(deps.webDir, 'index.html');
  app.get(['/', '/s/:id', '/join', '/join/:code', '/instructor', '/instructor/w/:id', '/exam/:id'], (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The web page is not built. Run `npm run build`.');
      return;
    }
    res.sendFile(index);
  });
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/** /metrics behind a bearer token when one is configured (compared in constant time). */
function metricsAuth(token: string | undefined) {
  const want = token ? createHash('sha256').update(token).digest() : undefined;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!want) {
      next();
      return;
    }
    const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    const got = createHash('sha256').update(m?.[1] ?? '').digest();
    if (m && timingSafeEqual(got, want)) next();
    else next(new AppError('unauthorized', 'The metrics need the metrics token: send it as "Authorization: Bearer <CKS_METRICS_TOKEN>".'));
  };
}

function apiRouter(deps: AppDeps): Router {
  const { catalog, sessions, store } = deps;
  const r = express.Router();

  r.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  r.use(catalogRouter({ catalog, sessions, store }));

  r.get('/scenarios/:id', (req, res) => {
    res.json(scenarioDetail(catalog.require(req.params.id ?? '')));
  });

  r.get('/sessions', (req, res) => {
    const learner = learnerFromCookie(req.headers.cookie);
    const list = learner ? sessions.listForLearner(learner) : [];
    const body: SessionListDto = {
      sessions: list.map((s) => ({ ...sessionDto(s, sessions, store), token: sessions.tokenFor(s) })),
    };
    res.json(body);
  });

  r.post('/sessions', async (req: Request, res: Response) => {
    const learner = ensureLearner(req, res, deps.secureCookies);
    const body: unknown = req.body;
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { session, token } = await sessions.start(learner, fields.scenarioId, { params: fields.params, randomize: fields.randomize });
    const out: CreateSessionDto = { session: sessionDto(session, sessions, store), token };
    res.status(201).json(out);
  });

  const owned = (req: Request): SessionRecord =>
    sessions.authorize(req.params.id, learnerFromCookie(req.headers.cookie), req.get(SESSION_TOKEN_HEADER));

  r.get('/sessions/:id', (req, res) => {
    res.json(sessionDto(owned(req), sessions, store));
  });

  /** The scenario as this session runs it (its parameter values in the README and task titles). */
  r.get('/sessions/:id/scenario', (req, res) => {
    res.json(scenarioDetail(sessions.scenarioOf(owned(req))));
  });

  r.post('/sessions/:id/grade', async (req: Request, res: Response) => {
    const s = owned(req);
    const wait = deps.checkLimiter.take(s.id);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw new AppError('rate_limited', `Check was pressed many times in a row: wait ${wait} ${wait === 1 ? 'second' : 'seconds'}, then press it again. Your work in the cluster is not affected.`);
    }
    const result = await sessions.grade(s.id);
    res.json(toGradeJson(result));
  });

  /** Live auto-check on or off (`{ "enabled": true }`): practice labs only. */
  r.post('/sessions/:id/autocheck', (req: Request, res: Response) => {
    const s = owned(req);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    res.json(sessionDto(sessions.setAutoCheck(s.id, body.enabled), sessions, store));
  });

  r.post('/sessions/:id/retry', (req, res) => {
    const s = owned(req);
    res.json(sessionDto(sessions.retry(s.id), sessions, store));
  });

  r.get('/sessions/:id/solution', async (req: Request, res: Response) => {
    const s = owned(req);
    res.json({ markdown: '```bash\n' + (await sessions.solution(s.id)) + '\n```' });
  });

  r.delete('/sessions/:id', async (req: Request, res: Response) => {
    const s = owned(req);
    await sessions.stop(s.id);
    res.status(204).end();
  });

  r.use((req) => {
    throw new AppError('not_found', `No API endpoint ${req.method} ${req.path}.`);
  });
  return r;
}

function scenarioDetail(s: Scenario): ScenarioDetailDto {
  return {
    ...toSummary(s),
    instructions: s.instructions,
    tasks: s.tasks.map((t) => ({ id: t.id, title: t.title, weight: t.weight })),
    ...(s.values && Object.keys(s.values).length > 0 ? { params: { ...s.values } } : {}),
  };
}
