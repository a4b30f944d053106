/**
 * The session page (`/s/:id`): header (title, elapsed time, Stop), the provisioning panel while
 * the cluster is prepared, then the split view: instructions + Check panel | terminal.
 */
import { messageOf, sessionToken } from '../api.js';
import type { Page, PageContext } from '../context.js';
import { formatElapsed, h, replaceChildren } from '../dom.js';
import type { ScenarioDetailDto, SessionDto } from '../../server/wire/types.js';
import { createGradePanel } from './grade.js';
import { renderMarkdown } from './markdown.js';
import { createProgressPanel } from './progress.js';
import { connectTerminal, type TerminalSocket } from './socket.js';
import { createTerminalView } from './terminal.js';
import { createWorkshopBar, workshopIdOf, type WorkshopBar } from './workshop.js';

/** Renders session `sessionId` into `root`. */
export function renderSession(root: HTMLElement, ctx: PageContext, sessionId: string): Page {
  let disposed = false;
  let socket: TerminalSocket | null = null;
  let timer = 0;
  let workshop: WorkshopBar | null = null;

  const title = h('h1', { class: 'session-title' }, 'Loading lab…');
  const elapsed = h('span', { class: 'elapsed muted', 'aria-label': 'Time elapsed' });
  const stop = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'stop-lab', disabled: true }, 'Stop lab');
  const body = h('div', { class: 'session-body' });
  const header = h('header', { class: 'session-header' }, h('a', { href: '/', 'data-link': true, class: 'home', 'aria-label': 'All labs' }, 'CKS Lab'), title, elapsed, stop);
  replaceChildren(root, h('div', { class: 'session' }, header, body));

  const terminal = createTerminalView({
    onInput: (data) => socket?.emit('input', data),
    onResize: (size) => socket?.emit('resize', size),
    onAck: (chars) => socket?.emit('ack', chars),
  });
  const progress = createProgressPanel(async () => {
    try {
      show(await ctx.api.retry(sessionId));
    } catch (err) {
      ctx.banner.show(messageOf(err));
    }
  });
  const grade = createGradePanel(ctx, sessionId);
  const instructions = h('article', { class: 'instructions markdown', 'aria-label': 'Instructions' });
  const termBox = h('div', { class: 'terminal', 'data-testid': 'terminal', 'aria-label': 'Terminal on the control-plane node' });
  const workspace = h(
    'div',
    { class: 'workspace' },
    // Shown by app.css on a narrow screen (a phone), where the terminal pane is hidden: the
    // instructions stay readable, and the learner knows why there is no terminal.
    h(
      'p',
      { class: 'narrow-terminal-notice', 'data-testid': 'narrow-terminal-notice', role: 'note' },
      'The terminal needs a wider screen (at least 720 px): open this lab on a computer or a tablet in landscape to work in it. The instructions and your results are below.',
    ),
    h('section', { class: 'left-pane', 'aria-label': 'Instructions and checks' }, instructions, grade.el),
    h('section', { class: 'terminal-pane' }, termBox),
  );

  stop.addEventListener('click', async () => {
    if (!window.confirm('Stop this lab? Its cluster is deleted and any work in it is lost.')) return;
    stop.disabled = true;
    try {
      await ctx.api.stop(sessionId);
      ctx.navigate('/');
    } catch (err) {
      ctx.banner.show(messageOf(err));
      stop.disabled = false;
    }
  });

  function show(session: SessionDto): void {
    if (disposed) return;
    grade.setSolutionAvailable(session.solutionAvailable);
    grade.setAutoCheck(session.autoCheck === true);
    stop.disabled = session.state === 'ended';
    if (session.state === 'ready') {
      if (!workspace.isConnected) {
        replaceChildren(body, workspace);
        terminal.open(termBox);
        socket?.emit('resize', terminal.size());
        terminal.focus();
      }
      return;
    }
    if (session.state === 'ended') {
      stopSocket();
      clearInterval(timer);
      if (workshop) {
        // Ended by the workshop (summary), a reset or the next scenario (another session): ask the seat.
        replaceChildren(body, h('section', { class: 'panel narrow' }, h('h2', {}, 'This scenario has ended'), h('p', {}, 'Its cluster was deleted. Looking for your seat…')));
        void workshop.refresh(true);
        return;
      }
      replaceChildren(body, h('section', { class: 'panel narrow' }, h('h2', {}, 'This lab has ended'), h('p', {}, 'Its cluster was deleted. Start the scenario again from the catalog to get a fresh one.'), h('a', { class: 'btn primary', href: '/', 'data-link': true }, 'Back to the labs')));
      return;
    }
    progress.reset(session);
    if (!progress.el.isConnected) replaceChildren(body, progress.el);
  }

  function stopSocket(): void {
    socket?.removeAllListeners();
    socket?.disconnect();
    socket = null;
  }

  function connect(): void {
    const s = connectTerminal(sessionId, sessionToken(sessionId));
    socket = s;
    s.on('connect', () => {
      if (workspace.isConnected) s.emit('resize', terminal.size());
    });
    s.on('state', show);
    s.on('progress', (p) => progress.add(p));
    s.on('replay', (data) => terminal.replay(data));
    s.on('output', (data) => terminal.write(data));
    s.on('exit', ({ code }) => terminal.notice(`[The shell exited${code === null ? '' : ` with code ${code}`}.]`));
    s.on('problem', (e) => ctx.banner.show(e.message));
    s.on('notice', (e) => workshop?.notice(e));
    // A live auto-check (or a Check from another tab): the tasks turn green as they are done.
    s.on('graded', (g) => grade.show(g));
    s.on('seat', () => void workshop?.refresh(true));
    s.on('connect_error', (err) => {
      // A refused handshake (bad token, unknown session) carries the server's message.
      ctx.banner.show(err.message && !/xhr|websocket|timeout/i.test(err.message) ? err.message : 'Lost the connection to the terminal. Reconnecting…');
    });
    s.io.on('reconnect', () => ctx.banner.clear());
    s.on('disconnect', (reason) => {
      // socket.io reconnects by itself except when the server closed us on purpose (the terminal
      // was opened elsewhere, or the session ended): say so instead of fighting the other tab.
      if (reason === 'io server disconnect' && !disposed) ctx.banner.show('This terminal was closed by the server (opened in another tab?). Reload the page to use it here.');
    });
  }

  void (async () => {
    let session: SessionDto;
    let detail: ScenarioDetailDto;
    try {
      session = await ctx.api.session(sessionId);
      detail = await ctx.api.sessionScenario(sessionId);
    } catch (err) {
      if (disposed) return;
      title.textContent = 'Lab not available';
      replaceChildren(body, h('section', { class: 'panel narrow' }, h('p', {}, messageOf(err)), h('a', { class: 'btn', href: '/', 'data-link': true }, 'Back to the labs')));
      ctx.banner.show(messageOf(err));
      return;
    }
    if (disposed) return;
    const workshopId = workshopIdOf(session);
    if (workshopId) {
      // A workshop seat: the instructor decides when it ends, so no Stop button.
      stop.hidden = true;
      workshop = createWorkshopBar(ctx, workshopId, sessionId, {
        onEnded(summary) {
          stopSocket();
          clearInterval(timer);
          elapsed.textContent = '';
          replaceChildren(body, summary);
        },
      });
      header.after(workshop.el);
      void workshop.refresh(false);
    }
    title.textContent = detail.title;
    document.title = `${detail.title} · CKS Lab`;
    renderMarkdown(instructions, detail.instructions);
    grade.show(session.lastGrade);
    const started = Date.parse(session.createdAt);
    const tick = (): void => {
      elapsed.textContent = `${formatElapsed(Date.now() - started)} elapsed · ${detail.timeLimitMinutes} min suggested`;
    };
    tick();
    timer = window.setInterval(tick, 1000);
    show(session);
    if (session.state !== 'ended') connect();
  })();

  return {
    dispose() {
      disposed = true;
      clearInterval(timer);
      stopSocket();
      workshop?.dispose();
      terminal.dispose();
      document.title = 'CKS Lab';
    },
  };
}
