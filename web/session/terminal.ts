/**
 * The learner's terminal: xterm.js fitted to its container, web links, copy/paste, and flow
 * control acks. It knows nothing of sockets: the page wires `onInput`/`onResize`/`onAck`.
 */
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import { ACK_EVERY_CHARS } from '../../server/wire/types.js';

export interface TerminalCallbacks {
  /** Keystrokes and pastes to send to the shell. */
  onInput(data: string): void;
  /** The terminal was (re)fitted to a new size. */
  onResize(size: { cols: number; rows: number }): void;
  /** `chars` more characters of output were written (sent every ACK_EVERY_CHARS). */
  onAck(chars: number): void;
}

export interface TerminalView {
  /** Opens xterm into `container` (once it is visible) and fits it. */
  open(container: HTMLElement): void;
  /** Live output (counted for flow control). */
  write(data: string): void;
  /** Replaces the screen with a replay (on every (re)attach). */
  replay(data: string): void;
  /** A local notice in the terminal (not from the shell). */
  notice(text: string): void;
  size(): { cols: number; rows: number };
  focus(): void;
  dispose(): void;
}

/** Creates the terminal; output can be written before `open`. `readOnly` ignores keystrokes (shadowing). */
export function createTerminalView(cb: TerminalCallbacks, opts: { readOnly?: boolean } = {}): TerminalView {
  const readOnly = opts.readOnly === true;
  const term = new Terminal({
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    convertEol: false,
    scrollback: 5000,
    fontFamily: '"DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace',
    fontSize: 14,
    theme: { background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3', selectionBackground: '#3a5f8f' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon((_ev, uri) => window.open(uri, '_blank', 'noopener')));

  let unacked = 0;
  let observer: ResizeObserver | null = null;
  let frame = 0;
  let opened = false;

  term.onData((data) => {
    if (!readOnly) cb.onInput(data);
  });
  term.onResize((size) => cb.onResize(size));
  term.attachCustomKeyEventHandler((ev) => clipboardKeys(term, ev));
  // Selecting text copies it, as in most terminal emulators (best effort: needs clipboard permission).
  term.onSelectionChange(() => {
    const text = term.getSelection();
    if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
  });

  function refit(): void {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      try {
        fit.fit();
      } catch {
        // Hidden container: nothing to fit yet.
      }
    });
  }

  return {
    open(container) {
      if (opened) return;
      opened = true;
      term.open(container);
      fit.fit();
      observer = new ResizeObserver(refit);
      observer.observe(container);
      window.addEventListener('resize', refit);
    },
    write(data) {
      term.write(data, () => {
        unacked += data.length;
        if (unacked >= ACK_EVERY_CHARS) {
          cb.onAck(unacked);
          unacked = 0;
        }
      });
    },
    replay(data) {
      term.reset();
      term.write(data);
    },
    notice(text) {
      term.write(`\r\n\x1b[33m${text}\x1b[0m\r\n`);
    },
    size: () => ({ cols: term.cols, rows: term.rows }),
    focus: () => term.focus(),
    dispose() {
      cancelAnimationFrame(frame);
      observer?.disconnect();
      window.removeEventListener('resize', refit);
      term.dispose();
    },
  };
}

/**
 * Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes (through the browser's own paste event,
 * which xterm turns into input). Plain Ctrl+C is left alone so it still sends ^C.
 */
function clipboardKeys(term: Terminal, ev: KeyboardEvent): boolean {
  if (!ev.ctrlKey || !ev.shiftKey || ev.altKey || ev.metaKey) return true;
  const key = ev.key.toLowerCase();
  if (key === 'c') {
    if (ev.type === 'keydown') {
      ev.preventDefault();
      const text = term.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
    }
    return false;
  }
  // Returning false without preventDefault lets the browser fire `paste` on xterm's textarea.
  if (key === 'v') return false;
  return true;
}
