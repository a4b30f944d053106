/** The learner's progress on the catalog page: domains against the curriculum weights, and what to try next. */
import { h, inlineCode, replaceChildren } from '../dom.js';
import type { ProgressDto, ScenarioProgressDto } from '../../server/wire/catalog.js';

/**
 * Fills `target` with the progress panel; `reveal(id)` shows that scenario's card (the
 * suggestion's "Show it").
 */
export function renderProgress(target: HTMLElement, p: ProgressDto, reveal: (scenarioId: string) => void): void {
  const tried = p.scenarios.length;
  const rows = p.domains.map((d) =>
    h(
      'li',
      { class: 'domain-progress', 'data-testid': 'domain-progress', 'data-domain': d.domain, 'data-passed': d.passed, 'data-total': d.total, 'data-weight': d.weight },
      h('span', { class: 'domain-name' }, d.domain),
      h('span', { class: 'domain-weight muted' }, `${d.weight} % of the exam`),
      h('progress', { class: 'domain-bar', max: Math.max(d.total, 1), value: d.passed, 'aria-label': `${d.domain}: ${d.passed} of ${d.total} passed` }),
      h('span', { class: 'domain-count' }, `${d.passed} / ${d.total} passed`),
    ),
  );
  const next = p.suggestedNext;
  const suggestion = next
    ? h(
        'div',
        { class: 'suggested-next', 'data-testid': 'suggested-next', 'data-scenario-id': next.scenarioId, 'data-domain': next.domain },
        h('p', { class: 'suggested-title' }, 'Try next: ', h('strong', {}, inlineCode(next.title))),
        h('p', { class: 'muted' }, next.reason),
        h('button', { type: 'button', class: 'btn small', onclick: () => reveal(next.scenarioId) }, 'Show it'),
      )
    : h('p', { class: 'suggested-next', 'data-testid': 'suggested-next' }, tried > 0 ? 'You passed every scenario this host can run. Try a mock exam, or randomise names and values.' : 'No scenario this host can run.');
  replaceChildren(
    target,
    h('h2', {}, 'Your progress'),
    h(
      'p',
      { class: 'readiness', 'data-testid': 'readiness', 'data-percent': p.readinessPercent },
      tried === 0 ? 'Nothing graded yet: start a lab and press Check. ' : `${tried} ${tried === 1 ? 'scenario' : 'scenarios'} tried. `,
      `Practised: ${p.readinessPercent} % of the exam's weight (scenarios passed per domain × the domain's weight).`,
    ),
    h('div', { class: 'progress-layout' }, h('ul', { class: 'domain-list', 'aria-label': 'Passed per domain' }, ...rows), suggestion),
  );
}

/** The line on a card: passed or not, best score, attempts, last try. */
export function cardProgress(sp: ScenarioProgressDto | undefined, now = Date.now()): HTMLElement | null {
  if (!sp) return null;
  return h(
    'p',
    { class: `card-progress ${sp.passed ? 'pass' : 'fail'}`, 'data-testid': 'card-progress', 'data-passed': String(sp.passed), 'data-best': sp.bestScore, 'data-attempts': sp.attempts },
    sp.passed ? '✓ Passed' : '✗ Not passed yet',
    ` · best ${sp.bestScore} / ${sp.maxScore} · ${sp.attempts} ${sp.attempts === 1 ? 'attempt' : 'attempts'} · last try ${ago(sp.lastTriedAt, now)}`,
  );
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now: number): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (!Number.isFinite(minutes) || minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
