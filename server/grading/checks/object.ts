/** `object` and `objectAbsent` checks: read one object and partially match it. */
import type { ObjectAbsentCheck, ObjectCheck } from '../../scenarios/types.js';
import { matchObject, summarizeMismatches } from '../match.js';
import { describeShape } from '../matchFormat.js';
import type { CheckRunner } from '../types.js';
import { refText } from './describe.js';

/** The object exists and partially matches `check.match` (see match.ts). */
export const runObjectCheck: CheckRunner<ObjectCheck> = async (check, probes) => {
  const ref = refText(check.resource);
  const obj = await probes.getObject(check.resource);
  if (obj === null) {
    return {
      status: 'fail',
      message: `${check.description}: ${ref} not found`,
      expected: `${ref} exists`,
      actual: `${ref} not found`,
    };
  }
  const mismatches = matchObject(check.match, obj);
  const [first] = mismatches;
  if (!first) {
    const empty = typeof check.match !== 'object' || check.match === null || Object.keys(check.match).length === 0;
    const expected = empty ? `${ref} exists` : `${ref} with ${describeShape(check.match)}`;
    return { status: 'pass', message: check.description, expected, actual: `${ref} matches` };
  }
  const where = first.path === '' ? ref : first.path;
  return {
    status: 'fail',
    message: `${check.description}: ${ref}: ${summarizeMismatches(mismatches)}`,
    expected: `${where}: ${first.expected}`,
    actual: `${where}: ${first.actual}`,
  };
};

/** The object does not exist. */
export const runObjectAbsentCheck: CheckRunner<ObjectAbsentCheck> = async (check, probes) => {
  const ref = refText(check.resource);
  const obj = await probes.getObject(check.resource);
  const expected = `${ref} absent`;
  if (obj === null) return { status: 'pass', message: check.description, expected, actual: `${ref} not found` };
  return { status: 'fail', message: `${check.description}: ${ref} still exists`, expected, actual: `${ref} exists` };
};
