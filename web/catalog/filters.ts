/** The catalog's filter bar: search by title or topic, and filters by domain, difficulty, time and lab. */
import { h } from '../dom.js';
import type { CatalogScenarioDto } from '../../server/wire/types.js';

export interface CatalogFilter {
  /** Words that must all appear in the title, id, summary, domain, lab or a competency. */
  text: string;
  domain: string;
  difficulty: string;
  /** Longest time limit in minutes, '' for any. */
  maxMinutes: string;
  lab: string;
  /** Only scenarios whose lab this host can run. */
  runnable: boolean;
}

export const NO_FILTER: CatalogFilter = { text: '', domain: '', difficulty: '', maxMinutes: '', lab: '', runnable: false };

const TIME_LIMITS = [10, 15, 20, 30];

/** The filter as a query string (`?q=seccomp&domain=…`), so a reload or a shared link keeps it. */
export function filterToQuery(f: CatalogFilter): string {
  const q = new URLSearchParams();
  if (f.text) q.set('q', f.text);
  if (f.domain) q.set('domain', f.domain);
  if (f.difficulty) q.set('difficulty', f.difficulty);
  if (f.maxMinutes) q.set('time', f.maxMinutes);
  if (f.lab) q.set('lab', f.lab);
  if (f.runnable) q.set('runnable', '1');
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The filter a query string asks for (unknown values are dropped by the selects). */
export function filterFromQuery(search: string): CatalogFilter {
  const q = new URLSearchParams(search);
  return {
    text: (q.get('q') ?? '').slice(0, 200),
    domain: q.get('domain') ?? '',
    difficulty: q.get('difficulty') ?? '',
    maxMinutes: q.get('time') ?? '',
    lab: q.get('lab') ?? '',
    runnable: q.get('runnable') === '1',
  };
}

/** Does the scenario pass the filter? */
export function matches(s: CatalogScenarioDto, f: CatalogFilter): boolean {
  if (f.domain && s.domain !== f.domain) return false;
  if (f.difficulty && s.difficulty !== f.difficulty) return false;
  if (f.maxMinutes && s.timeLimitMinutes > Number(f.maxMinutes)) return false;
  if (f.lab && s.lab !== f.lab) return false;
  if (f.runnable && s.unavailable) return false;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [s.title, s.id, s.summary, s.domain, s.lab, ...s.competencies].join('\n').toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export interface FilterBar {
  el: HTMLElement;
  value(): CatalogFilter;
  /** Back to showing everything (e.g. to reveal a suggested scenario). */
  clear(): void;
}

/** Builds the bar set to `initial`; `onChange` runs on every edit. */
export function createFilterBar(scenarios: readonly CatalogScenarioDto[], onChange: () => void, initial: CatalogFilter = NO_FILTER): FilterBar {
  const search = h('input', {
    type: 'search',
    class: 'input',
    id: 'catalog-search',
    'data-testid': 'catalog-search',
    placeholder: 'Search by title or topic (e.g. seccomp, RBAC, audit)',
    autocomplete: 'off',
  });
  const domain = select('catalog-filter-domain', 'Domain', 'Any domain', distinct(scenarios.map((s) => s.domain)).map((d) => [d, d]));
  const difficulty = select('catalog-filter-difficulty', 'Difficulty', 'Any difficulty', (['easy', 'medium', 'hard'] as const).filter((d) => scenarios.some((s) => s.difficulty === d)).map((d) => [d, d]));
  const time = select('catalog-filter-time', 'Time', 'Any length', TIME_LIMITS.map((m) => [String(m), `Up to ${m} min`]));
  const labs = distinct(scenarios.map((s) => s.lab));
  const lab = select('catalog-filter-lab', 'Lab', 'Any lab', labs.map((l) => [l, `${l} (${scenarios.filter((s) => s.lab === l).length})`]));
  const runnable = h('input', { type: 'checkbox', 'data-testid': 'catalog-filter-runnable' });
  search.value = initial.text;
  domain.input.value = initial.domain;
  difficulty.input.value = initial.difficulty;
  time.input.value = initial.maxMinutes;
  lab.input.value = initial.lab;
  runnable.checked = initial.runnable;
  for (const el of [search, domain.input, difficulty.input, time.input, lab.input, runnable]) el.addEventListener('input', onChange);
  runnable.addEventListener('change', onChange);

  const el = h(
    'form',
    { class: 'catalog-filters', role: 'search', 'aria-label': 'Find a scenario' },
    h('label', { class: 'visually-hidden', for: 'catalog-search' }, 'Search by title or topic'),
    search,
    h('div', { class: 'filter-row' }, domain.el, difficulty.el, time.el, lab.el, h('label', { class: 'filter-check' }, runnable, ' Only labs this host can run')),
  );
  el.addEventListener('submit', (ev) => ev.preventDefault());
  return {
    el,
    value: () => ({ text: search.value, domain: domain.input.value, difficulty: difficulty.input.value, maxMinutes: time.input.value, lab: lab.input.value, runnable: runnable.checked }),
    clear() {
      search.value = '';
      for (const s of [domain, difficulty, time, lab]) s.input.value = '';
      runnable.checked = false;
      onChange();
    },
  };
}

function select(testId: string, label: string, anyText: string, options: [string, string][]): { el: HTMLElement; input: HTMLSelectElement } {
  const input = h('select', { class: 'input', id: testId, 'data-testid': testId }, h('option', { value: '' }, anyText), ...options.map(([value, text]) => h('option', { value }, text)));
  return { el: h('label', { class: 'filter', for: testId }, h('span', { class: 'filter-label' }, label), input), input };
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}
