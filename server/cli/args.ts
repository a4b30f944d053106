import { parseArgs, type ParseArgsConfig } from 'node:util';
import { applyParams, ParamError, resolveParams } from '../scenarios/params.js';
import type { Scenario } from '../scenarios/types.js';

/** A CLI usage problem: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs with errors turned into one-line UsageErrors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    // One line: node's messages for some mistakes (e.g. `--cluster -x`) span several.
    const message = (e as Error).message.replace(/\. To specify a positional.*$/s, '').trim().replace(/\s*\n\s*/g, ' ');
    throw new UsageError(message);
  }
}

export const USAGE = `Usage:
  cks-lab serve [--port 3000] [--host 127.0.0.1] [--data-dir DIR] [--instructor-token TOKEN]
  cks-lab scenarios list [--json]
  cks-lab validate [DIR]
  cks-lab grade <scenario-id> --cluster <kind-cluster-name> [--kubeconfig FILE]
                [--format text|json|junit] [--output FILE] [--param name=value …]
  cks-lab clusters list | create <name> --lab <lab> | delete <name>
  cks-lab prove [scenario-id…] [--keep] [--param name=value …] [--random]
  cks-lab prove --exam <exam-id> [--seed N] [--keep]
  cks-lab new <scenario-id> [--dir DIR]
  cks-lab exams list [--json] | plan <exam-id> [--seed N] [--json]`;

/**
 * `--param name=value` flags → a map. A name given twice is refused; values are checked later
 * against the scenario (declared name, safe value, one of its choices).
 */
export function paramFlags(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--param must be name=value (got "${item}")`);
    const name = item.slice(0, at);
    if (name in out) throw new UsageError(`--param ${name} is given twice`);
    out[name] = item.slice(at + 1);
  }
  return out;
}

/**
 * The scenario rendered with the `--param` values it declares (defaults for the rest; with
 * `randomize`, choices drawn for the rest). A `--param` no scenario declares is a usage error.
 */
export function withParams<S extends Scenario>(scenarios: S[], given: Record<string, string>, randomize = false): Scenario[] {
  for (const name of Object.keys(given)) {
    if (!scenarios.some((s) => s.parameters?.some((p) => p.name === name))) {
      throw new UsageError(`--param ${name}: ${scenarios.map((s) => s.id).join(', ')} declare${scenarios.length === 1 ? 's' : ''} no parameter '${name}' (declared: ${[...new Set(scenarios.flatMap((s) => (s.parameters ?? []).map((p) => p.name)))].join(', ') || 'none'})`);
    }
  }
  return scenarios.map((s) => {
    const own = Object.fromEntries(Object.entries(given).filter(([k]) => s.parameters?.some((p) => p.name === k)));
    try {
      return applyParams(s, resolveParams(s, own, { randomize }));
    } catch (e) {
      if (e instanceof ParamError) throw new UsageError(`--param ${e.message}`);
      throw e;
    }
  });
}
