/** `nodeFile` checks: a file on a node (the control plane unless the check names another), read with `cat`. */
import type { NodeFileCheck } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type CheckRunner } from '../types.js';
import { authorRegex, quoted } from './describe.js';

/** Existence and content of `check.path` on the node (`exists` defaults to true). */
export const runNodeFileCheck: CheckRunner<NodeFileCheck> = async (check, probes) => {
  const { expect } = check;
  const outcome = await probes.nodeExec(['cat', '--', check.path], check.node);
  // Messages name the node when it is not the control plane ("/var/lib/kubelet/config.yaml on worker").
  const path = check.node && check.node !== 'control-plane' ? `${check.path} on ${check.node}` : check.path;
  const missing = outcome.exitCode !== 0;
  if (missing && !/no such file|not a directory/i.test(outcome.stderr)) {
    throw new ProbeError(`cannot read ${check.path} on the node${check.node ? ` ${check.node}` : ''}: ${outcome.stderr.trim() || `cat exited with ${outcome.exitCode}`}`);
  }
  const content = outcome.stdout;
  const fail = (expected: string, actual: string): Omit<CheckResult, 'id'> => ({
    status: 'fail',
    message: `${check.description}: expected ${expected}, found ${actual}`,
    expected,
    actual,
  });
  if (expect.exists === false) {
    return missing ? pass(check.description, `${path} absent`, `${path} not found`) : fail(`${path} absent`, `${path} exists`);
  }
  if (missing) return fail(`${path} present`, `${path} not found`);
  for (const text of expect.contains ?? []) {
    if (!content.includes(text)) return fail(`${path} containing "${text}"`, `${path} without it: ${quoted(content)}`);
  }
  for (const text of expect.notContains ?? []) {
    if (content.includes(text)) return fail(`${path} without "${text}"`, `${path} contains "${text}"`);
  }
  if (expect.matches !== undefined && !authorRegex(expect.matches).test(content)) {
    return fail(`${path} matching /${expect.matches}/`, `${path}: ${quoted(content)}`);
  }
  return pass(check.description, `${path} as specified`, `${path}: ${quoted(content)}`);
};

function pass(message: string, expected: string, actual: string): Omit<CheckResult, 'id'> {
  return { status: 'pass', message, expected, actual };
}
