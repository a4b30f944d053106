import { CURRICULUM } from '../scenarios/curriculum.js';
import type { ScenarioSummary } from '../scenarios/types.js';
import type { AttemptRecord, SessionRecord } from '../store/types.js';
import type { DomainProgressDto, ProgressDto, ScenarioProgressDto, SuggestionDto } from '../wire/catalog.js';

/** What progress is computed from: the catalog as this host offers it, and the learner's stored grades. */
export interface ProgressInput {
  /** Catalog lines; `unavailable` set where this host cannot run the lab. */
  scenarios: readonly ScenarioSummary[];
  /** The learner's sessions; those of a mock exam are left out. */
  sessions: readonly SessionRecord[];
  attemptsOf: (sessionId: string) => readonly AttemptRecord[];
}

const DIFFICULTY_ORDER = { easy: 0, medium: 1, hard: 2 } as const;

/**
 * A learner's progress: per scenario (attempts, best score, last try), per curriculum domain
 * (passed against the domain's weight), and the next scenario to try — in the domain with the
 * most exam weight not yet practised, weight × (1 − passed/total), the easiest and shortest first.
 */
export function learnerProgress(input: ProgressInput): ProgressDto {
  const known = new Map(input.scenarios.map((s) => [s.id, s]));
  const perScenario = new Map<string, ScenarioProgressDto>();
  for (const session of input.sessions) {
    // A mock exam's clusters never count: its results stay hidden until the exam ends, and it grades under exam rules.
    if (!known.has(session.scenarioId) || session.examAttemptId !== null) continue;
    for (const a of input.attemptsOf(session.id)) mergeAttempt(perScenario, session.scenarioId, a);
  }
  const domains: DomainProgressDto[] = CURRICULUM.map(({ domain, weight }) => {
    const inDomain = input.scenarios.filter((s) => s.domain === domain);
    return {
      domain,
      weight,
      total: inDomain.length,
      passed: inDomain.filter((s) => perScenario.get(s.id)?.passed).length,
      attempted: inDomain.filter((s) => perScenario.has(s.id)).length,
    };
  });
  const readiness = domains.reduce((sum, d) => sum + (d.total > 0 ? (d.weight * d.passed) / d.total : 0), 0);
  return {
    domains,
    scenarios: [...perScenario.values()].sort((a, b) => b.lastTriedAt.localeCompare(a.lastTriedAt) || a.scenarioId.localeCompare(b.scenarioId)),
    suggestedNext: suggest(domains, input.scenarios, perScenario),
    readinessPercent: Math.round(readiness),
  };
}

function mergeAttempt(out: Map<string, ScenarioProgressDto>, scenarioId: string, a: AttemptRecord): void {
  const prev = out.get(scenarioId);
  if (!prev) {
    out.set(scenarioId, { scenarioId, attempts: 1, bestScore: a.score, maxScore: a.maxScore, passed: a.passed, lastTriedAt: a.createdAt });
    return;
  }
  prev.attempts += 1;
  if (ratio(a.score, a.maxScore) > ratio(prev.bestScore, prev.maxScore)) {
    prev.bestScore = a.score;
    prev.maxScore = a.maxScore;
  }
  prev.passed ||= a.passed;
  if (a.createdAt > prev.lastTriedAt) prev.lastTriedAt = a.createdAt;
}

function ratio(score: number, max: number): number {
  return max > 0 ? score / max : 0;
}

/** Weakest domain first (most weight at stake; ties in curriculum order) that still has a scenario this host can run and the learner has not passed. */
function suggest(domains: DomainProgressDto[], scenarios: readonly ScenarioSummary[], progress: Map<string, ScenarioProgressDto>): SuggestionDto | null {
  const stake = (d: DomainProgressDto): number => (d.total > 0 ? d.weight * (1 - d.passed / d.total) : 0);
  const order = domains.map((d, i) => ({ d, i })).sort((a, b) => stake(b.d) - stake(a.d) || a.i - b.i);
  for (const { d } of order) {
    const open = scenarios
      .filter((s) => s.domain === d.domain && !s.unavailable && !progress.get(s.id)?.passed)
      .sort((a, b) => DIFFICULTY_ORDER[a.difficulty] - DIFFICULTY_ORDER[b.difficulty] || a.timeLimitMinutes - b.timeLimitMinutes || a.title.localeCompare(b.title));
    const next = open[0];
    if (!next) continue;
    return {
      scenarioId: next.id,
      title: next.title,
      domain: d.domain,
      reason: `${d.domain} is your weakest domain: ${d.passed} of ${d.total} passed, and it is ${d.weight} % of the exam.`,
    };
  }
  return null;
}
