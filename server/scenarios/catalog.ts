import { AppError } from '../errors.js';
import type { Scenario, ScenarioSummary } from './types.js';

/**
 * The scenarios the server offers, built once from `loadCatalog`'s valid scenarios.
 * Read-only after construction.
 */
export class ScenarioCatalog {
  private readonly byId: ReadonlyMap<string, Scenario>;

  constructor(scenarios: readonly Scenario[]) {
    const byId = new Map<string, Scenario>();
    for (const s of scenarios) {
      if (byId.has(s.id)) throw new AppError('invalid_scenario', `Scenario id "${s.id}" appears twice (${byId.get(s.id)?.dir} and ${s.dir})`);
      byId.set(s.id, s);
    }
    this.byId = byId;
  }

  /** Catalog lines, sorted by domain then title. */
  list(): ScenarioSummary[] {
    return [...this.byId.values()]
      .sort((a, b) => a.domain.localeCompare(b.domain) || a.title.localeCompare(b.title))
      .map(toSummary);
  }

  /** The scenario, or undefined. */
  get(id: string): Scenario | undefined {
    return this.byId.get(id);
  }

  /** The scenario, or AppError('not_found') naming the known ids. */
  require(id: string): Scenario {
    const s = this.byId.get(id);
    if (s) return s;
    const known = [...this.byId.keys()].sort();
    throw new AppError('not_found', `Unknown scenario "${id}". Known scenarios: ${known.length ? known.join(', ') : '(none)'}`, {
      field: 'scenarioId',
    });
  }

  /** Number of scenarios. */
  get size(): number {
    return this.byId.size;
  }
}

/** The catalog line for one scenario (maxScore is the sum of task weights). */
export function toSummary(s: Scenario): ScenarioSummary {
  return {
    id: s.id,
    title: s.title,
    domain: s.domain,
    difficulty: s.difficulty,
    lab: s.lab,
    timeLimitMinutes: s.timeLimitMinutes,
    summary: s.summary,
    taskCount: s.tasks.length,
    maxScore: s.tasks.reduce((sum, t) => sum + t.weight, 0),
  };
}
