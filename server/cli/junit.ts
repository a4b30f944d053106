import type { GradeResult } from '../grading/types.js';

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 forbids most control characters, U+FFFE/U+FFFF and unpaired surrogates (e.g. pod
    // output cut in the middle of an emoji).
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/** JUnit XML: one testsuite per scenario, one testcase per task; failures carry the check messages. */
export function toJunit(results: GradeResult[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tests = results.reduce((n, r) => n + r.tasks.length, 0);
  const failures = results.reduce((n, r) => n + r.tasks.filter((t) => !t.passed && !t.checks.some((c) => c.status === 'error')).length, 0);
  const errors = results.reduce((n, r) => n + r.tasks.filter((t) => !t.passed && t.checks.some((c) => c.status === 'error')).length, 0);
  const time = (ms: number) => (ms / 1000).toFixed(3);
  lines.push(`<testsuites name="cks-lab" tests="${tests}" failures="${failures}" errors="${errors}">`);
  for (const r of results) {
    const f = r.tasks.filter((t) => !t.passed && !t.checks.some((c) => c.status === 'error')).length;
    const e = r.tasks.filter((t) => !t.passed && t.checks.some((c) => c.status === 'error')).length;
    lines.push(
      `  <testsuite name="${esc(r.scenario)}" tests="${r.tasks.length}" failures="${f}" errors="${e}" skipped="${r.tasks.filter((t) => t.skipped).length}" time="${time(r.durationMs)}" timestamp="${esc(r.gradedAt)}">`,
    );
    lines.push(`    <properties><property name="score" value="${r.score}"/><property name="maxScore" value="${r.maxScore}"/></properties>`);
    for (const t of r.tasks) {
      lines.push(`    <testcase classname="${esc(r.scenario)}" name="${esc(`${t.id}: ${t.title}`)}">`);
      if (t.skipped) {
        lines.push(`      <skipped message="${esc(t.checks[0]?.message ?? 'not checked on this host')}"/>`);
      } else if (!t.passed) {
        const bad = t.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip');
        const isError = bad.some((c) => c.status === 'error');
        const tag = isError ? 'error' : 'failure';
        const first = bad[0];
        const body = bad.map((c) => `[${c.status}] ${c.id}: ${c.message}\n  expected: ${c.expected}\n  found:    ${c.actual}`).join('\n');
        lines.push(`      <${tag} message="${esc(first ? first.message : 'failed')}" type="${tag === 'error' ? 'CheckError' : 'CheckFailed'}">${esc(body + (t.hint ? `\nhint: ${t.hint}` : ''))}</${tag}>`);
      }
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
