import { runNodeScript as runScript } from '../clusters/nodeScript.js';
import type { ClusterProvider, Lab, ProvisionProgress } from '../clusters/types.js';
import type { ClusterProbes, Grader, GradeResult } from '../grading/types.js';
import { scriptEnv } from '../scenarios/params.js';
import type { Scenario } from '../scenarios/types.js';

/** What proving one scenario found: it is proven when setup fails every task and the solution passes every one. */
export interface ProofResult {
  scenario: string;
  proven: boolean;
  /** Tasks that passed right after setup (should be none). */
  passedAfterSetup: string[];
  /** Tasks that failed after the reference solution (should be none). */
  failedAfterSolution: string[];
  afterSetup: GradeResult | null;
  afterSolution: GradeResult | null;
  error: string | null;
}

export interface ProveDeps {
  provider: ClusterProvider;
  grader: Grader;
  probesFor: (cluster: string, kubeconfig: string) => ClusterProbes;
  onProgress?: (p: ProvisionProgress) => void;
  /** Keep the cluster afterwards (debugging). */
  keep?: boolean;
  scriptTimeoutMs?: number;
}

/** Run a scenario's script on the node (`docker exec -i <node> bash -s`), with its parameters as PARAM_* variables. Throws with its output on failure. */
export async function runNodeScript(provider: ClusterProvider, cluster: string, file: string, timeoutMs = 300_000, env: Record<string, string> = {}): Promise<void> {
  const out = await runScript(provider, cluster, file, { timeoutMs, tailLines: 8, env });
  if (out.exitCode !== 0) throw new Error(`${file} exited with ${out.exitCode}: ${out.tail}`);
}

/** A proof not run yet, labelled `label` (a scenario id, or an exam question). */
export function emptyProof(label: string): ProofResult {
  return { scenario: label, proven: false, passedAfterSetup: [], failedAfterSolution: [], afterSetup: null, afterSolution: null, error: null };
}

/** Create → setup → grade (all fail) → solution → grade (all pass) → delete, on a fresh cluster. */
export async function proveScenario(scenario: Scenario, lab: Lab, cluster: string, deps: ProveDeps): Promise<ProofResult> {
  const result = emptyProof(scenario.id);
  try {
    await deps.provider.create(cluster, lab, deps.onProgress ?? (() => undefined));
    const grade = async (): Promise<GradeResult> => deps.grader.grade(scenario, deps.probesFor(cluster, await deps.provider.kubeconfig(cluster)));
    await runNodeScript(deps.provider, cluster, scenario.setupScript, deps.scriptTimeoutMs, scriptEnv(scenario));
    result.afterSetup = await grade();
    // A task skipped on this host (skipUnless) proves nothing either way: it is not "passed after setup".
    result.passedAfterSetup = result.afterSetup.tasks.filter((t) => t.passed && !t.skipped).map((t) => t.id);
    await runNodeScript(deps.provider, cluster, scenario.solutionScript, deps.scriptTimeoutMs, scriptEnv(scenario));
    result.afterSolution = await grade();
    result.failedAfterSolution = result.afterSolution.tasks.filter((t) => !t.passed).map((t) => t.id);
    result.proven = result.passedAfterSetup.length === 0 && result.failedAfterSolution.length === 0;
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    if (!deps.keep) await deps.provider.delete(cluster).catch(() => undefined);
  }
  return result;
}
