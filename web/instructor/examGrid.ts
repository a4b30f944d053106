/**
 * The board of an exam workshop: one row per seat with its exam's state, the time left on the
 * shared clock and — only once that seat's exam ended — its score, pass/fail and one verdict per
 * question. During the exam nothing about results is shown (as on the real exam).
 */
import { formatElapsed, h } from '../dom.js';
import type { BoardDto, BoardLearnerDto, SeatExamDto } from '../../server/wire/workshop.js';

const STATE_TEXT: Record<SeatExamDto['state'], string> = {
  provisioning: 'preparing clusters',
  running: 'in progress',
  grading: 'grading',
  finished: 'finished',
  failed: 'failed',
};

/** Builds the exam grid for `board` (its workshop has an `exam`). */
export function renderExamGrid(board: BoardDto): HTMLElement {
  const questions = board.workshop.exam?.questions ?? 0;
  const numbers = Array.from({ length: questions }, (_, i) => i + 1);
  const fixed = ['Learner', 'Exam', 'Time left', 'Score', 'Result'];
  const head = h('thead', {}, h('tr', {}, ...fixed.map((label) => h('th', { scope: 'col' }, label)), ...numbers.map((n) => h('th', { scope: 'col', class: 'col-task', 'data-question': n }, `Q${n}`))));
  const rows = board.learners.map((l) => row(l, numbers));
  return h(
    'table',
    { class: 'board-grid exam-grid', 'data-testid': 'board-grid' },
    head,
    h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: fixed.length + questions, class: 'muted empty' }, 'No learner has joined yet. Share the join code.'))])),
  );
}

function row(l: BoardLearnerDto, numbers: number[]): HTMLElement {
  const exam = l.exam ?? null;
  const result = exam?.result;
  const running = exam?.state === 'running';
  return h(
    'tr',
    { class: 'learner-row', 'data-testid': 'board-row', 'data-learner': l.displayName, 'data-seat': l.seatId },
    h('th', { scope: 'row', class: 'learner-name' }, l.displayName),
    h('td', { class: 'cluster-state', 'data-testid': 'seat-exam-state', 'data-state': exam?.state ?? 'none', title: exam?.error ?? '' }, stateText(exam)),
    h(
      'td',
      { class: 'clock' },
      running && exam.remainingMs !== null
        ? h('span', { class: 'tick-down', 'data-testid': 'exam-time-left', 'data-base': Math.round(exam.remainingMs / 1000), 'data-running': 'true' }, formatElapsed(exam.remainingMs))
        : h('span', { class: 'muted' }, '—'),
    ),
    h('td', { class: 'score', 'data-testid': 'exam-score', 'data-score': result ? String(result.score) : null }, result ? `${result.score} / ${result.maxScore} (${result.percent} %)` : h('span', { class: 'muted', title: 'Results are shown once this exam has ended' }, 'hidden')),
    h('td', { 'data-testid': 'exam-passed', 'data-passed': result ? String(result.passed) : null }, result ? h('span', { class: result.passed ? 'pass' : 'fail' }, result.passed ? 'passed' : 'not passed') : h('span', { class: 'muted' }, '—')),
    ...numbers.map((n) => {
      const q = result?.questions.find((x) => x.number === n);
      const label = q ? `${q.passed ? 'passed' : 'failed'}, ${q.score} / ${q.weight} points` : 'shown after the exam';
      return h(
        'td',
        {
          class: `board-cell ${q ? (q.passed ? 'pass' : 'fail') : 'unchecked'}`,
          'data-testid': 'board-exam-cell',
          'data-learner': l.displayName,
          'data-question': n,
          'data-passed': String(q?.passed ?? false),
          'data-checked': String(q !== undefined),
          title: `${l.displayName} · Q${n}${q ? ` (${q.scenarioId})` : ''}: ${label}`,
        },
        h('span', { 'aria-hidden': 'true' }, q ? (q.passed ? '✓' : '✗') : '·'),
        h('span', { class: 'visually-hidden' }, label),
      );
    }),
  );
}

function stateText(exam: SeatExamDto | null): HTMLElement {
  if (!exam) return h('span', { class: 'state muted' }, '—');
  if (exam.state === 'provisioning') {
    return h('span', { class: 'state provisioning' }, exam.clustersReady < exam.clusters ? `${STATE_TEXT.provisioning} (${exam.clustersReady} / ${exam.clusters})` : 'ready, waiting for the start');
  }
  return h('span', { class: `state ${exam.state === 'running' ? 'ready' : exam.state === 'finished' ? 'ended' : exam.state}` }, STATE_TEXT[exam.state]);
}
