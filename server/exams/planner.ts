/**
 * One attempt's layout of a mock exam: draws the questions an exam leaves open (by domain, or over
 * the whole curriculum by weight), draws parameter values, and places the questions on as few
 * clusters as the rules allow — one lab per cluster, and never two questions that change the same
 * shared state (kube-apiserver, kubelet, AppArmor …) on one cluster.
 */
import { randomInt } from 'node:crypto';
import { AppError } from '../errors.js';
import { questionsByWeight, type Domain } from '../scenarios/curriculum.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import { resolveParams } from '../scenarios/params.js';
import type { Scenario } from '../scenarios/types.js';
import type { ExamDefinition, ExamPlan, PlannedCluster, PlannedQuestion, QuestionSpec } from './types.js';

export interface PlanOptions {
  /** Memory one cluster needs (MiB), for the host requirement shown before a start. */
  clusterMemoryMiB: number;
  /** A random integer in [0, n): swap in tests (or pass `seededPick`) for a reproducible draw. */
  pick?: (n: number) => number;
}

/** Plan one attempt; AppError('invalid_scenario') when the catalog cannot fill the exam or it needs too many clusters. */
export function planExam(exam: ExamDefinition, catalog: ScenarioCatalog, opts: PlanOptions): ExamPlan {
  const pick = opts.pick ?? ((n: number) => randomInt(n));
  const specs: QuestionSpec[] = exam.drawByCurriculum
    ? [...questionsByWeight(exam.drawByCurriculum.total)].flatMap(([domain, n]) => Array.from({ length: n }, () => ({ draw: { domain } })))
    : exam.questions;
  const named = new Set(specs.flatMap((s) => ('scenario' in s ? [s.scenario] : [])));
  const draws = specs.some((s) => 'draw' in s);
  // A draw whose questions need more clusters than the exam allows is drawn again (a fixed exam
  // has one layout only); the candidate never sees a refused draw.
  for (let tries = 1; ; tries++) {
    const plan = layout(exam, specs, named, catalog, pick, opts);
    if (plan.clusters.length <= exam.maxClusters) return plan;
    if (!draws || tries >= MAX_DRAWS) {
      const why = plan.clusters.map((c) => `${c.name}: lab ${c.lab}${c.touches.length ? `, ${c.touches.join('+')}` : ''} (questions ${c.questions.join(', ')})`).join('; ');
      throw new AppError(
        'invalid_scenario',
        `Exam "${exam.id}" needs ${plan.clusters.length} clusters (questions of different labs, or changing the same shared state, cannot share one), more than its maxClusters ${exam.maxClusters}${draws ? ` in each of ${tries} draws` : ''}: ${why}.`,
      );
    }
  }
}

/** Draws tried before an exam is refused as needing too many clusters. */
const MAX_DRAWS = 200;

/** One draw of the open questions and its placement on clusters (first fit). */
function layout(exam: ExamDefinition, specs: QuestionSpec[], named: Set<string>, catalog: ScenarioCatalog, pick: (n: number) => number, opts: PlanOptions): ExamPlan {
  const used = new Set<string>();
  const chosen = specs.map((spec) => {
    const scenario = 'scenario' in spec ? catalog.require(spec.scenario) : draw(spec.draw.domain, catalog, named, used, pick, exam);
    used.add(scenario.id);
    return { spec, scenario };
  });

  const clusters: PlannedCluster[] = [];
  const questions: PlannedQuestion[] = chosen.map(({ spec, scenario }, i) => {
    const number = i + 1;
    const touches = scenario.touches ?? [];
    let cluster = clusters.find((c) => c.lab === scenario.lab && !touches.some((t) => c.touches.includes(t)));
    if (!cluster) {
      cluster = { name: `cks${clusters.length + 1}`, lab: scenario.lab, touches: [], questions: [] };
      clusters.push(cluster);
    }
    cluster.touches.push(...touches);
    cluster.questions.push(number);
    const given = 'scenario' in spec ? (spec.params ?? {}) : {};
    return {
      number,
      scenarioId: scenario.id,
      domain: scenario.domain,
      weight: spec.weight ?? scenario.tasks.reduce((n, t) => n + t.weight, 0),
      cluster: cluster.name,
      params: resolveParams(scenario, given, { randomize: exam.randomizeParams, pick }),
    };
  });
  return { exam: exam.id, questions, clusters, memoryMiB: clusters.length * opts.clusterMemoryMiB };
}

function draw(domain: Domain, catalog: ScenarioCatalog, named: Set<string>, used: Set<string>, pick: (n: number) => number, exam: ExamDefinition): Scenario {
  const pool = catalog
    .list()
    .filter((s) => s.domain === domain && !named.has(s.id) && !used.has(s.id))
    .map((s) => s.id);
  if (pool.length === 0) {
    const have = catalog.list().filter((s) => s.domain === domain).length;
    throw new AppError('invalid_scenario', `Exam "${exam.id}" draws more "${domain}" questions than the catalog has scenarios for (${have}); add scenarios of that domain or lower the count.`);
  }
  return catalog.require(pool[pick(pool.length)] as string);
}

/** A reproducible `pick` from a seed (mulberry32): the same seed draws the same exam. */
export function seededPick(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}
