/**
 * The live board's grid: one row per learner, one column per task (grouped by scenario), and per
 * learner their cluster's state, time on the current scenario, idle time, score and actions.
 * Rendered from a BoardDto; a 1 s ticker advances the clocks between pushes.
 */
import { formatElapsed, h } from '../dom.js';
import type { BoardCellDto, BoardDto, BoardLearnerDto } from '../../server/wire/workshop.js';

/** Learners idle longer than this are highlighted. */
export const IDLE_HIGHLIGHT_SECONDS = 300;

export interface GridActions {
  shadow(learner: BoardLearnerDto): void;
  reset(learner: BoardLearnerDto): void;
  extend(learner: BoardLearnerDto): void;
}

/** Builds the grid table for `board`; `shadowed` marks the seat being shadowed. */
export function renderGrid(board: BoardDto, actions: GridActions, shadowed: string | null): HTMLElement {
  const open = board.workshop.state === 'open';
  const cells = new Map<string, BoardCellDto>();
  for (const c of board.cells) cells.set(`${c.seatId}\u0000${c.scenarioId}\u0000${c.taskId}`, c);
  const groups = board.workshop.scenarios.map((s) => ({ ...s, columns: board.columns.filter((c) => c.scenarioId === s.id) })).filter((g) => g.columns.length > 0);

  const fixed = ['Learner', 'Cluster', 'On scenario', 'Idle', 'Score', 'Help'];
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      ...fixed.map((label) => h('th', { rowspan: 2, scope: 'col' }, label)),
      ...groups.map((g, i) => h('th', { colspan: g.columns.length, scope: 'colgroup', class: 'scenario-head', 'data-scenario': g.id }, `${i + 1}. ${g.title}`)),
    ),
    h(
      'tr',
      {},
      ...groups.flatMap((g) =>
        g.columns.map((c, i) => {
          const text = c.title.replace(/`/g, '');
          return h('th', { scope: 'col', class: `col-task${i === 0 ? ' group-start' : ''}`, title: `${text} (${c.weight} pts)`, 'data-task': c.taskId }, h('span', {}, text));
        }),
      ),
    ),
  );

  const rows = board.learners.map((l) => {
    const current = l.scenarioId;
    const idle = l.idleSeconds ?? 0;
    const row = h(
      'tr',
      { class: `learner-row${open && idle > IDLE_HIGHLIGHT_SECONDS ? ' idle' : ''}${shadowed === l.seatId ? ' shadowed' : ''}`, 'data-testid': 'board-row', 'data-learner': l.displayName, 'data-seat': l.seatId },
      h('th', { scope: 'row', class: 'learner-name' }, l.displayName),
      h('td', { class: 'cluster-state', 'data-testid': 'seat-state', 'data-state': l.sessionState ?? 'none' }, clusterState(l)),
      h('td', { class: 'clock' }, clock(current ? (l.timeSpent[current] ?? 0) : 0, open && l.sessionState === 'ready', 'time-on-scenario'), l.extraMinutes > 0 ? h('span', { class: 'badge', title: 'Time added by you' }, `+${l.extraMinutes} min`) : null),
      h('td', { class: 'clock idle-cell' }, l.idleSeconds === null ? h('span', { class: 'muted' }, '—') : clock(idle, open, 'idle-time')),
      h('td', { class: 'score', 'data-testid': 'learner-score' }, `${l.score} / ${l.maxScore}`),
      h('td', {}, h('div', { class: 'seat-actions' }, ...seatButtons(l, actions, open, shadowed === l.seatId))),
      ...groups.flatMap((g) =>
        g.columns.map((c, i) => {
          const cell = cells.get(`${l.seatId}\u0000${g.id}\u0000${c.taskId}`);
          const passed = cell?.passed === true;
          const checked = cell !== undefined && cell.passed !== null;
          const label = checked ? (passed ? 'passed' : 'failed') : 'not checked yet';
          return h(
            'td',
            {
              class: `board-cell ${checked ? (passed ? 'pass' : 'fail') : 'unchecked'}${g.id === current ? ' current' : ''}${i === 0 ? ' group-start' : ''}`,
              'data-testid': 'board-cell',
              'data-learner': l.displayName,
              'data-task': c.taskId,
              'data-scenario': g.id,
              'data-passed': String(passed),
              'data-checked': String(checked),
              title: `${l.displayName} · ${c.title.replace(/`/g, '')}: ${label}`,
            },
            h('span', { 'aria-hidden': 'true' }, checked ? (passed ? '✓' : '✗') : '·'),
            h('span', { class: 'visually-hidden' }, label),
          );
        }),
      ),
    );
    return row;
  });

  return h(
    'table',
    { class: 'board-grid', 'data-testid': 'board-grid' },
    head,
    h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: fixed.length + board.columns.length, class: 'muted empty' }, 'No learner has joined yet. Share the join code.'))])),
  );
}

function seatButtons(l: BoardLearnerDto, actions: GridActions, open: boolean, shadowing: boolean): HTMLElement[] {
  const name = l.displayName;
  const shadow = h('button', { type: 'button', class: `btn small${shadowing ? ' active' : ''}`, 'data-testid': 'shadow-button', 'data-seat': l.seatId, 'aria-label': `Shadow ${name}'s terminal`, 'aria-pressed': String(shadowing), disabled: !l.sessionId || l.sessionState !== 'ready' }, 'Shadow');
  const reset = h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'reset-seat', 'data-seat': l.seatId, 'aria-label': `Reset ${name}'s scenario`, disabled: !open || !l.scenarioId }, 'Reset');
  const extend = h('button', { type: 'button', class: 'btn small', 'data-testid': 'extend-seat', 'data-seat': l.seatId, 'aria-label': `Give ${name} 10 more minutes`, disabled: !open }, '+10 min');
  shadow.addEventListener('click', () => actions.shadow(l));
  reset.addEventListener('click', () => actions.reset(l));
  extend.addEventListener('click', () => actions.extend(l));
  return [shadow, reset, extend];
}

function clusterState(l: BoardLearnerDto): HTMLElement {
  if (l.sessionState === 'provisioning' || (l.sessionState === null && l.progress)) {
    const pct = Math.round((l.progress?.fraction ?? 0) * 100);
    return h('span', { class: 'state provisioning' }, h('progress', { max: 100, value: pct, 'aria-label': `${l.displayName}'s cluster: ${pct}%` }), h('span', { class: 'step' }, l.progress?.step ?? 'Waiting for a cluster'));
  }
  const text = { ready: 'ready', failed: 'failed', ended: 'ended' } as const;
  if (l.sessionState === null) return h('span', { class: 'state muted' }, l.scenarioId ? 'waiting for a cluster' : '—');
  return h('span', { class: `state ${l.sessionState}` }, text[l.sessionState]);
}

/** A clock showing `seconds`, advanced by the ticker while `running`. */
function clock(seconds: number, running: boolean, testid: string): HTMLElement {
  return h('span', { class: 'tick', 'data-testid': testid, 'data-base': seconds, 'data-running': running ? 'true' : null }, formatElapsed(seconds * 1000));
}

/** Advances the clocks of `grid` to `elapsedMs` after the board was received; re-marks idle rows. */
export function tickGrid(grid: HTMLElement, elapsedMs: number): void {
  for (const el of grid.querySelectorAll<HTMLElement>('.tick')) {
    const base = Number(el.dataset['base'] ?? 0);
    const seconds = base + (el.dataset['running'] ? elapsedMs / 1000 : 0);
    el.textContent = formatElapsed(seconds * 1000);
    if (el.dataset['testid'] === 'idle-time') el.closest('tr')?.classList.toggle('idle', el.dataset['running'] === 'true' && seconds > IDLE_HIGHLIGHT_SECONDS);
  }
  // Countdowns (an exam's time left on the shared clock).
  for (const el of grid.querySelectorAll<HTMLElement>('.tick-down')) {
    el.textContent = formatElapsed(Math.max(0, Number(el.dataset['base'] ?? 0) * 1000 - elapsedMs));
  }
}
