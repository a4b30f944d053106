/**
 * The catalog page (`/`): the learner's progress (domains against the curriculum weights, a
 * suggested next scenario), mock exams, a filter bar (search by title or topic; domain,
 * difficulty, time, lab), one card per scenario (Start, Resume), and the curriculum coverage view.
 */
import { messageOf } from './api.js';
import type { Page, PageContext } from './context.js';
import { h, replaceChildren } from './dom.js';
import { scenarioCard } from './catalog/card.js';
import { renderCoverage } from './catalog/coverage.js';
import { createFilterBar, filterFromQuery, filterToQuery, matches, type FilterBar } from './catalog/filters.js';
import { renderProgress } from './catalog/progress.js';
import type { ProgressDto, ScenarioProgressDto } from '../server/wire/catalog.js';
import type { CatalogScenarioDto, SessionDto } from '../server/wire/types.js';

/** Renders the catalog into `root`. */
export function renderCatalog(root: HTMLElement, ctx: PageContext): Page {
  let disposed = false;
  const grid = h('div', { class: 'catalog-grid', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading labs…'));
  const progress = h('section', { class: 'catalog-progress panel', 'data-testid': 'catalog-progress', 'aria-label': 'Your progress', hidden: true });
  const exams = h('section', { class: 'catalog-exams', 'aria-label': 'Mock exams' });
  const filterBox = h('div', { class: 'catalog-find' });
  const count = h('p', { class: 'catalog-count muted', 'data-testid': 'catalog-count', role: 'status' });
  const coverageBox = h('section', { class: 'coverage-view', 'data-testid': 'coverage-view', 'aria-label': 'Curriculum coverage', hidden: true });
  replaceChildren(
    root,
    h(
      'main',
      { class: 'page' },
      h('header', { class: 'catalog-header' }, h('h1', {}, 'CKS Lab'), h('p', { class: 'muted' }, 'Pick a scenario: you get a fresh kind cluster, a terminal on its control-plane node, and a Check button that grades the real cluster state.')),
      progress,
      exams,
      h('section', { class: 'catalog-scenarios', 'aria-label': 'Scenarios' }, h('h2', {}, 'Scenarios'), filterBox, count, grid),
      coverageBox,
    ),
  );
  void renderExams(exams, ctx, () => disposed);

  void (async () => {
    try {
      const [catalog, mine, record, curriculum] = await Promise.all([
        ctx.api.catalog(),
        ctx.api.sessions().catch(() => ({ sessions: [] as SessionDto[] })),
        ctx.api.progress().catch(() => null),
        ctx.api.curriculum().catch(() => null),
      ]);
      if (disposed) return;
      const active = new Map<string, SessionDto>();
      for (const s of mine.sessions) {
        if ((s.state === 'provisioning' || s.state === 'ready') && !active.has(s.scenarioId)) active.set(s.scenarioId, s);
      }
      grid.removeAttribute('aria-busy');
      if (catalog.scenarios.length === 0) {
        replaceChildren(grid, h('p', { class: 'muted' }, 'No scenarios are installed on this server.'));
        return;
      }
      const cards = new Map(catalog.scenarios.map((s) => [s.id, scenarioCard(s, active.get(s.id), recordOf(record, s.id), ctx)]));
      const bar: FilterBar = createFilterBar(
        catalog.scenarios,
        () => {
          showMatching(grid, count, catalog.scenarios, cards, bar);
          // The filter lives in the address (a reload, Back from a lab or a shared link keeps it).
          if (!disposed) history.replaceState(null, '', `/${filterToQuery(bar.value())}`);
        },
        filterFromQuery(location.search),
      );
      replaceChildren(filterBox, bar.el);
      showMatching(grid, count, catalog.scenarios, cards, bar);
      const reveal = (id: string): void => {
        bar.clear();
        const card = cards.get(id);
        card?.scrollIntoView({ block: 'center' });
        card?.focus({ preventScroll: true });
      };
      if (record) {
        renderProgress(progress, record, reveal);
        progress.hidden = false;
      }
      if (curriculum) {
        const titles = new Map(catalog.scenarios.map((s) => [s.id, s.title]));
        renderCoverage(coverageBox, curriculum, (id) => titles.get(id) ?? id, reveal);
        coverageBox.hidden = false;
      }
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

function recordOf(p: ProgressDto | null, id: string): ScenarioProgressDto | undefined {
  return p?.scenarios.find((x) => x.scenarioId === id);
}

/** Shows the cards that pass the filter (same elements: a card keeps its state) and says how many. */
function showMatching(grid: HTMLElement, count: HTMLElement, all: CatalogScenarioDto[], cards: Map<string, HTMLElement>, bar: FilterBar): void {
  const f = bar.value();
  const shown = all.filter((s) => matches(s, f));
  replaceChildren(grid, ...shown.map((s) => cards.get(s.id)));
  if (shown.length === 0) grid.append(h('p', { class: 'muted' }, 'No scenario matches: clear a filter or search for another topic.'));
  count.textContent = shown.length === all.length ? `${all.length} scenarios` : `${shown.length} of ${all.length} scenarios match`;
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
