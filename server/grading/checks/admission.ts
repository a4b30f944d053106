/**
 * `admission` checks: admission proven by its effect. The object is created with a server-side
 * dry-run (`kubectl create --dry-run=server`, the API's dryRun=All): the whole admission chain runs
 * (mutating and validating plugins, webhooks, policies) and nothing is stored. The check expects
 * the request allowed (optionally as the admission chain changed it, partially matched like an
 * `object` check) or denied (optionally with a message matching a pattern); a denial's message is
 * what the learner sees as "found".
 */
import type { AdmissionCheck } from '../../scenarios/types.js';
import { matchObject, summarizeMismatches } from '../match.js';
import { describeShape } from '../matchFormat.js';
import { ProbeError, type CheckResult, type CheckRunner } from '../types.js';
import { authorRegex, excerpt } from './describe.js';

/** `Pod default/probe` (or `Pod default/cks-probe-*` for a generated name). */
function objectText(obj: Record<string, unknown>): string {
  const meta = (obj.metadata ?? {}) as { name?: string; generateName?: string; namespace?: string };
  const name = meta.name ?? `${meta.generateName ?? ''}*`;
  return `${String(obj.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${name}`;
}

export const runAdmissionCheck: CheckRunner<AdmissionCheck> = async (check, probes) => {
  if (!probes.dryRunCreate) throw new ProbeError('these probes cannot send server-side dry-run requests');
  const what = objectText(check.object);
  const answer = await probes.dryRunCreate(structuredClone(check.object));
  const fail = (expected: string, actual: string): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual });
  if (check.expect === 'denied') {
    const expected = `a dry-run create of ${what} denied${check.messageMatches ? ` with a message matching /${check.messageMatches}/` : ''}`;
    if (answer.allowed) return fail(expected, `${what} admitted`);
    if (check.messageMatches !== undefined && !authorRegex(check.messageMatches).test(answer.message)) return fail(expected, `denied (${answer.code}) with: ${excerpt(answer.message)}`);
    return { status: 'pass', message: check.description, expected, actual: `denied (${answer.code}): ${excerpt(answer.message)}` };
  }
  const expected = `a dry-run create of ${what} admitted${check.match !== undefined ? ` as ${describeShape(check.match)}` : ''}`;
  if (!answer.allowed) return fail(expected, `denied (${answer.code}): ${excerpt(answer.message)}`);
  if (check.match !== undefined) {
    const mismatches = matchObject(check.match, answer.object);
    if (mismatches.length > 0) return fail(expected, `admitted as ${summarizeMismatches(mismatches)}`);
  }
  return { status: 'pass', message: check.description, expected, actual: `${what} admitted` };
};
