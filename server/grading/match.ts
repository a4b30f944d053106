/**
 * Partial object matching in the style of kuttl asserts.
 *
 * - maps: every expected key must be present and match; extra actual keys are fine;
 * - scalars: numbers compare with numbers, strings with strings (quantities such as `500m` are
 *   strings), booleans with booleans — a string never equals a number;
 * - arrays need an explicit mode, written as a one-key object: `{$exact: [...]}` (same length,
 *   element i matches element i), `{$contains: [...]}` (each expected element matches a distinct
 *   actual element), `{$each: {...}}` (at least one element, and every element matches);
 *   a plain array is an authoring error that is treated as `$exact`;
 * - `{$absent: true}` requires the key to be missing (`{$absent: false}`: present, any value);
 * - `{$regex: "..."}` for strings, `{$oneOf: [...]}` for scalars.
 *
 * Paths name list items by their `name` when they have one: `spec.initContainers[name=prepare].image`.
 */
import { describeValue, elementLabel, joinKey, MISSING, type Missing } from './matchFormat.js';

/** One difference between the expected shape and the actual object. */
export interface Mismatch {
  /** Where, e.g. `spec.volumes[name=content].emptyDir`. Empty for the root. */
  path: string;
  /** What was wanted, briefly (`"gvisor"`, `present`, `3 elements`). */
  expected: string;
  /** What was found, briefly (`"runc"`, `missing`). */
  actual: string;
  /** `<path>: expected <expected>, found <actual>`. */
  message: string;
}

const OPERATORS = new Set(['$exact', '$contains', '$each', '$absent', '$regex', '$oneOf']);

/** Every difference between `expected` (a partial shape) and `actual`; empty when it matches. */
export function matchObject(expected: unknown, actual: unknown, path = ''): Mismatch[] {
  return matchValue(expected, actual === undefined ? MISSING : actual, path);
}

/** True when `actual` partially matches `expected`. */
export function matches(expected: unknown, actual: unknown): boolean {
  return matchObject(expected, actual).length === 0;
}

/** Text of the first mismatch, with a count of the others: for check messages. */
export function summarizeMismatches(mismatches: Mismatch[]): string {
  const [first] = mismatches;
  if (!first) return 'matches';
  const more = mismatches.length - 1;
  return more > 0 ? `${first.message} (and ${more} more difference${more > 1 ? 's' : ''})` : first.message;
}

function mismatch(path: string, expected: string, actual: string): Mismatch {
  const where = path === '' ? 'object' : path;
  return { path, expected, actual, message: `${where}: expected ${expected}, found ${actual}` };
}

type Actual = unknown | Missing;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{$op: arg}` when `v` is a one-key object whose key starts with `$`. */
function asOperator(v: unknown): { op: string; arg: unknown } | undefined {
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1 || !keys[0]!.startsWith('$')) return undefined;
  return { op: keys[0]!, arg: v[keys[0]!] };
}

function matchValue(expected: unknown, actual: Actual, path: string): Mismatch[] {
  const op = asOperator(expected);
  if (op) return matchOperator(op.op, op.arg, actual, path);
  if (Array.isArray(expected)) return matchExact(expected, actual, path);
  if (isPlainObject(expected)) return matchMap(expected, actual, path);
  return matchScalar(expected, actual, path);
}

function matchMap(expected: Record<string, unknown>, actual: Actual, path: string): Mismatch[] {
  if (actual === MISSING) return [mismatch(path, 'present', 'missing')];
  if (!isPlainObject(actual)) return [mismatch(path, 'an object', describeValue(actual))];
  const out: Mismatch[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const got = Object.prototype.hasOwnProperty.call(actual, key) && actual[key] !== undefined ? actual[key] : MISSING;
    out.push(...matchValue(want, got, joinKey(path, key)));
  }
  return out;
}

function matchScalar(expected: unknown, actual: Actual, path: string): Mismatch[] {
  if (scalarEquals(expected, actual)) return [];
  return [mismatch(path, describeValue(expected), describeValue(actual, expected))];
}

function scalarEquals(expected: unknown, actual: Actual): boolean {
  if (expected === null) return actual === null;
  if (actual === MISSING) return false;
  return typeof expected === typeof actual && expected === actual;
}

function matchOperator(op: string, arg: unknown, actual: Actual, path: string): Mismatch[] {
  switch (op) {
    case '$absent':
      if (arg === false) return actual === MISSING ? [mismatch(path, 'present', 'missing')] : [];
      return actual === MISSING ? [] : [mismatch(path, 'absent', describeValue(actual))];
    case '$regex':
      return matchRegex(arg, actual, path);
    case '$oneOf':
      return matchOneOf(arg, actual, path);
    case '$exact':
      return matchExact(arg, actual, path);
    case '$contains':
      return matchContains(arg, actual, path);
    case '$each':
      return matchEach(arg, actual, path);
    default:
      return [mismatch(path, `a valid operator (one of ${[...OPERATORS].join(', ')})`, `unknown operator ${op}`)];
  }
}

function matchRegex(pattern: unknown, actual: Actual, path: string): Mismatch[] {
  if (typeof pattern !== 'string') return [mismatch(path, '$regex with a string pattern', describeValue(pattern))];
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    return [mismatch(path, `a valid regular expression`, `invalid $regex /${pattern}/`)];
  }
  const text = typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean' ? String(actual) : undefined;
  if (text !== undefined && re.test(text)) return [];
  return [mismatch(path, `a value matching /${pattern}/`, describeValue(actual))];
}

function matchOneOf(options: unknown, actual: Actual, path: string): Mismatch[] {
  const list = Array.isArray(options) ? options : [options];
  if (list.some((o) => scalarEquals(o, actual))) return [];
  return [mismatch(path, `one of ${list.map((o) => describeValue(o)).join(', ')}`, describeValue(actual))];
}

function arrayOrMismatch(actual: Actual, path: string): unknown[] | Mismatch[] {
  if (actual === MISSING) return [mismatch(path, 'present', 'missing')];
  if (!Array.isArray(actual)) return [mismatch(path, 'a list', describeValue(actual))];
  return actual;
}

function matchExact(expected: unknown, actual: Actual, path: string): Mismatch[] {
  if (!Array.isArray(expected)) return [mismatch(path, '$exact with a list', describeValue(expected))];
  if (!Array.isArray(actual)) return arrayOrMismatch(actual, path) as Mismatch[];
  if (actual.length !== expected.length) {
    return [mismatch(path, `${expected.length} element${expected.length === 1 ? '' : 's'}`, `${actual.length}`)];
  }
  return expected.flatMap((want, i) => matchValue(want, actual[i], `${path}${elementLabel(actual[i], want, i)}`));
}

function matchEach(expected: unknown, actual: Actual, path: string): Mismatch[] {
  if (!Array.isArray(actual)) return arrayOrMismatch(actual, path) as Mismatch[];
  if (actual.length === 0) return [mismatch(path, 'at least one element', 'an empty list')];
  return actual.flatMap((got, i) => matchValue(expected, got, `${path}${elementLabel(got, expected, i)}`));
}

function matchContains(expected: unknown, actual: Actual, path: string): Mismatch[] {
  if (!Array.isArray(expected)) return [mismatch(path, '$contains with a list', describeValue(expected))];
  if (!Array.isArray(actual)) return arrayOrMismatch(actual, path) as Mismatch[];
  const fits = expected.map((want) => actual.map((got) => matchValue(want, got, '').length === 0));
  const assigned = assignDistinct(fits, actual.length);
  const out: Mismatch[] = [];
  expected.forEach((want, i) => {
    if (assigned[i] === undefined) out.push(...explainUnmatched(want, actual, path, fits[i]!.some(Boolean)));
  });
  return out;
}

/**
 * Bipartite matching (augmenting paths): expected element i ↦ a distinct actual index.
 * Lists in Kubernetes objects are short, so the simple algorithm is plenty.
 */
function assignDistinct(fits: boolean[][], actualCount: number): (number | undefined)[] {
  const owner: (number | undefined)[] = new Array<number | undefined>(actualCount).fill(undefined);
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < actualCount; j++) {
      if (!fits[i]![j] || seen[j]) continue;
      seen[j] = true;
      const current = owner[j];
      if (current === undefined || tryAssign(current, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  fits.forEach((_, i) => tryAssign(i, new Array<boolean>(actualCount).fill(false)));
  const result: (number | undefined)[] = fits.map(() => undefined);
  owner.forEach((i, j) => {
    if (i !== undefined) result[i] = j;
  });
  return result;
}

/** Why an expected element of `$contains` found no partner, as precise as the data allows. */
function explainUnmatched(want: unknown, actual: unknown[], path: string, fitsSomeTaken: boolean): Mismatch[] {
  const name = isPlainObject(want) && typeof want['name'] === 'string' ? want['name'] : undefined;
  if (name !== undefined) {
    const label = `${path}[name=${name}]`;
    const sameName = actual.find((a) => isPlainObject(a) && a['name'] === name);
    if (sameName === undefined) return [mismatch(label, 'present', 'missing')];
    const diffs = matchValue(want, sameName, label);
    if (diffs.length > 0) return diffs;
  }
  const found = fitsSomeTaken ? 'it only matches elements already used by other expectations' : `none of ${actual.length}`;
  return [mismatch(path, `an element matching ${describeValue(want)}`, found)];
}
