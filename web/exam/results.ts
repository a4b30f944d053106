/**
 * The results page of a mock exam (⚑ `exam-result`, `exam-question-result`): score against the
 * pass mark, the per-domain breakdown, and for each question every check with expected vs found,
 * the hints and the reference solution. The clusters stay up for review meanwhile.
 */
import { h } from '../dom.js';
import { renderMarkdown } from '../session/markdown.js';
import type { ExamAttemptDto } from '../../server/wire/exam.js';

export function renderResults(a: ExamAttemptDto): HTMLElement {
  const r = a.result;
  const summary = h(
    'section',
    { class: `panel exam-result ${r?.passed ? 'passed' : 'failed'}`, 'data-testid': 'exam-result', 'data-score': String(r?.score ?? 0), 'data-passed': String(r?.passed ?? false) },
    h('h2', {}, r?.passed ? 'Passed' : 'Not passed'),
    h('p', { class: 'score' }, `${r?.score ?? 0} of ${r?.maxScore ?? 0} points (${r?.percent ?? 0} %; ${r?.passPercent ?? 67} % needed)${r?.endedBy === 'timeout' ? ' · the time ran out' : r?.endedBy === 'workshop' ? ' · your instructor ended the workshop' : ''}`),
    h(
      'table',
      { class: 'exam-domains' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Domain'), h('th', {}, 'Points'))),
      h('tbody', {}, ...(r?.byDomain ?? []).map((d) => h('tr', {}, h('td', {}, d.domain), h('td', {}, `${d.score} / ${d.maxScore}`)))),
    ),
    h('p', { class: 'muted' }, 'Your clusters stay open for a while so you can look at what you did.'),
  );
  const questions = a.questions.map((q) => {
    const res = q.result;
    const checks = (res?.grade?.tasks ?? []).flatMap((t) =>
      t.checks.map((c) =>
        h(
          'li',
          { class: c.passed ? 'check pass' : 'check fail' },
          `${c.passed ? '✓' : '✗'} ${c.message}`,
          c.passed ? null : h('div', { class: 'expected-found' }, h('span', {}, 'expected: ', h('code', {}, c.expected || '-')), h('span', {}, ' found: ', h('code', {}, c.actual || '-'))),
        ),
      ),
    );
    const solution = h('div', { class: 'markdown' });
    renderMarkdown(solution, '```bash\n' + (res?.solution ?? '') + '\n```');
    return h(
      'details',
      { class: 'exam-question-result', 'data-testid': 'exam-question-result', 'data-passed': String(res?.passed ?? false), 'data-index': String(q.number) },
      h('summary', {}, `${res?.passed ? '✓' : '✗'} ${q.number}. ${q.title} — ${res?.score ?? 0} / ${q.weight} points (${q.cluster}) · ${minutes(res?.seconds ?? 0)}`),
      res?.error ? h('p', { class: 'card-unavailable' }, res.error) : null,
      h('ul', { class: 'checks' }, ...checks),
      h('h4', {}, 'Hints'),
      h('ul', {}, ...(res?.hints ?? []).map((x) => h('li', {}, x.hint))),
      h('h4', {}, 'Reference solution'),
      solution,
    );
  });
  return h('main', { class: 'page exam-results' }, summary, ...questions, h('a', { class: 'btn', href: '/', 'data-link': true }, 'Back to the catalog'));
}

function minutes(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} spent`;
}
