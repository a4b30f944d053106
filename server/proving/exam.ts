/**
 * Proving a mock exam on its own cluster layout: every planned cluster is created from its lab,
 * the setups of all its questions run, every question must fail; then all their reference
 * solutions run, and every question must pass. This is what shows that questions placed together
 * do not collide.
 */
import type { Lab } from '../clusters/types.js';
import type { ExamPlan } from '../exams/types.js';
import type { GradeResult } from '../grading/types.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import { applyParams, scriptEnv } from '../scenarios/params.js';
import type { Scenario } from '../scenarios/types.js';
import { emptyProof, runNodeScript, type ProofResult, type ProveDeps } from './index.js';

/** One ProofResult per question, labelled `<number>. <scenario> on <cluster>`. */
export async function proveExam(plan: ExamPlan, catalog: ScenarioCatalog, labs: ReadonlyMap<string, Lab>, deps: ProveDeps & { clusterName: (planned: string) => string }): Promise<ProofResult[]> {
  const results: ProofResult[] = [];
  for (const planned of plan.clusters) {
    const lab = labs.get(planned.lab);
    const questions = plan.questions.filter((q) => q.cluster === planned.name);
    const runs = questions.map((q) => ({ q, scenario: applyParams(catalog.require(q.scenarioId), q.params) }));
    const own = runs.map(({ q, scenario }): ProofResult & { run: Scenario } => ({ ...emptyProof(`${q.number}. ${q.scenarioId} on ${planned.name}`), run: scenario }));
    const cluster = deps.clusterName(planned.name);
    try {
      if (!lab) throw new Error(`lab "${planned.lab}" does not exist`);
      await deps.provider.create(cluster, lab, deps.onProgress ?? (() => undefined));
      const grade = async (s: Scenario): Promise<GradeResult> => deps.grader.grade(s, deps.probesFor(cluster, await deps.provider.kubeconfig(cluster)));
      for (const r of own) await runNodeScript(deps.provider, cluster, r.run.setupScript, deps.scriptTimeoutMs, scriptEnv(r.run));
      for (const r of own) {
        r.afterSetup = await grade(r.run);
        r.passedAfterSetup = r.afterSetup.tasks.filter((t) => t.passed && !t.skipped).map((t) => t.id);
      }
      for (const r of own) await runNodeScript(deps.provider, cluster, r.run.solutionScript, deps.scriptTimeoutMs, scriptEnv(r.run));
      for (const r of own) {
        r.afterSolution = await grade(r.run);
        r.failedAfterSolution = r.afterSolution.tasks.filter((t) => !t.passed).map((t) => t.id);
        r.proven = r.passedAfterSetup.length === 0 && r.failedAfterSolution.length === 0;
      }
    } catch (e) {
      for (const r of own) r.error ??= e instanceof Error ? e.message : String(e);
    } finally {
      if (!deps.keep) await deps.provider.delete(cluster).catch(() => undefined);
    }
    results.push(...own.map(({ run: _run, ...r }) => ({ ...r, proven: r.proven && r.error === null })));
  }
  return results;
}
