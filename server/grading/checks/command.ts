/** `podExec` and `nodeCommand` checks: run a command, judge exit code and output. */
import type { CommandExpectation, NodeCommandCheck, PodExecCheck } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type CheckRunner, type ClusterProbes, type ExecOutcome } from '../types.js';
import { podContext } from './podContext.js';
import { authorRegex, excerpt, quoted } from './describe.js';

/** A command in a pod's container; a missing pod is a ProbeError (→ `error`), not a fail. */
export const runPodExecCheck: CheckRunner<PodExecCheck> = async (check, probes) => {
  if (check.pod === undefined) return runOnSelected(check, probes);
  const outcome = await probes.podExec(check.namespace, check.pod, check.container, check.command);
  return judgeCommand(check.description, check.expect, outcome);
};

/**
 * The command in every pod of the selector (pods being deleted are leaving and skipped): none
 * matching, one not Running, or one whose outcome misses fails, naming that pod.
 */
async function runOnSelected(check: PodExecCheck, probes: ClusterProbes): Promise<Omit<CheckResult, 'id'>> {
  const selector = check.selector ?? {};
  if (!probes.listPods) throw new ProbeError('these probes cannot list pods by selector');
  const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = ((await probes.listPods(check.namespace, selector)) as Record<string, any>[])
    .filter((p) => !p['metadata']?.deletionTimestamp)
    .sort((a, b) => String(a['metadata']?.name).localeCompare(String(b['metadata']?.name)));
  const expected = `every pod matching ${labels} in ${check.namespace}: ${expectationText(check.expect, check.expect.exitCode ?? 0)}`;
  const fail = (actual: string): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual });
  if (pods.length === 0) return fail(`no pod matching ${labels}`);
  // A replica that cannot run the command (not Running, or its container not running) is named
  // first, with why: the state and the container's last log line (e.g. the server's start error).
  for (const pod of pods) {
    const name = String(pod['metadata']?.name);
    if (pod['status']?.phase !== 'Running') return fail(`pod ${name} not Running (${podContext({ ...pod, kind: 'Pod' }) || 'no status yet'})`);
    const down = await containerDown(check.namespace, pod, check.container, probes);
    if (down !== undefined) return fail(`pod ${name}: ${down}`);
  }
  for (const pod of pods) {
    const name = String(pod['metadata']?.name);
    const result = judgeCommand(check.description, check.expect, await probes.podExec(check.namespace, name, check.container, check.command));
    if (result.status !== 'pass') return { ...result, message: `${check.description}: expected ${expected}, found in pod ${name}: ${result.actual}`, expected, actual: `pod ${name}: ${result.actual}` };
  }
  const names = pods.map((p) => String(p['metadata']?.name)).join(', ');
  return { status: 'pass', message: check.description, expected, actual: `${pods.length} pod(s) (${names}) met it` };
}

/**
 * Why the container a command would run in (`container`, else the pod's first) is not running —
 * its state and its last log line — or undefined when it runs (or the pod reports no status for it).
 */
async function containerDown(namespace: string, pod: Record<string, any>, container: string | undefined, probes: ClusterProbes): Promise<string | undefined> {
  const name = container ?? (pod['spec']?.containers?.[0]?.name as string | undefined);
  const statuses = (pod['status']?.containerStatuses ?? []) as Record<string, any>[];
  const status = statuses.find((s) => s['name'] === name);
  if (name === undefined || status === undefined || status['state']?.running) return undefined;
  const context = podContext({ ...pod, kind: 'Pod' });
  let last = '';
  if (probes.podLogs) {
    const restarted = Boolean(status['lastState']?.terminated) && !status['state']?.terminated;
    const text = await probes.podLogs(namespace, String(pod['metadata']?.name), name, { tailLines: 5, previous: restarted }).catch(() => '');
    last = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop() ?? '';
  }
  return `container ${name} is not running (${context})${last ? `; its last log line: ${quoted(last, 160)}` : ''}`;
}

/** A command on a node (the control plane unless the check names another). */
export const runNodeCommandCheck: CheckRunner<NodeCommandCheck> = async (check, probes) => {
  const outcome = await probes.nodeExec(check.command, check.node);
  return judgeCommand(check.description, check.expect, outcome);
};

/**
 * Compares an outcome to the expectation. `exitCode` defaults to 0: a command that fails is
 * never accepted unless the author says which non-zero code is wanted.
 */
export function judgeCommand(description: string, expect: CommandExpectation, outcome: ExecOutcome): Omit<CheckResult, 'id'> {
  const wantCode = expect.exitCode ?? 0;
  const expected = expectationText(expect, wantCode);
  const output = outcome.stdout;
  const fail = (actual: string): Omit<CheckResult, 'id'> => ({
    status: 'fail',
    message: `${description}: expected ${expected}, found ${actual}`,
    expected,
    actual,
  });
  if (outcome.exitCode !== wantCode) {
    const detail = outcome.stderr.trim() !== '' ? outcome.stderr : outcome.stdout;
    return fail(`exit code ${outcome.exitCode}${detail.trim() ? `: ${excerpt(detail)}` : ''}`);
  }
  for (const text of expect.stdoutContains ?? []) {
    if (!output.includes(text)) return fail(`output ${quoted(output)} without "${text}"`);
  }
  for (const text of expect.stdoutNotContains ?? []) {
    if (output.includes(text)) return fail(`output containing "${text}": ${quoted(around(output, text))}`);
  }
  if (expect.stdoutMatches !== undefined && !authorRegex(expect.stdoutMatches).test(output)) {
    return fail(`output ${quoted(output)}`);
  }
  return { status: 'pass', message: description, expected, actual: `exit code ${outcome.exitCode}, output ${quoted(output)}` };
}

function expectationText(expect: CommandExpectation, wantCode: number): string {
  const parts = [`exit code ${wantCode}`];
  for (const t of expect.stdoutContains ?? []) parts.push(`output containing "${t}"`);
  for (const t of expect.stdoutNotContains ?? []) parts.push(`output without "${t}"`);
  if (expect.stdoutMatches !== undefined) parts.push(`output matching /${expect.stdoutMatches}/`);
  return parts.join(', ');
}

/** The part of `text` around the first `needle`, so the learner sees the offending line. */
function around(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return text.slice(Math.max(0, at - 30), at + needle.length + 30);
}
