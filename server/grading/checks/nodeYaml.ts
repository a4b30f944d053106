/**
 * `nodeYaml` checks: a YAML file on the control-plane node (a static pod manifest, a config) partially matched like an object;
 * with `format: json`, a JSON file (a tool's report, an SBOM) read bounded and parsed as JSON only.
 */
import { parse } from 'yaml';
import type { NodeYamlCheck } from '../../scenarios/types.js';
import { matchObject, summarizeMismatches } from '../match.js';
import { describeShape } from '../matchFormat.js';
import type { CheckResult, CheckRunner, ClusterProbes } from '../types.js';
import { ProbeError } from '../types.js';
import { excerpt } from './describe.js';

/**
 * The file's text, or null when it does not exist; other failures are ProbeErrors. With `maxBytes`
 * at most that much is read (`head -c`), and a longer file is reported as `{ tooLarge: true }`.
 */
export async function readNodeFile(probes: ClusterProbes, path: string, node?: string): Promise<string | null>;
export async function readNodeFile(probes: ClusterProbes, path: string, node: string | undefined, maxBytes: number): Promise<string | null | { tooLarge: true }>;
export async function readNodeFile(probes: ClusterProbes, path: string, node?: string, maxBytes?: number): Promise<string | null | { tooLarge: true }> {
  const argv = maxBytes === undefined ? ['cat', '--', path] : ['head', '-c', String(maxBytes + 1), '--', path];
  const outcome = await probes.nodeExec(argv, node);
  if (outcome.exitCode === 0) return maxBytes !== undefined && Buffer.byteLength(outcome.stdout) > maxBytes ? { tooLarge: true } : outcome.stdout;
  if (/no such file|not a directory/i.test(outcome.stderr)) return null;
  throw new ProbeError(`cannot read ${path} on the node${node ? ` ${node}` : ''}: ${outcome.stderr.trim() || `${argv[0]} exited with ${outcome.exitCode}`}`);
}

/** The most of a JSON file a `format: json` check reads (a trivy report of an old image is a few MB). */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

/** Parses JSON for a check: the document, or a learner-readable reason it is not JSON (YAML, a table, SPDX tag-value…). */
export function parseJsonFile(text: string): { doc: unknown } | { error: string } {
  try {
    return { doc: JSON.parse(text) as unknown };
  } catch (e) {
    const start = text.trimStart().slice(0, 40).split('\n')[0] ?? '';
    return { error: `not valid JSON (${excerpt((e as Error).message, 100)}; it starts with ${JSON.stringify(start)})` };
  }
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
  const expected = `${path}${check.format === 'json' ? ' (JSON)' : ''} with ${describeShape(check.match)}`;
  const fail = (actual: string, exp = expected): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: ${actual}`, expected: exp, actual });
  const json = check.format === 'json';
  const text = json ? await readNodeFile(probes, path, check.node, MAX_JSON_BYTES) : await readNodeFile(probes, path, check.node);
  if (text === null) return fail(`${path} not found`);
  if (typeof text !== 'string') return fail(`${path} is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB`);
  const parsed = json ? parseJsonFile(text) : parseYamlFile(text);
  if ('error' in parsed) return fail(`${path} is ${parsed.error}`);
  const mismatches = matchObject(check.match, parsed.doc);
  const [first] = mismatches;
  if (!first) return { status: 'pass', message: check.description, expected, actual: `${path} matches` };
  const where = first.path === '' ? path : first.path;
  return fail(`${path}: ${summarizeMismatches(mismatches)}`, `${where}: ${first.expected}`);
};
