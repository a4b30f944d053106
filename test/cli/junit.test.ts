/**
 * The JUnit writer stays well-formed whatever a check reports: markup characters, quotes,
 * control characters and odd Unicode in messages and in what a pod printed.
 */
import assert from 'node:assert/strict';
import { toJunit } from '../../server/cli/junit.js';
import type { GradeResult } from '../../server/grading/types.js';
import { elements, parseXml, textOf } from './xml.js';

const NASTY = `<script>&amp; "double" 'single' ]]> a&b <!-- -->`;

function result(actual: string): GradeResult {
  return {
    scenario: 'init-containers',
    passed: false,
    score: 2,
    maxScore: 6,
    gradedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 1234,
    tasks: [
      { id: 'ok', title: 'A & B <ok>', weight: 2, passed: true, skipped: false, hint: '', checks: [{ id: 'c0', status: 'pass', message: 'fine', expected: 'x', actual: 'x' }] },
      {
        id: 'bad',
        title: `Title with ${NASTY}`,
        weight: 2,
        passed: false,
        skipped: false,
        hint: 'use `kubectl get pod -o jsonpath="{.spec}"` & <look>',
        checks: [
          { id: 'c1', status: 'fail', message: `message ${NASTY}`, expected: `expected ${NASTY}`, actual },
          { id: 'c2', status: 'pass', message: 'passed one', expected: '', actual: '' },
        ],
      },
      {
        id: 'err',
        title: 'cannot check',
        weight: 2,
        passed: false,
        skipped: false,
        hint: '',
        checks: [{ id: 'c3', status: 'error', message: 'could not check: pod not found', expected: '', actual: 'pod not found' }],
      },
    ],
  };
}

describe('JUnit report writer', () => {
  it('escapes markup and quotes so the report parses and round-trips the text', () => {
    const doc = parseXml(toJunit([result(`pod said ${NASTY}`)]));
    const suite = elements(doc.root, 'testsuite')[0]!;
    assert.deepEqual([suite.attrs.tests, suite.attrs.failures, suite.attrs.errors], ['3', '1', '1']);
    const [ok, bad, err] = elements(suite, 'testcase');
    assert.equal(ok!.attrs.name, 'ok: A & B <ok>');
    assert.deepEqual(elements(ok!), []);
    assert.equal(bad!.attrs.name, `bad: Title with ${NASTY}`);
    const failure = elements(bad!, 'failure')[0]!;
    assert.equal(failure.attrs.message, `message ${NASTY}`);
    const body = textOf(failure);
    assert.ok(body.includes(`[fail] c1: message ${NASTY}`));
    assert.ok(body.includes(`expected: expected ${NASTY}`));
    assert.ok(body.includes(`found:    pod said ${NASTY}`));
    assert.ok(!body.includes('passed one'), 'only checks that did not pass are listed');
    assert.ok(body.includes('hint: use `kubectl get pod -o jsonpath="{.spec}"` & <look>'));
    const error = elements(err!, 'error')[0]!;
    assert.equal(error.attrs.message, 'could not check: pod not found');
  });

  it('drops characters XML 1.0 cannot carry (ANSI escapes, NUL, U+FFFF, half an emoji) instead of writing a broken file', () => {
    const emoji = '🙂';
    const actual = `\x1b[31mred\x1b[0m nul\x00 bell\x07 nonchar\uFFFF cut${emoji.slice(0, 1)} whole${emoji}\ttab`;
    const xml = toJunit([result(actual)]);
    const doc = parseXml(xml); // throws on any forbidden character
    const failure = elements(elements(elements(doc.root, 'testsuite')[0]!, 'testcase')[1]!, 'failure')[0]!;
    assert.ok(textOf(failure).includes(`found:    [31mred[0m nul bell nonchar cut whole${emoji}\ttab`));
  });
});
