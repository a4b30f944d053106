import express, { type Request, type Response, type Router } from 'express';
import { labNeeds } from '../clusters/index.js';
import { learnerProgress } from '../progress/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import { competenciesOf, coverage } from '../scenarios/competencies.js';
import type { Scenario } from '../scenarios/types.js';
import type { SessionManager } from '../sessions/index.js';
import type { Store } from '../store/types.js';
import type { CurriculumDto, ProgressDto } from '../wire/catalog.js';
import type { CatalogDto, CatalogScenarioDto } from '../wire/types.js';
import { learnerFromCookie } from './learner.js';

export interface CatalogRouteDeps {
  catalog: ScenarioCatalog;
  sessions: SessionManager;
  store: Store;
}

/**
 * The catalog page's API: GET /scenarios (cards: facts, topics, what the lab needs and whether
 * this host can run it), GET /progress (the caller's stored grades, by cookie) and
 * GET /curriculum (every competency with the scenarios that practise it).
 */
export function catalogRouter(deps: CatalogRouteDeps): Router {
  const r = express.Router();

  r.get('/scenarios', async (_req: Request, res: Response) => {
    const body: CatalogDto = { scenarios: await catalogLines(deps) };
    res.json(body);
  });

  r.get('/progress', async (req: Request, res: Response) => {
    const learner = learnerFromCookie(req.headers.cookie);
    // Exam clusters are left out (listForLearner): an exam's results stay hidden until it ends.
    const sessions = learner ? deps.sessions.listForLearner(learner) : [];
    const body: ProgressDto = learnerProgress({ scenarios: await catalogLines(deps), sessions, attemptsOf: (id) => deps.store.listAttempts(id) });
    res.json(body);
  });

  r.get('/curriculum', (_req: Request, res: Response) => {
    const body: CurriculumDto = { domains: coverage(new Set(deps.catalog.list().map((s) => s.id))) };
    res.json(body);
  });

  return r;
}

/** The catalog's cards as this host offers them (`unavailable` says why a lab cannot run here). */
async function catalogLines({ catalog, sessions }: CatalogRouteDeps): Promise<CatalogScenarioDto[]> {
  const availability = await sessions.labAvailability();
  return catalog.list().map((s) => {
    const reason = availability.get(s.lab);
    const lab = sessions.lab(s.lab);
    const line: CatalogScenarioDto = {
      ...s,
      randomizable: randomizable(catalog.get(s.id)),
      competencies: competenciesOf(s.id),
      labNeeds: lab ? labNeeds(lab) : [`the "${s.lab}" lab, which this server does not have`],
    };
    return reason ? { ...line, unavailable: reason } : line;
  });
}

/** A parameter has more than one choice: a randomized start can differ from the defaults. */
function randomizable(s: Scenario | undefined): boolean {
  return (s?.parameters ?? []).some((p) => (p.choices?.length ?? 0) > 1);
}
