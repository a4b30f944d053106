/** `jsonpath` checks: values selected by kubectl-style JSONPath, compared to an expectation. */
import type { JsonPathCheck, ValueExpectation } from '../../scenarios/types.js';
import { evaluateJsonPath, JsonPathError } from '../jsonpath.js';
import type { CheckRunner } from '../types.js';
import { authorRegex, excerpt, refText, valueText } from './describe.js';
import { podContext } from './podContext.js';

/**
 * The first of `check.paths` that selects something is compared to `check.expect`. Values compare
 * as kubectl prints them (`equals: "0"` and `equals: 0` both accept the number 0); with several
 * values, every one must satisfy the expectation.
 */
export const runJsonPathCheck: CheckRunner<JsonPathCheck> = async (check, probes) => {
  const ref = refText(check.resource);
  const expected = expectationText(check.expect);
  const obj = await probes.getObject(check.resource);
  if (obj === null) {
    return { status: 'fail', message: `${check.description}: ${ref} not found`, expected, actual: `${ref} not found` };
  }
  let values: unknown[] = [];
  try {
    for (const path of check.paths) {
      values = evaluateJsonPath(path, obj);
      if (values.length > 0) break;
    }
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    return { status: 'error', message: `${check.description}: ${e.message}`, expected, actual: 'the check cannot be evaluated' };
  }
  const failure = judge(check.expect, values);
  const found = actualText(values, check.paths);
  if (failure === undefined) return { status: 'pass', message: check.description, expected, actual: found };
  const context = podContext(obj);
  const actual = context ? `${found} (${context})` : found;
  return { status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual };
};

/** undefined when `values` satisfy `expect`, else a reason. */
function judge(expect: ValueExpectation, values: unknown[]): string | undefined {
  if (expect.exists === false) return values.length === 0 ? undefined : 'present';
  if (values.length === 0) return 'missing';
  if (expect.equals !== undefined && !values.every((v) => sameValue(expect.equals, v))) return 'differs';
  if (expect.oneOf !== undefined && !values.every((v) => expect.oneOf!.some((o) => sameValue(o, v)))) return 'differs';
  if (expect.notEquals !== undefined && values.some((v) => sameValue(expect.notEquals, v))) return 'unchanged';
  if (expect.matches !== undefined) {
    const re = authorRegex(expect.matches);
    if (!values.every((v) => re.test(valueText(v)))) return 'differs';
  }
  return undefined;
}

function sameValue(want: unknown, got: unknown): boolean {
  if (typeof want === 'number' && typeof got === 'number') return want === got;
  return valueText(want) === valueText(got);
}

/** What the check wants, e.g. `0`, `one of Running, Succeeded`, `matching /runsc/`, `no value`. */
export function expectationText(expect: ValueExpectation): string {
  const parts: string[] = [];
  if (expect.exists === false) return 'no value';
  if (expect.equals !== undefined) parts.push(valueText(expect.equals));
  if (expect.oneOf !== undefined) parts.push(`one of ${expect.oneOf.map(valueText).join(', ')}`);
  if (expect.notEquals !== undefined) parts.push(`a value other than ${valueText(expect.notEquals)}`);
  if (expect.matches !== undefined) parts.push(`matching /${expect.matches}/`);
  return parts.length > 0 ? parts.join(' and ') : 'a value';
}

function actualText(values: unknown[], paths: string[]): string {
  if (values.length > 0) return excerpt(values.map(valueText).join(' '), 120);
  return `no value at ${paths[0] ?? '(no path)'}`;
}
