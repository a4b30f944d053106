/**
 * The Check panel: the Check button (disabled, "Checking…" while the grade runs), the score,
 * one result per task with each check's message and expected vs found, the task hint when it
 * failed, and "Show solution" once the server offers it.
 */
import { messageOf } from '../api.js';
import type { GradeJson } from '../../server/wire/types.js';
import type { PageContext } from '../context.js';
import { h, inlineCode, replaceChildren } from '../dom.js';
import { renderMarkdown } from './markdown.js';

type CheckJson = GradeJson['tasks'][number]['checks'][number];
type TaskJson = GradeJson['tasks'][number];

export interface GradePanel {
  el: HTMLElement;
  /** Show a grade (the last one on load, then each new one). */
  show(grade: GradeJson | null): void;
  setSolutionAvailable(available: boolean): void;
  /** Reflect the session's live auto-check setting. */
  setAutoCheck(on: boolean): void;
}

/** Creates the panel for session `sessionId`. */
export function createGradePanel(ctx: PageContext, sessionId: string): GradePanel {
  const check = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'check-button' }, 'Check');
  const scoreBox = h('div', { class: 'score-box', 'aria-live': 'polite' });
  const results = h('ol', { class: 'task-results', 'aria-label': 'Task results' });
  const solutionButton = h('button', { type: 'button', class: 'btn', 'data-testid': 'show-solution', hidden: true }, 'Show solution');
  const solution = h('div', { class: 'solution markdown', 'data-testid': 'solution', hidden: true });
  const auto = h('input', { type: 'checkbox', 'data-testid': 'auto-check' });
  const autoLabel = h('label', { class: 'auto-check', title: 'Grade the cluster in the background while you work: tasks turn green as you complete them.' }, auto, ' Live check');
  const el = h(
    'section',
    { class: 'grade-panel', 'aria-label': 'Check your work' },
    h('div', { class: 'grade-bar' }, check, scoreBox, solutionButton, autoLabel),
    h('p', { class: 'muted grade-empty' }, 'Press Check when you are done: the cluster itself is graded.'),
    results,
    solution,
  );

  check.addEventListener('click', async () => {
    check.disabled = true;
    check.textContent = 'Checking…';
    ctx.banner.clear();
    try {
      show(await ctx.api.grade(sessionId));
      results.querySelector('[data-passed="false"]')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      // After a first attempt the solution may be offered: ask the server rather than guess.
      const session = await ctx.api.session(sessionId).catch(() => null);
      if (session) setSolutionAvailable(session.solutionAvailable);
    } catch (err) {
      ctx.banner.show(messageOf(err));
    } finally {
      check.disabled = false;
      check.textContent = 'Check';
    }
  });

  auto.addEventListener('change', async () => {
    const want = auto.checked;
    auto.disabled = true;
    try {
      const s = await ctx.api.setAutoCheck(sessionId, want);
      auto.checked = s.autoCheck === true;
    } catch (err) {
      auto.checked = !want;
      ctx.banner.show(messageOf(err));
    } finally {
      auto.disabled = false;
    }
  });

  solutionButton.addEventListener('click', async () => {
    if (!solution.hidden) {
      solution.hidden = true;
      solutionButton.textContent = 'Show solution';
      return;
    }
    solutionButton.disabled = true;
    try {
      const { markdown } = await ctx.api.solution(sessionId);
      renderMarkdown(solution, markdown);
      solution.hidden = false;
      solution.scrollIntoView({ block: 'start', behavior: 'smooth' });
      solutionButton.textContent = 'Hide solution';
    } catch (err) {
      ctx.banner.show(messageOf(err));
    } finally {
      solutionButton.disabled = false;
    }
  });

  function show(grade: GradeJson | null): void {
    el.classList.toggle('graded', grade !== null);
    if (!grade) {
      replaceChildren(scoreBox);
      replaceChildren(results);
      return;
    }
    replaceChildren(
      scoreBox,
      h('span', { class: 'muted' }, 'Score '),
      h('strong', { 'data-testid': 'score', class: grade.passed ? 'pass' : 'fail' }, `${grade.score} / ${grade.maxScore}`),
      grade.passed ? h('span', { class: 'pass' }, ' — all tasks passed') : null,
    );
    replaceChildren(results, ...grade.tasks.map(taskResult));
  }

  function setSolutionAvailable(available: boolean): void {
    solutionButton.hidden = !available;
  }

  function setAutoCheck(on: boolean): void {
    auto.checked = on;
  }

  return { el, show, setSolutionAvailable, setAutoCheck };
}

function taskResult(task: TaskJson): HTMLElement {
  const skipped = task.skipped === true;
  return h(
    'li',
    {
      class: `task ${skipped ? 'skip' : task.passed ? 'pass' : 'fail'}`,
      'data-testid': 'task-result',
      'data-passed': String(task.passed),
      'data-skipped': skipped ? 'true' : null,
      'data-task-id': task.id,
    },
    h(
      'div',
      { class: 'task-head' },
      h('span', { class: 'status-icon', 'aria-hidden': 'true' }, skipped ? '–' : task.passed ? '✓' : '✗'),
      h('span', { class: 'task-title' }, inlineCode(task.title)),
      h('span', { class: 'badge' }, skipped ? 'not scored here' : `${task.weight} ${task.weight === 1 ? 'pt' : 'pts'}`),
      h('span', { class: `status ${skipped ? 'skip' : task.passed ? 'pass' : 'fail'}` }, skipped ? 'Not checked on this host' : task.passed ? 'Passed' : 'Failed'),
    ),
    h('ul', { class: 'checks' }, ...task.checks.map(checkResult)),
    !task.passed && task.hint ? h('p', { class: 'hint' }, h('strong', {}, 'Hint: '), inlineCode(task.hint)) : null,
  );
}

function checkResult(c: CheckJson): HTMLElement {
  const label = c.status === 'error' ? 'Could not check' : c.status === 'skip' ? 'Not checked on this host' : c.passed ? 'Passed' : 'Failed';
  const cls = c.status === 'error' ? 'error' : c.status === 'skip' ? 'skip' : c.passed ? 'pass' : 'fail';
  return h(
    'li',
    { class: `check ${cls}`, 'data-check-id': c.id, 'data-status': c.status },
    h('span', { class: 'status-icon', 'aria-label': label, title: label }, c.status === 'error' ? '!' : c.status === 'skip' ? '–' : c.passed ? '✓' : '✗'),
    h(
      'div',
      { class: 'check-body' },
      h('p', { class: 'check-message' }, inlineCode(c.message)),
      h('dl', { class: 'expected-found' }, h('dt', {}, 'Expected'), h('dd', {}, h('code', {}, c.expected || '—')), h('dt', {}, 'Found'), h('dd', {}, h('code', {}, c.actual || '—'))),
    ),
  );
}
