/**
 * What a session page shows when it belongs to a workshop: the workshop's title, the scenario's
 * position (1/3), its deadline countdown, "Next scenario", the instructor's messages
 * (data-testid="notice") and, once the workshop ends, the learner's summary.
 */
import { messageOf, storeSessionToken } from '../api.js';
import type { PageContext } from '../context.js';
import { formatElapsed, h, inlineCode } from '../dom.js';
import { formatTime } from '../join.js';
import { sessionPath } from '../router.js';
import type { SessionDto } from '../../server/wire/types.js';
import type { SeatDto } from '../../server/wire/workshop.js';

/** The workshop a session belongs to, if any. */
export function workshopIdOf(session: SessionDto): string | undefined {
  return session.workshopId || undefined;
}

export interface WorkshopBar {
  el: HTMLElement;
  /** Fetches the seat again; `follow` moves the page to the seat's current session if it changed. */
  refresh(follow: boolean): Promise<void>;
  notice(e: { message: string; at: string }): void;
  dispose(): void;
}

export interface WorkshopBarHooks {
  /** The workshop ended: show `summary` instead of the workspace. */
  onEnded(summary: HTMLElement): void;
}

/** Creates the bar for session `sessionId` of workshop `workshopId` and loads the seat. */
export function createWorkshopBar(ctx: PageContext, workshopId: string, sessionId: string, hooks: WorkshopBarHooks): WorkshopBar {
  let seat: SeatDto | null = null;
  let disposed = false;
  let ended = false;
  const title = h('strong', { class: 'workshop-title', 'data-testid': 'workshop-title' }, 'Workshop');
  const position = h('span', { class: 'badge', 'data-testid': 'scenario-position' });
  const countdown = h('span', { class: 'countdown', 'data-testid': 'scenario-countdown', 'aria-live': 'off' });
  const next = h('button', { type: 'button', class: 'btn small primary', 'data-testid': 'next-scenario', hidden: true }, 'Next scenario →');
  const elsewhere = h('a', { class: 'btn small', 'data-link': true, 'data-testid': 'current-scenario', hidden: true, href: '/' }, 'Go to your current scenario');
  const noticeText = h('span', { class: 'notice-text' });
  const noticeTime = h('span', { class: 'notice-time muted' });
  const dismiss = h('button', { type: 'button', class: 'banner-close', 'aria-label': 'Dismiss message' }, '×');
  const notice = h('div', { class: 'notice', 'data-testid': 'notice', role: 'status', 'aria-live': 'assertive', hidden: true }, h('strong', {}, 'Instructor: '), noticeText, noticeTime, dismiss);
  const el = h('div', { class: 'workshop-strip' }, h('div', { class: 'workshop-bar', 'aria-label': 'Workshop' }, title, position, countdown, h('span', { class: 'spacer' }), elsewhere, next), notice);
  dismiss.addEventListener('click', () => (notice.hidden = true));

  next.addEventListener('click', async () => {
    const upcoming = seat ? seat.scenarios[seat.scenarioIndex + 1] : undefined;
    if (!upcoming || !window.confirm(`Move on to “${upcoming.title}”? You get a fresh cluster for it; this scenario's cluster is deleted.`)) return;
    next.disabled = true;
    next.textContent = 'Preparing…';
    try {
      follow(await ctx.api.nextScenario(workshopId));
    } catch (err) {
      ctx.banner.show(messageOf(err));
      next.disabled = false;
      next.textContent = 'Next scenario →';
    }
  });

  function follow(s: SeatDto): void {
    seat = s;
    if (s.sessionId && s.token) storeSessionToken(s.sessionId, s.token);
    if (s.state === 'open' && s.sessionId && s.sessionId !== sessionId) ctx.navigate(sessionPath(s.sessionId));
    else render();
  }

  function render(): void {
    if (!seat || disposed) return;
    title.textContent = seat.title;
    const total = seat.scenarios.length;
    position.textContent = `Scenario ${Math.min(seat.scenarioIndex + 1, total)}/${total}`;
    const current = seat.sessionId === sessionId;
    const open = seat.state === 'open';
    next.hidden = !(open && current && seat.scenarioIndex < total - 1);
    elsewhere.hidden = !(open && !current && seat.sessionId);
    if (seat.sessionId) elsewhere.setAttribute('href', sessionPath(seat.sessionId));
    tick();
    if (!open && !ended) {
      ended = true;
      hooks.onEnded(summaryPanel(seat));
    }
  }

  function tick(): void {
    if (!seat) return;
    if (seat.state === 'ended') {
      countdown.textContent = 'Workshop ended';
      countdown.className = 'countdown';
      return;
    }
    const deadline = seat.scenarioDeadline ? Date.parse(seat.scenarioDeadline) : NaN;
    if (Number.isNaN(deadline)) {
      countdown.textContent = `Workshop ends ${formatTime(seat.endsAt)}`;
      countdown.className = 'countdown muted';
      return;
    }
    const left = deadline - Date.now();
    countdown.textContent = left > 0 ? `${formatElapsed(left)} left` : 'Time is up for this scenario';
    countdown.className = `countdown ${left <= 0 ? 'fail' : left < 5 * 60_000 ? 'warn' : ''}`;
  }
  const ticker = window.setInterval(tick, 1000);

  const bar: WorkshopBar = {
    el,
    async refresh(followSeat) {
      try {
        const s = await ctx.api.seat(workshopId);
        if (disposed) return;
        if (followSeat) follow(s);
        else {
          seat = s;
          if (s.sessionId && s.token) storeSessionToken(s.sessionId, s.token);
          render();
        }
      } catch (err) {
        if (!disposed) ctx.banner.show(messageOf(err));
      }
    },
    notice(e) {
      noticeText.textContent = e.message;
      const at = new Date(e.at);
      noticeTime.textContent = Number.isNaN(at.getTime()) ? '' : ` · ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
      notice.hidden = false;
    },
    dispose() {
      disposed = true;
      clearInterval(ticker);
    },
  };
  return bar;
}

/** The learner's end-of-workshop summary: each task passed or failed, and the score. */
export function summaryPanel(seat: SeatDto): HTMLElement {
  const score = seat.summary.reduce((sum, t) => sum + (t.passed ? t.weight : 0), 0);
  const max = seat.summary.reduce((sum, t) => sum + t.weight, 0);
  const groups = seat.scenarios.map((s) => ({ ...s, tasks: seat.summary.filter((t) => t.scenarioId === s.id) })).filter((g) => g.tasks.length > 0);
  return h(
    'section',
    { class: 'panel narrow summary', 'data-testid': 'workshop-summary', 'aria-label': 'Workshop summary' },
    h('h2', {}, `${seat.title} has ended`),
    h('p', {}, `Well done, ${seat.displayName}. Your score: `, h('strong', { 'data-testid': 'workshop-score', class: score === max && max > 0 ? 'pass' : '' }, `${score} / ${max}`)),
    ...groups.map((g) =>
      h(
        'div',
        { class: 'summary-scenario', 'data-scenario': g.id },
        h('h3', {}, g.title),
        h(
          'ul',
          { class: 'summary-tasks' },
          ...g.tasks.map((t) =>
            h(
              'li',
              { class: `summary-task ${t.passed ? 'pass' : 'fail'}`, 'data-testid': 'summary-task', 'data-task': t.taskId, 'data-scenario': t.scenarioId, 'data-passed': String(t.passed) },
              h('span', { class: 'status-icon', 'aria-hidden': 'true' }, t.passed ? '✓' : '✗'),
              h('span', { class: 'task-title' }, inlineCode(t.title)),
              h('span', { class: 'badge' }, `${t.weight} ${t.weight === 1 ? 'pt' : 'pts'}`),
              h('span', { class: `status ${t.passed ? 'pass' : 'fail'}` }, t.passed ? 'Passed' : 'Failed'),
            ),
          ),
        ),
      ),
    ),
    groups.length === 0 ? h('p', { class: 'muted' }, 'No task was graded in this workshop.') : null,
    h('p', { class: 'muted' }, 'Your clusters have been deleted. Thank you for taking part!'),
  );
}
