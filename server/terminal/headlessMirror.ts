import xtermHeadless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import { incompleteEscapeTail } from './escapeTail.js';
import type { TerminalSize } from './types.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;

/** Keep this much of the parsed stream to find an unfinished escape sequence. */
const PARSED_TAIL_CHARS = 4096;

export interface HeadlessMirrorOptions {
  /** Lines of scrollback kept (and replayed at most). */
  scrollback: number;
  /** Cap on the serialized replay; older scrollback is dropped to fit. */
  maxReplayChars: number;
  /** Called whenever the amount of written-but-unparsed output changes. */
  onBacklog?: (chars: number) => void;
}

/**
 * Every output chunk of a pty, mirrored into an @xterm/headless terminal so that a client
 * (re)attaching gets the current screen and scrollback. xterm parses writes asynchronously;
 * the mirror remembers the chunks not parsed yet, so a snapshot is always exactly "all output
 * written so far" — nothing lost, nothing twice.
 */
export class HeadlessMirror {
  private readonly term: InstanceType<typeof HeadlessTerminal>;
  private readonly serializer = new SerializeAddon();
  /** Chunks handed to xterm whose write callback has not run yet, oldest first. */
  private readonly pending: string[] = [];
  private pendingChars = 0;
  private parsedTail = '';
  private disposed = false;

  constructor(
    size: TerminalSize,
    private readonly opts: HeadlessMirrorOptions,
  ) {
    this.term = new HeadlessTerminal({
      cols: size.cols,
      rows: size.rows,
      scrollback: opts.scrollback,
      allowProposedApi: true,
    });
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    this.term.loadAddon(this.serializer as unknown as Parameters<typeof this.term.loadAddon>[0]);
  }

  /** Characters written but not parsed yet. */
  get backlog(): number {
    return this.pendingChars;
  }

  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    this.term.write(data, () => this.parsed());
  }

  resize(size: TerminalSize): void {
    if (!this.disposed) this.term.resize(size.cols, size.rows);
  }

  /**
   * Screen + scrollback as escape sequences that rebuild it in a fresh xterm, followed by the
   * output not parsed yet. Older scrollback is dropped until it fits `maxReplayChars`.
   */
  snapshot(): string {
    if (this.disposed) return '';
    const unparsed = incompleteEscapeTail(this.parsedTail) + this.pending.join('');
    return this.serializeCapped() + unparsed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending.length = 0;
    this.pendingChars = 0;
    this.serializer.dispose();
    this.term.dispose();
  }

  private parsed(): void {
    if (this.disposed) return;
    const chunk = this.pending.shift() ?? '';
    this.pendingChars -= chunk.length;
    this.parsedTail = (this.parsedTail + chunk).slice(-PARSED_TAIL_CHARS);
    this.opts.onBacklog?.(this.pendingChars);
  }

  private serializeCapped(): string {
    let scrollback = this.opts.scrollback;
    let out = this.serializer.serialize({ scrollback });
    while (out.length > this.opts.maxReplayChars && scrollback > 0) {
      scrollback = Math.floor(scrollback / 2);
      out = this.serializer.serialize({ scrollback });
    }
    return out;
  }
}
