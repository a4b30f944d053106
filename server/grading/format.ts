/** Renderings of a GradeResult: the ⚑ JSON of DESIGN.md and plain text for the CLI. */
import type { GradeJson, GradeResult } from './types.js';

/** The ⚑ grade JSON (`cks-lab grade --format json`, HTTP grade response), keys in contract order. */
export function toGradeJson(result: GradeResult): GradeJson {
  return {
    scenario: result.scenario,
    passed: result.passed,
    score: result.score,
    maxScore: result.maxScore,
    tasks: result.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      weight: t.weight,
      passed: t.passed,
      checks: t.checks.map((c) => ({
        id: c.id,
        passed: c.status === 'pass',
        message: c.message,
        expected: c.expected,
        actual: c.actual,
        status: c.status,
      })),
      hint: t.hint,
      ...(t.skipped ? { skipped: true } : {}),
    })),
  };
}

const MARK = { pass: '✔', fail: '✘', error: '!', skip: '–' } as const;
const COLOR = { pass: '\x1b[32m', fail: '\x1b[31m', error: '\x1b[33m', skip: '\x1b[2m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;

/**
 * Text report: a line per task with its weight, a line per check, and expected vs found for
 * checks that did not pass. `color` adds ANSI colours (for a TTY).
 */
export function formatText(result: GradeResult, opts: { color?: boolean } = {}): string {
  const paint = (code: keyof typeof COLOR, s: string): string => (opts.color ? `${COLOR[code]}${s}${COLOR.reset}` : s);
  const lines: string[] = [paint('bold', `${result.scenario}: ${result.score}/${result.maxScore}${result.passed ? ' — passed' : ''}`)];
  for (const task of result.tasks) {
    const status = task.skipped ? 'skip' : task.passed ? 'pass' : 'fail';
    const worth = task.skipped ? 'not scored on this host' : `${task.weight} point${task.weight === 1 ? '' : 's'}`;
    lines.push(`${paint(status, MARK[status])} ${task.title} (${worth})`);
    for (const check of task.checks) {
      lines.push(`    ${paint(check.status, MARK[check.status])} ${check.message}`);
      if (check.status !== 'pass' && check.status !== 'skip' && (check.expected || check.actual)) {
        lines.push(paint('dim', `        expected: ${check.expected || '-'}`));
        lines.push(paint('dim', `        found:    ${check.actual || '-'}`));
      }
    }
    if (!task.passed && task.hint) lines.push(paint('dim', `    hint: ${task.hint}`));
  }
  return lines.join('\n') + '\n';
}
