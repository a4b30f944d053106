/**
 * Grading: a full Check of every scenario against its fake cluster with a per-request API latency
 * (the real KindProvider + ClientNodeProbes + CheckEngine, as the server runs them), right after
 * setup (unsolved) and after the reference solution (solved); then 100 learners pressing Check
 * at once on one solved cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import type { Scenario } from '../../server/scenarios/types.js';
import { ROOT, fakeWorld } from '../lib/fakeWorld.js';
import { percentile, spread, type Spread } from '../lib/stats.js';

export interface GradingOptions {
  apiLatencyMs: number;
  gradesPerState: number;
  concurrentLearners: number;
  log: (line: string) => void;
}

export interface ScenarioGrading {
  scenario: string;
  checks: number;
  unsolved: { p50Ms: number; p95Ms: number; spread: Spread; score: string };
  solved: { p50Ms: number; p95Ms: number; spread: Spread; score: string };
  error?: string;
}

export interface GradingResults {
  apiLatencyMs: number;
  scenarios: ScenarioGrading[];
  concurrent: { learners: number; scenario: string; wallMs: number; p50Ms: number; p95Ms: number; maxMs: number; allGraded: boolean };
}

/** Host features some scenarios' fakes need (as their e2e tests set them). */
const EXTRA: Record<string, Record<string, string>> = {
  apparmor: { FAKE_DOCKER_APPARMOR: '1' },
  'runtimeclass-kata': { FAKE_NODE_KVM: '1' },
  'encryption-at-rest': { FAKE_APISERVER_RESTART_MS: '1500' },
};

const score = (r: GradeResult): string => `${r.score}/${r.maxScore}`;

async function timedGrades(n: number, grade: () => Promise<GradeResult>): Promise<{ ms: number[]; last: GradeResult }> {
  const ms: number[] = [];
  let last: GradeResult | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    last = await grade();
    ms.push(performance.now() - t0);
  }
  return { ms, last: last as GradeResult };
}

async function gradeScenario(scenario: Scenario, opts: GradingOptions, concurrent: GradingResults['concurrent'] | null): Promise<ScenarioGrading> {
  const logger = createSilentLogger();
  const world = await fakeWorld({ phaseDelayMs: 0, apiLatencyMs: opts.apiLatencyMs, extra: EXTRA[scenario.id] ?? {} });
  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'cks-bench-kc-'));
  const { provider, probesFor } = clusterAdaptersFor(world.env, logger, { kubeconfigDir, readyTimeoutMs: 60_000 });
  const grader = new CheckEngine({ logger });
  const lab = loadLabs(join(ROOT, 'labs')).get(scenario.lab);
  const cluster = `cks-bench-${scenario.id.replace(/[^a-z0-9]/g, '').slice(0, 20)}`;
  const empty = { p50Ms: NaN, p95Ms: NaN, spread: spread([]), score: '' };
  const checks = scenario.tasks.reduce((n, t) => n + t.checks.length, 0);
  try {
    if (!lab) throw new Error(`lab ${scenario.lab} missing`);
    await provider.create(cluster, lab, () => undefined);
    const kubeconfig = await provider.kubeconfig(cluster);
    const grade = (): Promise<GradeResult> => grader.grade(scenario, probesFor(cluster, kubeconfig));
    await runNodeScript(provider, cluster, scenario.setupScript);
    const unsolved = await timedGrades(opts.gradesPerState, grade);
    await runNodeScript(provider, cluster, scenario.solutionScript);
    await grade(); // the first Check after the solution may wait for pods to settle; not counted
    const solved = await timedGrades(opts.gradesPerState, grade);
    const out: ScenarioGrading = {
      scenario: scenario.id,
      checks,
      unsolved: { p50Ms: percentile(unsolved.ms, 50), p95Ms: percentile(unsolved.ms, 95), spread: spread(unsolved.ms), score: score(unsolved.last) },
      solved: { p50Ms: percentile(solved.ms, 50), p95Ms: percentile(solved.ms, 95), spread: spread(solved.ms), score: score(solved.last) },
    };
    opts.log(`  ${scenario.id}: ${checks} checks, unsolved p95 ${out.unsolved.p95Ms.toFixed(0)} ms (${out.unsolved.score}), solved p95 ${out.solved.p95Ms.toFixed(0)} ms (${out.solved.score})`);
    if (concurrent) {
      const each: number[] = [];
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: opts.concurrentLearners }, async () => {
          const s = performance.now();
          const r = await grade(); // every learner's Check builds its own probes, as the server does
          each.push(performance.now() - s);
          return r;
        }),
      );
      Object.assign(concurrent, {
        learners: opts.concurrentLearners,
        scenario: scenario.id,
        wallMs: performance.now() - t0,
        p50Ms: percentile(each, 50),
        p95Ms: percentile(each, 95),
        maxMs: Math.max(...each),
        allGraded: results.every((r) => r.score === r.maxScore),
      });
      opts.log(`  ${opts.concurrentLearners} learners at once on ${scenario.id}: all done in ${concurrent.wallMs.toFixed(0)} ms, p95 ${concurrent.p95Ms.toFixed(0)} ms`);
    }
    return out;
  } catch (e) {
    opts.log(`  ${scenario.id}: failed: ${(e as Error).message}`);
    return { scenario: scenario.id, checks, unsolved: empty, solved: empty, error: (e as Error).message.slice(0, 300) };
  } finally {
    await provider.delete(cluster).catch(() => undefined);
    await world.cleanup();
    rmSync(kubeconfigDir, { recursive: true, force: true });
  }
}

export async function runGradingSuite(opts: GradingOptions): Promise<GradingResults> {
  const { scenarios, problems } = loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') });
  for (const p of problems) opts.log(`  scenario problem: ${JSON.stringify(p)}`);
  const catalog = new ScenarioCatalog(scenarios);
  const concurrent: GradingResults['concurrent'] = { learners: 0, scenario: '', wallMs: NaN, p50Ms: NaN, p95Ms: NaN, maxMs: NaN, allGraded: false };
  const results: ScenarioGrading[] = [];
  for (const s of catalog.list()) {
    const scenario = catalog.require(s.id);
    results.push(await gradeScenario(scenario, opts, scenario.id === 'init-containers' ? concurrent : null));
  }
  return { apiLatencyMs: opts.apiLatencyMs, scenarios: results, concurrent };
}
