/** The catalog page (`/`): one card per scenario, Start (creates a session) and Resume. */
import { messageOf, storeSessionToken } from './api.js';
import type { Page, PageContext } from './context.js';
import { h, replaceChildren } from './dom.js';
import { sessionPath } from './router.js';
import type { CatalogScenarioDto, SessionDto } from '../server/wire/types.js';

/** Renders the catalog into `root`. */
export function renderCatalog(root: HTMLElement, ctx: PageContext): Page {
  let disposed = false;
  const grid = h('div', { class: 'catalog-grid', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading labs…'));
  const exams = h('section', { class: 'catalog-exams', 'aria-label': 'Mock exams' });
  replaceChildren(
    root,
    h(
      'main',
      { class: 'page' },
      h('header', { class: 'catalog-header' }, h('h1', {}, 'CKS Lab'), h('p', { class: 'muted' }, 'Pick a scenario: you get a fresh kind cluster, a terminal on its control-plane node, and a Check button that grades the real cluster state.')),
      exams,
      grid,
    ),
  );
  void renderExams(exams, ctx, () => disposed);

  void (async () => {
    try {
      const [catalog, mine] = await Promise.all([ctx.api.catalog(), ctx.api.sessions().catch(() => ({ sessions: [] as SessionDto[] }))]);
      if (disposed) return;
      const active = new Map<string, SessionDto>();
      for (const s of mine.sessions) {
        if ((s.state === 'provisioning' || s.state === 'ready') && !active.has(s.scenarioId)) active.set(s.scenarioId, s);
      }
      grid.removeAttribute('aria-busy');
      if (catalog.scenarios.length === 0) replaceChildren(grid, h('p', { class: 'muted' }, 'No scenarios are installed on this server.'));
      else replaceChildren(grid, ...catalog.scenarios.map((s) => card(s, active.get(s.id), ctx)));
    } catch (err) {
      if (disposed) return;
      replaceChildren(grid, h('p', { class: 'muted' }, 'The labs could not be loaded.'));
      ctx.banner.show(messageOf(err));
    }
  })();

  return {
    dispose() {
      disposed = true;
    },
  };
}

function card(s: CatalogScenarioDto, active: SessionDto | undefined, ctx: PageContext): HTMLElement {
  const titleId = `scenario-${s.id}-title`;
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
    { class: 'card', 'data-testid': 'scenario-card', 'data-scenario-id': s.id, 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'card-title' }, s.title),
    h('p', { class: 'card-domain' }, s.domain),
    h(
      'ul',
      { class: 'card-facts', 'aria-label': 'Facts' },
      h('li', { class: `badge difficulty-${s.difficulty}` }, s.difficulty),
      h('li', { class: 'badge' }, `~${s.timeLimitMinutes} min`),
      h('li', { class: 'badge' }, `${s.taskCount} ${s.taskCount === 1 ? 'task' : 'tasks'} · ${s.maxScore} pts`),
    ),
    h('p', { class: 'card-summary' }, s.summary),
    s.unavailable ? h('p', { class: 'card-unavailable', 'data-testid': 'scenario-unavailable', role: 'note' }, s.unavailable) : null,
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

/** Mock exams above the scenarios: length, questions, pass mark, what an attempt needs; Start. */
async function renderExams(target: HTMLElement, ctx: PageContext, gone: () => boolean): Promise<void> {
  const list = await ctx.api.exams().catch(() => null);
  if (gone() || !list || list.exams.length === 0) return;
  const cards = list.exams.map((e) => {
    const start = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'start-exam', disabled: Boolean(e.unavailable) }, 'Start exam');
    start.addEventListener('click', async () => {
      start.disabled = true;
      ctx.banner.clear();
      try {
        ctx.navigate((await ctx.api.startExam(e.id)).url);
      } catch (err) {
        ctx.banner.show(messageOf(err));
        start.disabled = false;
      }
    });
    return h(
      'article',
      { class: 'card exam-card', 'data-testid': 'exam-card', 'data-exam-id': e.id },
      h('h2', { class: 'card-title' }, e.title),
      h('p', { class: 'card-summary' }, e.description),
      h(
        'ul',
        { class: 'card-facts', 'aria-label': 'Facts' },
        h('li', { class: 'badge' }, `${e.durationMinutes} min`),
        e.questions !== null ? h('li', { class: 'badge' }, `${e.questions} questions`) : null,
        h('li', { class: 'badge' }, `pass ${e.passPercent} %`),
        e.clusters !== null ? h('li', { class: 'badge' }, `${e.clusters} cluster(s) · ~${Math.round((e.memoryMiB ?? 0) / 1024)} GiB`) : null,
      ),
      e.unavailable ? h('p', { class: 'card-unavailable', role: 'note' }, e.unavailable) : null,
      h('div', { class: 'card-actions' }, start),
    );
  });
  replaceChildren(target, h('h2', {}, 'Mock exams'), h('p', { class: 'muted' }, 'Timed, graded only at the end, each question on its own cluster — like the real CKS exam.'), h('div', { class: 'catalog-grid' }, ...cards));
}
