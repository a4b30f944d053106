/**
 * Wire types of the catalog page's learner views: progress (GET /api/progress) and curriculum
 * coverage (GET /api/curriculum). Typed once for server and web.
 */

/** A learner's record on one scenario, from the grades stored for their labs. */
export interface ScenarioProgressDto {
  scenarioId: string;
  /** Grades recorded (the learner's Checks and background checks), over all their labs of it. */
  attempts: number;
  /** The best grade's score and the maximum it was out of. */
  bestScore: number;
  maxScore: number;
  /** Some grade passed every task. */
  passed: boolean;
  /** When the latest grade was recorded (ISO time). */
  lastTriedAt: string;
}

/** Scenarios passed in one curriculum domain, against its weight in the exam. */
export interface DomainProgressDto {
  domain: string;
  /** Percent of the exam. */
  weight: number;
  /** Scenarios of this domain in the catalog. */
  total: number;
  passed: number;
  attempted: number;
}

/** The scenario to try next: in the weakest domain (most exam weight not yet practised). */
export interface SuggestionDto {
  scenarioId: string;
  title: string;
  domain: string;
  /** Why this one, in a learner's words. */
  reason: string;
}

/** GET /api/progress: the caller's (by cookie) progress; all zeros for a new learner. */
export interface ProgressDto {
  domains: DomainProgressDto[];
  /** Only scenarios with at least one grade, most recent first. */
  scenarios: ScenarioProgressDto[];
  /** Null when every scenario this host can run is passed. */
  suggestedNext: SuggestionDto | null;
  /** Σ weight × passed/total over the domains, rounded: how much of the exam's weight is practised. */
  readinessPercent: number;
}

/** GET /api/curriculum: every competency of the curriculum with the scenarios (present here) that practise it. */
export interface CurriculumDto {
  domains: {
    domain: string;
    weight: number;
    competencies: { id: string; name: string; scenarios: string[] }[];
  }[];
}
