/**
 * The shadow panel: a learner's terminal, live and read-only (data-testid="shadow-terminal").
 * The server sends `shadowReplay` first, then `shadowOutput`; the panel acks written characters
 * like the learner's own terminal so the server's flow control holds.
 */
import { h, replaceChildren } from '../dom.js';
import { createTerminalView, type TerminalView } from '../session/terminal.js';
import type { WorkshopSocket } from './socket.js';

export interface ShadowPanel {
  el: HTMLElement;
  /** The seat being shadowed, or null. */
  readonly seatId: string | null;
  readonly sessionId: string | null;
  /** The shadowed shell ended (the session ended or was reset); a new `open` starts over. */
  readonly ended: boolean;
  /** Starts (or switches) shadowing `sessionId` of seat `seatId`. */
  open(seatId: string, sessionId: string, learner: string): void;
  /** Re-subscribes after the socket reconnected. */
  resubscribe(): void;
  close(): void;
  dispose(): void;
}

/** Creates the panel, wired to `socket`'s shadow events. */
export function createShadowPanel(socket: WorkshopSocket, onChange: () => void): ShadowPanel {
  let seatId: string | null = null;
  let sessionId: string | null = null;
  let view: TerminalView | null = null;
  let ended = false;
  const heading = h('h2', {}, 'Shadowing');
  const close = h('button', { type: 'button', class: 'btn small', 'data-testid': 'unshadow-button' }, 'Stop shadowing');
  const box = h('div', { class: 'terminal shadow-terminal', 'data-testid': 'shadow-terminal', 'aria-label': 'Learner terminal (read-only)' });
  const el = h('section', { class: 'shadow-panel', 'data-testid': 'shadow-panel', hidden: true, 'aria-live': 'off' }, h('header', { class: 'shadow-header' }, heading, h('span', { class: 'badge' }, 'read-only'), close), h('div', { class: 'terminal-pane' }, box));
  close.addEventListener('click', () => panel.close());

  socket.on('shadowReplay', (e) => {
    if (e.sessionId === sessionId) view?.replay(e.data);
  });
  socket.on('shadowOutput', (e) => {
    if (e.sessionId === sessionId) view?.write(e.data);
  });
  socket.on('shadowEnded', (e) => {
    if (e.sessionId !== sessionId) return;
    ended = true;
    view?.notice(`[Shadowing ended: ${e.reason}]`);
  });

  function stopView(): void {
    view?.dispose();
    view = null;
    replaceChildren(box);
  }

  const panel: ShadowPanel = {
    el,
    get seatId() {
      return seatId;
    },
    get sessionId() {
      return sessionId;
    },
    get ended() {
      return ended;
    },
    open(seat, session, learner) {
      if (sessionId && sessionId !== session) socket.emit('unshadow', { sessionId });
      stopView();
      seatId = seat;
      sessionId = session;
      ended = false;
      heading.textContent = `Shadowing ${learner}`;
      el.hidden = false;
      const current = session;
      view = createTerminalView({ onInput: () => undefined, onResize: () => undefined, onAck: (chars) => socket.emit('shadowAck', { sessionId: current, chars }) }, { readOnly: true });
      view.open(box);
      socket.emit('shadow', { sessionId: session });
      el.scrollIntoView({ block: 'nearest' });
      onChange();
    },
    resubscribe() {
      if (sessionId) socket.emit('shadow', { sessionId });
    },
    close() {
      if (sessionId) socket.emit('unshadow', { sessionId });
      seatId = null;
      sessionId = null;
      ended = false;
      stopView();
      el.hidden = true;
      onChange();
    },
    dispose() {
      stopView();
    },
  };
  return panel;
}
