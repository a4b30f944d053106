/** One scenario card: facts, topics, what its lab needs and whether this host runs it, the learner's record, Start/Resume. */
import { messageOf, storeSessionToken } from '../api.js';
import type { PageContext } from '../context.js';
import { h, inlineCode } from '../dom.js';
import { sessionPath } from '../router.js';
import type { ScenarioProgressDto } from '../../server/wire/catalog.js';
import type { CatalogScenarioDto, SessionDto } from '../../server/wire/types.js';
import { cardProgress } from './progress.js';

/** The card's element id (the catalog scrolls to it to reveal a scenario). */
export function cardId(scenarioId: string): string {
  return `scenario-${scenarioId}`;
}

/** Builds the card of `s`; `active` is the learner's running lab of it, `mine` their record on it. */
export function scenarioCard(s: CatalogScenarioDto, active: SessionDto | undefined, mine: ScenarioProgressDto | undefined, ctx: PageContext): HTMLElement {
  const titleId = `${cardId(s.id)}-title`;
  const start = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'start-lab', 'aria-describedby': titleId }, active ? 'Start again' : 'Start lab');
  // Only scenarios whose parameters have choices: the lab then uses drawn names and values, so
  // the answer cannot be memorised (the README of the session shows them).
  const randomize = s.randomizable ? h('input', { type: 'checkbox', 'data-testid': 'randomize-params' }) : null;
  start.addEventListener('click', async () => {
    start.disabled = true;
    start.textContent = 'Starting…';
    ctx.banner.clear();
    try {
      const created = await ctx.api.createSession(s.id, { randomize: randomize?.checked ?? false });
      storeSessionToken(created.session.id, created.token);
      ctx.navigate(sessionPath(created.session.id));
    } catch (err) {
      ctx.banner.show(messageOf(err));
      start.disabled = false;
      start.textContent = active ? 'Start again' : 'Start lab';
    }
  });

  if (s.unavailable) {
    start.disabled = true;
    start.title = s.unavailable;
  }
  return h(
    'article',
    { class: 'card', id: cardId(s.id), tabindex: -1, 'data-testid': 'scenario-card', 'data-scenario-id': s.id, 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'card-title' }, inlineCode(s.title)),
    h('p', { class: 'card-domain' }, s.domain),
    h(
      'ul',
      { class: 'card-facts', 'aria-label': 'Facts' },
      h('li', { class: `badge difficulty-${s.difficulty}` }, s.difficulty),
      h('li', { class: 'badge' }, `~${s.timeLimitMinutes} min`),
      h('li', { class: 'badge' }, `${s.taskCount} ${s.taskCount === 1 ? 'task' : 'tasks'} · ${s.maxScore} pts`),
    ),
    h('p', { class: 'card-summary' }, inlineCode(s.summary)),
    s.competencies.length > 0 ? h('p', { class: 'card-topics', 'data-testid': 'card-topics' }, h('span', { class: 'muted' }, 'Topics: '), s.competencies.join(', ')) : null,
    h('p', { class: 'card-needs', 'data-testid': 'card-needs' }, h('span', { class: 'muted' }, `Lab ${s.lab} needs: `), s.labNeeds.join(', ')),
    s.unavailable
      ? h('p', { class: 'card-unavailable', 'data-testid': 'scenario-unavailable', role: 'note' }, s.unavailable)
      : h('p', { class: 'card-host', 'data-testid': 'card-host' }, '✓ This host can run it'),
    cardProgress(mine),
    randomize
      ? h('label', { class: 'card-randomize', title: 'Namespaces, names and values are drawn for this lab instead of the usual ones: the instructions show them.' }, randomize, ' Randomise names and values')
      : null,
    h(
      'div',
      { class: 'card-actions' },
      active ? h('a', { class: 'btn', href: sessionPath(active.id), 'data-link': true, 'data-testid': 'resume-lab' }, active.state === 'provisioning' ? 'Resume (starting)' : 'Resume') : null,
      start,
    ),
  );
}
