/**
 * The check engine: every check of every task runs concurrently, each with its own timeout and
 * AbortSignal. A check that throws or hangs becomes an `error` result; it never sinks the grade.
 */
import type { Logger } from '../log/index.js';
import type { Check, Scenario, Task } from '../scenarios/types.js';
import { ProbeTrace, reconsider, type CheckEnding } from './apiRestart.js';
import { defaultCheckRunners, type CheckRegistry } from './checks/index.js';
import { ProbeError, type CheckResult, type CheckRunner, type ClusterProbes, type Grader, type GradeResult, type TaskResult } from './types.js';

/** Default per-check timeout (a check may set `timeoutMs`). */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

export interface CheckEngineOptions {
  logger: Logger;
  /** Runners by check type; defaults to the built-in ones. */
  runners?: CheckRegistry;
  defaultTimeoutMs?: number;
  /** Clock for `gradedAt`/`durationMs` (tests). */
  now?: () => Date;
}

/** Grades a scenario against a cluster through `ClusterProbes`. */
export class CheckEngine implements Grader {
  private readonly logger: Logger;
  private readonly runners: CheckRegistry;
  private readonly defaultTimeoutMs: number;
  private readonly now: () => Date;

  constructor(opts: CheckEngineOptions) {
    this.logger = opts.logger;
    this.runners = opts.runners ?? defaultCheckRunners();
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.now = opts.now ?? (() => new Date());
  }

  async grade(scenario: Scenario, probes: ClusterProbes): Promise<GradeResult> {
    const started = this.now();
    const log = this.logger.child({ scenario: scenario.id });
    const tasks = await Promise.all(scenario.tasks.map((task) => this.gradeTask(task, probes, log)));
    // Tasks the host cannot check (every check skipped) count neither for nor against the learner.
    const scored = tasks.filter((t) => !t.skipped);
    const score = scored.filter((t) => t.passed).reduce((sum, t) => sum + t.weight, 0);
    const maxScore = scored.reduce((sum, t) => sum + t.weight, 0);
    const result: GradeResult = {
      scenario: scenario.id,
      passed: tasks.length > 0 && tasks.every((t) => t.passed),
      score,
      maxScore,
      tasks,
      gradedAt: started.toISOString(),
      durationMs: this.now().getTime() - started.getTime(),
    };
    log.info('graded', { score, maxScore, durationMs: result.durationMs });
    return result;
  }

  private async gradeTask(task: Task, probes: ClusterProbes, log: Logger): Promise<TaskResult> {
    const checks = await Promise.all(task.checks.map((check) => this.runCheck(check, probes, log)));
    const skipped = checks.length > 0 && checks.every((c) => c.status === 'skip');
    return {
      id: task.id,
      title: task.title,
      weight: task.weight,
      skipped,
      passed: skipped || (checks.length > 0 && checks.every((c) => c.status === 'pass' || c.status === 'skip') && checks.some((c) => c.status === 'pass')),
      hint: task.hint,
      checks,
    };
  }

  /**
   * One check, bounded by its timeout; every failure mode becomes a CheckResult. A check that
   * depended on the API and did not pass is looked at again once the API server's state is known
   * (see apiRestart.ts): a restarting API is an `error`, never a fail.
   */
  async runCheck(check: Check, probes: ClusterProbes, log: Logger = this.logger): Promise<CheckResult> {
    const runner = this.runners.get(check.type);
    if (!runner) {
      return { id: check.id, status: 'error', message: `${check.description}: unknown check type "${check.type}"`, expected: '', actual: '' };
    }
    const trace = new ProbeTrace();
    const ending = await this.runBounded(check, runner, trace.wrap(probes), log);
    return { id: check.id, ...(await reconsider(check, ending, trace, probes)) };
  }

  private async runBounded(check: Check, runner: CheckRunner, probes: ClusterProbes, log: Logger): Promise<CheckEnding> {
    const timeoutMs = check.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckEnding>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new ProbeError(`check timed out after ${formatSeconds(timeoutMs)}`));
        resolve({ outcome: { status: 'error', message: `${check.description}: check timed out after ${formatSeconds(timeoutMs)}`, expected: '', actual: 'no answer in time' }, timedOut: true });
      }, timeoutMs);
    });
    const ran = skipOrRun(check, runner, probes, controller.signal).then((outcome): CheckEnding => ({ outcome, timedOut: false }));
    try {
      return await Promise.race([ran, timedOut]);
    } catch (e) {
      return { outcome: errorResult(check, e, log), thrown: e, timedOut: false };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The condition of `skipUnless` decides whether the check runs at all. */
async function skipOrRun(check: Check, runner: CheckRunner, probes: ClusterProbes, signal: AbortSignal): Promise<Omit<CheckResult, 'id'>> {
  if (check.skipUnless) {
    const cond = await probes.nodeExec(check.skipUnless.command, check.skipUnless.node);
    if (cond.exitCode !== 0) {
      return { status: 'skip', message: `${check.description}: not checked on this host — ${check.skipUnless.reason}`, expected: '', actual: 'skipped' };
    }
  }
  return runner(check, probes, signal);
}

function errorResult(check: Check, e: unknown, log: Logger): Omit<CheckResult, 'id'> {
  const reason = e instanceof Error ? e.message : String(e);
  if (!(e instanceof ProbeError)) log.warn('check threw', { check: check.id, type: check.type, error: e });
  return { status: 'error', message: `${check.description}: could not check: ${reason}`, expected: '', actual: reason };
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}
