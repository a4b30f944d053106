/** `nodeYaml` checks: a YAML file on the control-plane node (a static pod manifest, a config) partially matched like an object. */
import { parse } from 'yaml';
import type { NodeYamlCheck } from '../../scenarios/types.js';
import { matchObject, summarizeMismatches } from '../match.js';
import { describeShape } from '../matchFormat.js';
import type { CheckResult, CheckRunner, ClusterProbes } from '../types.js';
import { ProbeError } from '../types.js';
import { excerpt } from './describe.js';

/** The file's text, or null when it does not exist; other failures are ProbeErrors. */
export async function readNodeFile(probes: ClusterProbes, path: string, node?: string): Promise<string | null> {
  const outcome = await probes.nodeExec(['cat', '--', path], node);
  if (outcome.exitCode === 0) return outcome.stdout;
  if (/no such file|not a directory/i.test(outcome.stderr)) return null;
  throw new ProbeError(`cannot read ${path} on the node${node ? ` ${node}` : ''}: ${outcome.stderr.trim() || `cat exited with ${outcome.exitCode}`}`);
}

/** Parses YAML for a check: the document, or a learner-readable reason it is not valid. */
export function parseYamlFile(text: string): { doc: unknown } | { error: string } {
  try {
    return { doc: parse(text) as unknown };
  } catch (e) {
    return { error: `not valid YAML: ${excerpt((e as Error).message, 160)}` };
  }
}

/** The file exists, is valid YAML, and partially matches `check.match` (same rules as `object`). */
export const runNodeYamlCheck: CheckRunner<NodeYamlCheck> = async (check, probes) => {
  const { path } = check;
  const expected = `${path} with ${describeShape(check.match)}`;
  const fail = (actual: string, exp = expected): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: ${actual}`, expected: exp, actual });
  const text = await readNodeFile(probes, path, check.node);
  if (text === null) return fail(`${path} not found`);
  const parsed = parseYamlFile(text);
  if ('error' in parsed) return fail(`${path} is ${parsed.error}`);
  const mismatches = matchObject(check.match, parsed.doc);
  const [first] = mismatches;
  if (!first) return { status: 'pass', message: check.description, expected, actual: `${path} matches` };
  const where = first.path === '' ? path : first.path;
  return fail(`${path}: ${summarizeMismatches(mismatches)}`, `${where}: ${first.expected}`);
};
