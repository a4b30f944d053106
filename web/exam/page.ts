/**
 * The mock exam page (`/exam/:id`, ⚑ test ids): while the clusters are prepared, their progress;
 * then the server-owned timer with alerts at 30, 15 and 5 minutes (`exam-alert`, see alerts.ts for
 * when each shows), the question list (number,
 * weight, flag), one question at a time with the context and node it runs on, a notepad, and the
 * terminal of that question's cluster; Finish (listing flagged questions) or the clock's end shows
 * the results page.
 */
import { messageOf } from '../api.js';
import type { Page, PageContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { renderMarkdown } from '../session/markdown.js';
import { connectTerminal, type TerminalSocket } from '../session/socket.js';
import { createTerminalView, type TerminalView } from '../session/terminal.js';
import type { ExamAttemptDto } from '../../server/wire/exam.js';
import { ExamAlerts } from './alerts.js';
import { renderResults } from './results.js';

/** The marks this browser already announced for an attempt (so a reload does not announce them again). */
function storedAlerts(key: string): number[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    return [];
  }
}

/** Renders exam attempt `attemptId` into `root`. */
export function renderExam(root: HTMLElement, ctx: PageContext, attemptId: string): Page {
  let disposed = false;
  let attempt: ExamAttemptDto | null = null;
  let current = 1;
  let viewed = false;
  let deadline = 0;
  let tick = 0;
  let poll = 0;
  /** Milliseconds in an exam minute by the server's clock (60 000 unless tests speed it up). */
  let minuteMs = 60_000;
  /** The exam's whole length (ms), once the clock runs. */
  let totalMs: number | undefined;
  /** When the page last asked the server whether an exam at 0 has ended (ask at most once a second). */
  let endAsked = 0;
  const alertsKey = `cks-exam-alerts:${attemptId}`;
  const alerts = new ExamAlerts(storedAlerts(alertsKey), (marks) => {
    try {
      localStorage.setItem(alertsKey, JSON.stringify(marks));
    } catch {
      // No storage: a reload may announce the current mark once more.
    }
  });
  let terminal: { cluster: string; view: TerminalView; socket: TerminalSocket } | null = null;

  const timer = h('span', { class: 'exam-timer', 'data-testid': 'exam-timer', role: 'timer', 'aria-live': 'off' }, '--:--');
  const finish = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'exam-finish', disabled: true }, 'Finish exam');
  const title = h('h1', { class: 'session-title' }, 'Mock exam');
  const body = h('div', { class: 'exam-body' });
  const alertText = h('span', { class: 'exam-alert-text' });
  const alertOk = h('button', { type: 'button', class: 'btn', 'aria-label': 'Dismiss the time alert' }, 'OK');
  const alertBox = h('div', { class: 'exam-alert', 'data-testid': 'exam-alert', role: 'status', hidden: true }, alertText, alertOk);
  alertOk.addEventListener('click', () => (alertBox.hidden = true));
  replaceChildren(root, h('div', { class: 'session exam' }, h('header', { class: 'session-header' }, h('a', { href: '/', 'data-link': true, class: 'home' }, 'CKS Lab'), title, timer, finish), alertBox, body));

  const list = h('nav', { class: 'exam-questions', 'aria-label': 'Questions' });
  const question = h('article', { class: 'instructions markdown exam-question', 'aria-live': 'polite' });
  const flag = h('button', { type: 'button', class: 'btn', 'data-testid': 'exam-flag', 'aria-pressed': 'false' }, 'Flag for review');
  const where = h('p', { class: 'exam-where', 'data-testid': 'exam-where' });
  const notes = h('textarea', { class: 'exam-notes', 'aria-label': 'Notepad', placeholder: 'Notepad (kept in this browser)', rows: 5 });
  const termBox = h('div', { class: 'terminal', 'data-testid': 'terminal', 'aria-label': 'Terminal' });
  const confirmBox = h('section', { class: 'panel exam-confirm', hidden: true, role: 'dialog', 'aria-label': 'Finish the exam?' });
  const workspace = h(
    'div',
    { class: 'workspace' },
    // Shown by app.css on a narrow screen, where the terminal pane is hidden.
    h('p', { class: 'narrow-terminal-notice', 'data-testid': 'narrow-terminal-notice', role: 'note' }, 'The terminal needs a wider screen (at least 720 px): take the exam on a computer. The questions are below.'),
    h('section', { class: 'left-pane' }, list, h('div', { class: 'exam-toolbar' }, flag), where, question, notes),
    h('section', { class: 'terminal-pane' }, termBox),
  );

  const notesKey = `cks-exam-notes:${attemptId}`;
  try {
    notes.value = localStorage.getItem(notesKey) ?? '';
  } catch {
    // No storage: the notepad still works for this page.
  }
  notes.addEventListener('input', () => {
    try {
      localStorage.setItem(notesKey, notes.value);
    } catch {
      // best effort
    }
  });

  flag.addEventListener('click', async () => {
    if (!attempt) return;
    const q = attempt.questions.find((x) => x.number === current);
    if (!q) return;
    try {
      const { flags } = await ctx.api.flagQuestion(attemptId, current, !q.flagged);
      for (const x of attempt.questions) x.flagged = flags.includes(x.number);
      drawList();
      showQuestion(current);
    } catch (err) {
      ctx.banner.show(messageOf(err));
    }
  });

  finish.addEventListener('click', () => {
    if (!attempt) return;
    const flagged = attempt.questions.filter((q) => q.flagged).map((q) => q.number);
    const yes = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'exam-finish-confirm' }, 'Finish and grade');
    const no = h('button', { type: 'button', class: 'btn' }, 'Keep working');
    replaceChildren(
      confirmBox,
      h('h2', {}, 'Finish the exam?'),
      h('p', {}, flagged.length ? `You flagged question${flagged.length > 1 ? 's' : ''} ${flagged.join(', ')} for review.` : 'No question is flagged for review.'),
      h('p', { class: 'muted' }, 'Every question is graded on its own cluster now; you cannot change your answers afterwards.'),
      h('div', { class: 'card-actions' }, no, yes),
    );
    confirmBox.hidden = false;
    no.addEventListener('click', () => (confirmBox.hidden = true));
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      yes.textContent = 'Grading…';
      try {
        show(await ctx.api.finishExam(attemptId));
      } catch (err) {
        ctx.banner.show(messageOf(err));
        yes.disabled = false;
        yes.textContent = 'Finish and grade';
      }
    });
  });

  function drawList(): void {
    if (!attempt) return;
    replaceChildren(
      list,
      ...attempt.questions.map((q) => {
        const link = h(
          'button',
          {
            type: 'button',
            class: `exam-question-link${q.number === current ? ' current' : ''}${q.flagged ? ' flagged' : ''}`,
            'data-testid': 'exam-question-link',
            'data-index': String(q.number),
            'data-flagged': String(q.flagged),
            'aria-current': q.number === current ? 'true' : 'false',
            title: `${q.title} (${q.weight} points)`,
          },
          `${q.number}${q.flagged ? ' ⚑' : ''}`,
          h('small', {}, ` ${q.weight}p`),
        );
        link.addEventListener('click', () => showQuestion(q.number));
        return link;
      }),
    );
  }

  function showQuestion(n: number): void {
    if (!attempt) return;
    const q = attempt.questions.find((x) => x.number === n);
    if (!q) return;
    if (n !== current || !viewed) void ctx.api.viewQuestion(attemptId, n).catch(() => undefined);
    viewed = true;
    current = n;
    drawList();
    flag.setAttribute('aria-pressed', String(q.flagged));
    flag.textContent = q.flagged ? 'Unflag' : 'Flag for review';
    const cluster = attempt.clusters.find((c) => c.name === q.cluster);
    replaceChildren(
      where,
      h('strong', {}, `Question ${q.number} · ${q.weight} points · ${q.domain}`),
      h('br'),
      'Solve this question on cluster ',
      h('code', {}, q.cluster),
      cluster?.node ? h('span', {}, ' (node ', h('code', {}, cluster.node), ')') : null,
      '. As on the exam, switch to it first: ',
      h('code', {}, `kubectl config use-context ${q.cluster}`),
      ' (every exam cluster is a context in every terminal). The terminal below is on that cluster’s control-plane node.',
      ...otherNodes(cluster?.nodes ?? []),
    );
    renderMarkdown(question, q.instructions);
    attachTerminal(q.cluster);
  }

  /** A multi-node cluster's other nodes, reached as on the exam: `ssh <node>`. */
  function otherNodes(nodes: { name: string; ssh: string }[]): (Node | string)[] {
    const others = nodes.filter((n) => n.ssh !== 'control-plane');
    if (others.length === 0) return [];
    const out: (Node | string)[] = [' Its other nodes: '];
    others.forEach((n, i) => out.push(i > 0 ? ', ' : '', h('code', { 'data-testid': 'exam-node' }, n.name), ' (', h('code', {}, `ssh ${n.ssh}`), ')'));
    out.push('.');
    return out;
  }

  /** The terminal of the cluster the current question runs on (switching question may switch cluster). */
  function attachTerminal(clusterName: string): void {
    if (!attempt || terminal?.cluster === clusterName) return;
    const cluster = attempt.clusters.find((c) => c.name === clusterName);
    if (!cluster?.sessionId || !cluster.token) return;
    detachTerminal();
    const holder: { socket: TerminalSocket | null } = { socket: null };
    const view = createTerminalView({
      onInput: (data) => holder.socket?.emit('input', data),
      onResize: (size) => holder.socket?.emit('resize', size),
      onAck: (chars) => holder.socket?.emit('ack', chars),
    });
    replaceChildren(termBox);
    view.open(termBox);
    const socket = connectTerminal(cluster.sessionId, cluster.token);
    holder.socket = socket;
    socket.on('connect', () => socket.emit('resize', view.size()));
    socket.on('replay', (d) => view.replay(d));
    socket.on('output', (d) => view.write(d));
    socket.on('problem', (e) => ctx.banner.show(e.message));
    terminal = { cluster: clusterName, view, socket };
    view.focus();
  }

  function detachTerminal(): void {
    terminal?.socket.removeAllListeners();
    terminal?.socket.disconnect();
    terminal?.view.dispose();
    terminal = null;
  }

  function drawTimer(): void {
    const left = Math.max(0, deadline - Date.now());
    // In exam minutes and seconds: the same as real ones unless a test sped the clock up.
    const examSeconds = Math.floor((left / minuteMs) * 60);
    timer.textContent = `${Math.floor(examSeconds / 60)}:${String(examSeconds % 60).padStart(2, '0')} left`;
    timer.dataset.remainingMs = String(left);
    const change = alerts.update(left, minuteMs, totalMs);
    if (change) showAlert(change.minutes, change.fresh);
    // At 0 the server grades by itself: ask for the result (once a second, not at every tick).
    if (left === 0 && Date.now() - endAsked >= 1000) {
      endAsked = Date.now();
      void refresh();
    }
  }

  /** A fresh mark is an alert (announced, highlighted); one already announced is shown quietly. */
  function showAlert(minutes: number, fresh: boolean): void {
    alertText.textContent = `Less than ${minutes} minutes left in the exam.`;
    alertBox.setAttribute('role', fresh ? 'alert' : 'status');
    alertBox.classList.toggle('fresh', fresh);
    alertBox.classList.toggle('urgent', minutes <= 5);
    alertBox.dataset.fresh = String(fresh);
    alertBox.dataset.minutes = String(minutes);
    alertBox.hidden = false;
  }

  function show(a: ExamAttemptDto): void {
    if (disposed) return;
    attempt = a;
    minuteMs = a.minuteMs > 0 ? a.minuteMs : 60_000;
    if (a.startedAt && a.endsAt) totalMs = Date.parse(a.endsAt) - Date.parse(a.startedAt);
    if (a.state === 'finished' || a.state === 'failed') {
      clearInterval(tick);
      clearInterval(poll);
      detachTerminal();
      finish.hidden = true;
      alertBox.hidden = true;
      timer.textContent = a.state === 'finished' ? 'Ended' : 'Failed';
      replaceChildren(body, a.state === 'finished' ? renderResults(a) : h('section', { class: 'panel narrow' }, h('h2', {}, 'The exam could not start'), h('p', {}, a.error ?? ''), h('a', { class: 'btn primary', href: '/', 'data-link': true }, 'Back to the catalog')));
      return;
    }
    if (a.state === 'grading') {
      // The time ran out (or Finish was pressed, here or in another tab): the server is grading.
      clearInterval(tick);
      detachTerminal();
      finish.disabled = true;
      alertBox.hidden = true;
      timer.textContent = '0:00 left';
      replaceChildren(body, h('section', { class: 'panel narrow', 'data-testid': 'exam-grading' }, h('h2', {}, 'Grading your exam'), h('p', {}, 'Every question is being graded on its own cluster; the results follow in a moment.')));
      return;
    }
    if (a.state !== 'running' || a.remainingMs === null) {
      const ready = a.clusters.filter((c) => c.state === 'ready').length;
      // A workshop's exam starts for everyone at once (opensAt), not when this learner's clusters are ready.
      const startsLater = a.opensAt && Date.parse(a.opensAt) > Date.now() ? ` The exam starts for everyone at ${new Date(a.opensAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.` : ' The clock starts when all are.';
      replaceChildren(body, h('section', { class: 'panel narrow', 'data-testid': 'provision-progress' }, h('h2', {}, 'Preparing your exam'), h('p', {}, `${ready} of ${a.clusters.length} cluster(s) ready.${startsLater}`)));
      return;
    }
    deadline = Date.now() + a.remainingMs;
    finish.disabled = false;
    if (!workspace.isConnected) {
      replaceChildren(body, confirmBox, workspace);
      showQuestion(current);
      clearInterval(tick);
      // One exam second per tick (a real second, unless a test sped the clock up), so no mark is skipped.
      tick = window.setInterval(drawTimer, Math.max(50, Math.min(1000, Math.round(minuteMs / 60))));
    }
    drawTimer();
  }

  async function refresh(): Promise<void> {
    try {
      show(await ctx.api.examAttempt(attemptId));
    } catch (err) {
      if (!disposed) ctx.banner.show(messageOf(err));
    }
  }

  void (async () => {
    try {
      const a = await ctx.api.examAttempt(attemptId);
      title.textContent = a.title;
      document.title = `${title.textContent} · CKS Lab`;
      show(a);
      // The server owns the clock: re-read it now and then (and the clusters while they are prepared).
      poll = window.setInterval(() => void refresh(), 3000);
    } catch (err) {
      if (disposed) return;
      replaceChildren(body, h('section', { class: 'panel narrow' }, h('p', {}, messageOf(err)), h('a', { class: 'btn', href: '/', 'data-link': true }, 'Back')));
    }
  })();

  return {
    dispose() {
      disposed = true;
      clearInterval(tick);
      clearInterval(poll);
      detachTerminal();
      document.title = 'CKS Lab';
    },
  };
}
