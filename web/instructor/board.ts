/**
 * The live board (`/instructor/w/:id`): pushed over the `/workshop` socket (no polling), with
 * the pool's status, broadcast, end, exports, the learners × tasks grid and the shadow panel.
 */
import { ApiError, messageOf } from '../api.js';
import type { Page, PageContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { formatTime } from '../join.js';
import type { BoardDto, BoardLearnerDto } from '../../server/wire/workshop.js';
import { isUnauthorized } from './api.js';
import { renderExamGrid } from './examGrid.js';
import { renderGrid, tickGrid } from './grid.js';
import { withInstructor, type InstructorContext } from './login.js';
import { createShadowPanel } from './shadow.js';
import { connectWorkshop } from './socket.js';

/** Renders the board of workshop `workshopId` (behind the token gate). */
export function renderBoard(root: HTMLElement, ctx: PageContext, workshopId: string): Page {
  return withInstructor(root, ctx, (ictx) => board(root, ictx, workshopId));
}

function board(root: HTMLElement, ictx: InstructorContext, workshopId: string): Page {
  let disposed = false;
  let latest: BoardDto | null = null;
  let receivedAt = Date.now();
  const api = ictx.instructor;
  const socket = connectWorkshop(ictx.instructorToken);
  const shadow = createShadowPanel(socket, () => latest && render(latest));

  const title = h('h1', { class: 'board-title' }, 'Loading workshop…');
  const facts = h('div', { class: 'board-facts' });
  const pool = h('div', { class: 'pool-status', 'data-testid': 'pool-status', 'aria-label': 'Cluster pool' });
  const status = h('p', { class: 'board-status muted', 'data-testid': 'board-status', role: 'status' });
  const gridBox = h('div', { class: 'board-grid-box' }, h('p', { class: 'muted' }, 'Loading the board…'));
  const message = h('input', { id: 'broadcast', class: 'input', 'data-testid': 'broadcast-input', maxlength: 500, placeholder: 'Message to every learner', autocomplete: 'off' });
  const send = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'broadcast-button' }, 'Broadcast');
  const endButton = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'end-workshop' }, 'End workshop');
  const csv = h('button', { type: 'button', class: 'btn', 'data-testid': 'export-csv' }, 'Export CSV');
  const json = h('button', { type: 'button', class: 'btn', 'data-testid': 'export-json' }, 'Export JSON');
  const broadcast = h('form', { class: 'broadcast' }, h('label', { for: 'broadcast', class: 'visually-hidden' }, 'Broadcast message'), message, send);

  replaceChildren(
    root,
    h(
      'main',
      { class: 'page wide board-page', 'data-testid': 'board' },
      h('header', { class: 'page-header' }, h('div', { class: 'board-heading' }, h('a', { href: '/instructor', 'data-link': true, class: 'muted' }, '← Workshops'), title, facts), h('div', { class: 'board-tools' }, csv, json, endButton)),
      h('div', { class: 'board-bar' }, pool, broadcast),
      status,
      gridBox,
      shadow.el,
    ),
  );

  function render(b: BoardDto): void {
    latest = b;
    receivedAt = Date.now();
    const w = b.workshop;
    title.textContent = w.title;
    document.title = `${w.title} · Board · CKS Lab`;
    const joinUrl = new URL(w.joinUrl, location.origin).href;
    replaceChildren(
      facts,
      h(
        'span',
        { class: 'join-line' },
        h('span', { class: `badge state-${w.state}`, 'data-testid': 'workshop-state' }, w.state),
        h('span', {}, 'Join code ', h('strong', { class: 'join-code', 'data-testid': 'join-code' }, w.joinCode)),
        h('a', { href: joinUrl, target: '_blank', rel: 'noopener', 'data-testid': 'join-url' }, joinUrl),
      ),
      h(
        'span',
        { class: 'muted' },
        `${w.seatsTaken} / ${w.seats} seats taken · ${formatTime(w.startsAt)} – ${formatTime(w.endsAt)}`,
        w.exam ? ` · mock exam “${w.exam.title}”: ${w.exam.durationMinutes} min for everyone, ${formatTime(w.exam.startsAt)} – ${formatTime(w.exam.endsAt)}; results after each exam ends` : '',
        w.timeLimitMinutes ? ` · ${w.timeLimitMinutes} min per scenario` : '',
        w.exam ? '' : w.backgroundCheckSeconds ? ` · checked every ${w.backgroundCheckSeconds} s` : ' · no background check',
      ),
    );
    replaceChildren(
      pool,
      h('span', { class: 'muted' }, 'Clusters '),
      stat('capacity', b.pool.capacity),
      stat('ready', b.pool.ready),
      stat('provisioning', b.pool.provisioning),
      stat('waiting', b.pool.waiting, b.pool.waiting > 0 ? 'warn' : ''),
    );
    const open = w.state === 'open';
    endButton.disabled = !open;
    send.disabled = !open;
    message.disabled = !open;
    // Follow the shadowed learner onto their next session (next scenario) or fresh shell (reset).
    const followed = shadow.seatId ? b.learners.find((l) => l.seatId === shadow.seatId) : undefined;
    if (followed?.sessionId && followed.sessionState === 'ready' && (followed.sessionId !== shadow.sessionId || shadow.ended)) shadow.open(followed.seatId, followed.sessionId, followed.displayName);
    const focused = document.activeElement as HTMLElement | null;
    const refocus = focused?.closest('.board-grid') ? [focused.dataset['testid'], focused.dataset['seat']] : null;
    replaceChildren(gridBox, w.exam ? renderExamGrid(b) : renderGrid(b, actions, shadow.seatId));
    if (refocus) gridBox.querySelector<HTMLElement>(`[data-testid="${refocus[0]}"][data-seat="${refocus[1]}"]`)?.focus();
  }

  const actions = {
    shadow(l: BoardLearnerDto) {
      if (l.sessionId) shadow.open(l.seatId, l.sessionId, l.displayName);
    },
    reset(l: BoardLearnerDto) {
      if (!window.confirm(`Reset ${l.displayName}'s scenario? Their cluster is replaced by a fresh one with the scenario set up again; their work in it is lost.`)) return;
      void act(() => api.resetSeat(workshopId, l.seatId), `${l.displayName}'s scenario is being reset.`);
    },
    extend(l: BoardLearnerDto) {
      void act(() => api.extendSeat(workshopId, l.seatId, 10), `${l.displayName} has 10 more minutes.`);
    },
  };

  async function act(call: () => Promise<void>, done: string): Promise<boolean> {
    ictx.banner.clear();
    try {
      await call();
      status.textContent = done;
      return true;
    } catch (err) {
      if (disposed) return false;
      if (isUnauthorized(err)) ictx.signOut(messageOf(err));
      else ictx.banner.show(messageOf(err));
      return false;
    }
  }

  broadcast.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = message.value.trim();
    if (!text) return ictx.banner.show('Write the message to broadcast first.');
    send.disabled = true;
    if (await act(() => api.broadcast(workshopId, text), `Sent to every learner: “${text}”`)) message.value = '';
    send.disabled = latest?.workshop.state !== 'open';
  });

  endButton.addEventListener('click', async () => {
    if (!window.confirm('End the workshop now? Learners see their summary and every cluster is deleted. This cannot be undone.')) return;
    endButton.disabled = true;
    if (!(await act(() => api.end(workshopId), 'The workshop has ended: learners see their summary.'))) endButton.disabled = false;
  });

  for (const [button, format] of [[csv, 'csv'], [json, 'json']] as const) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const blob = await api.exportFile(workshopId, format);
        download(blob, `${slug(latest?.workshop.title ?? workshopId)}-results.${format}`);
      } catch (err) {
        ictx.banner.show(messageOf(err));
      } finally {
        button.disabled = false;
      }
    });
  }

  socket.on('connect', () => {
    socket.emit('watch', { workshopId });
    shadow.resubscribe();
  });
  socket.on('board', (b) => {
    if (!disposed && b.workshop.id === workshopId) render(b);
  });
  socket.on('problem', (e) => ictx.banner.show(e.message));
  socket.on('connect_error', () => {
    // Ask HTTP why: a refused token sends the instructor back to the login form.
    api.check().then(
      () => ictx.banner.show('Lost the live connection to the board. Reconnecting…'),
      (err: unknown) => (isUnauthorized(err) ? ictx.signOut(messageOf(err)) : ictx.banner.show(messageOf(err))),
    );
  });
  socket.io.on('reconnect', () => ictx.banner.clear());

  const ticker = window.setInterval(() => {
    const grid = gridBox.querySelector<HTMLElement>('.board-grid');
    if (grid) tickGrid(grid, Date.now() - receivedAt);
  }, 1000);

  void (async () => {
    try {
      const first = await api.board(workshopId);
      if (!disposed && !latest) render(first);
    } catch (err) {
      if (disposed) return;
      if (isUnauthorized(err)) return ictx.signOut(messageOf(err));
      if (err instanceof ApiError && err.status === 404) title.textContent = 'Workshop not found';
      replaceChildren(gridBox, h('p', { class: 'muted' }, messageOf(err)));
      ictx.banner.show(messageOf(err));
    }
  })();

  return {
    dispose() {
      disposed = true;
      clearInterval(ticker);
      shadow.dispose();
      socket.removeAllListeners();
      socket.disconnect();
      document.title = 'CKS Lab';
    },
  };
}

function stat(name: string, value: number, cls = ''): HTMLElement {
  return h('span', { class: `pool-stat ${cls}`, 'data-pool': name }, h('strong', {}, String(value)), ` ${name}`);
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'workshop';
}
