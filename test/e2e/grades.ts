/** Reading a grade in scenario tests: which tasks failed, and one check's result; and the cluster under test. */
import assert from 'node:assert/strict';
import type { CheckResult, ExecOutcome, GradeResult, Grader } from '../../server/grading/types.js';
import { runNodeScript } from '../../server/proving/index.js';
import { scriptEnv, type Scenario } from '../../server/scenarios/index.js';
import type { fakeClusterWorld } from '../helpers/fakeCluster.js';

/** Ids of the tasks that did not pass, sorted. */
export const failedTasks = (r: GradeResult): string[] => r.tasks.filter((t) => !t.passed).map((t) => t.id).sort();

/** Ids of the checks that did not pass, whichever task holds them, sorted. */
export const failedChecks = (r: GradeResult): string[] => r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).sort();

/** What the failed checks say and found, a line each (the message of an assertion on them). */
export const failedFindings = (r: GradeResult): string => r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message} [found: ${c.actual}]`)).join('\n');

/** The result of check `id` in task `task` (throws when the grade has no such check). */
export function checkIn(r: GradeResult, task: string, id: string): CheckResult {
  const found = r.tasks.find((t) => t.id === task)?.checks.find((c) => c.id === id);
  if (!found) throw new Error(`the grade has no check ${task}/${id}`);
  return found;
}

/** The result of check `id`, whichever task holds it (throws when the grade has no such check). */
export function checkById(r: GradeResult, id: string): CheckResult {
  const found = r.tasks.flatMap((t) => t.checks).find((c) => c.id === id);
  if (!found) throw new Error(`the grade has no check ${id}`);
  return found;
}

/** What a scenario test does on its cluster: grade it, run a learner's script on its node, set up and solve the scenario. */
export interface ClusterUnderTest {
  /** The grade of `scenario` on the cluster, as Check gives it. */
  grade(): Promise<GradeResult>;
  /** `prefix + script` through `bash -s` on the node; asserts exit 0 (the message is stdout + stderr); its stdout. */
  run(script: string): Promise<string>;
  /** The same without the assertion, for a script expected to fail. */
  exec(script: string): Promise<ExecOutcome>;
  /** The scenario's setup script (throws when it fails). */
  setup(): Promise<void>;
  /** The scenario's reference solution (throws when it fails). */
  solve(): Promise<void>;
}

export interface ClusterUnderTestOptions {
  grader: Grader;
  /** Prepended to every run/exec script (e.g. `set -e` and a login shell's environment). */
  prefix?: string;
  /** The environment of run/exec scripts (e.g. KUBECONFIG). */
  env?: Record<string, string>;
  /** Timeout of setup and solve (runNodeScript's default, 300 s, when absent). */
  scriptTimeoutMs?: number;
  /** The environment of setup and solve: scriptEnv(scenario) when absent (empty for a scenario without parameters). */
  scriptEnv?: Record<string, string>;
}

/** The cluster `cluster` of `world` with `scenario` on it: one place for the closures every scenario test needs. */
export function onCluster(
  world: Pick<ReturnType<typeof fakeClusterWorld>, 'provider' | 'probesFor'>,
  scenario: Scenario,
  cluster: string,
  opts: ClusterUnderTestOptions,
): ClusterUnderTest {
  const prefix = opts.prefix ?? '';
  const exec = (script: string): Promise<ExecOutcome> =>
    world.provider.nodeExec(cluster, ['bash', '-s'], { input: prefix + script, ...(opts.env ? { env: opts.env } : {}) });
  const script = (file: string): Promise<void> =>
    runNodeScript(world.provider, cluster, file, opts.scriptTimeoutMs, opts.scriptEnv ?? scriptEnv(scenario));
  return {
    grade: async () => opts.grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster))),
    async run(s) {
      const out = await exec(s);
      assert.equal(out.exitCode, 0, out.stdout + out.stderr);
      return out.stdout;
    },
    exec,
    setup: () => script(scenario.setupScript),
    solve: () => script(scenario.solutionScript),
  };
}
