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
  /** Parse what arrived once the pty has been quiet this long (default 25 ms). */
  idleParseMs?: number;
  /** During a long burst, raw output beyond this is folded (default 1M chars)… */
  rebaseAtChars?: number;
  /** …keeping only this much of its end to rebuild the screen from (default 256k chars). */
  rebaseKeepChars?: number;
}

/**
 * Every output chunk of a pty, mirrored into an @xterm/headless terminal so that a client
 * (re)attaching gets the current screen and scrollback.
 *
 * Parsing every byte as it streams would cost more CPU than everything else the server does for
 * a terminal, so the mirror parses lazily: output is kept raw and handed to xterm when the pty
 * goes quiet (interactive use: the mirror is exact). During a long burst (`cat` of a big file,
 * `yes`) nobody can read the lines that scroll past, so once the raw backlog passes
 * `rebaseAtChars` the mirror starts over from a fresh terminal with only the last
 * `rebaseKeepChars` of output — enough to rebuild the screen and recent scrollback.
 *
 * A snapshot is always "parsed state + everything not parsed yet": nothing lost, nothing twice.
 */
export class HeadlessMirror {
  private term: InstanceType<typeof HeadlessTerminal>;
  private serializer = new SerializeAddon();
  /** Output not handed to xterm yet, oldest first. */
  private readonly raw: string[] = [];
  private rawChars = 0;
  /** Chunks handed to xterm whose write callback has not run yet, oldest first. */
  private readonly pending: string[] = [];
  private pendingChars = 0;
  private parsedTail = '';
  /** Bumped on every rebase, so callbacks of a discarded terminal are ignored. */
  private generation = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private size: TerminalSize;
  private readonly idleParseMs: number;
  private readonly rebaseAt: number;
  private readonly rebaseKeep: number;

  constructor(
    size: TerminalSize,
    private readonly opts: HeadlessMirrorOptions,
  ) {
    this.size = size;
    this.idleParseMs = opts.idleParseMs ?? 25;
    this.rebaseAt = opts.rebaseAtChars ?? 1024 * 1024;
    this.rebaseKeep = Math.min(opts.rebaseKeepChars ?? 256 * 1024, this.rebaseAt);
    this.term = this.newTerminal();
  }

  /** Characters written but not parsed yet. */
  get backlog(): number {
    return this.rawChars + this.pendingChars;
  }

  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.raw.push(data);
    this.rawChars += data.length;
    if (this.rawChars > this.rebaseAt) this.rebase();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.parseRaw(), this.idleParseMs);
    this.idleTimer.unref();
    this.opts.onBacklog?.(this.backlog);
  }

  resize(size: TerminalSize): void {
    if (this.disposed) return;
    // Output so far was laid out at the old size: it is parsed there first (xterm parses writes
    // asynchronously, in order), then the terminal takes the new size.
    this.parseRaw();
    this.size = size;
    const generation = this.generation;
    const term = this.term;
    if (this.pendingChars === 0) term.resize(size.cols, size.rows);
    else term.write('', () => generation === this.generation && !this.disposed && term.resize(size.cols, size.rows));
  }

  /**
   * Screen + scrollback as escape sequences that rebuild it in a fresh xterm, followed by the
   * output not parsed yet. Older scrollback is dropped until it fits `maxReplayChars`.
   */
  snapshot(): string {
    if (this.disposed) return '';
    const unparsed = incompleteEscapeTail(this.parsedTail) + this.pending.join('') + this.raw.join('');
    const room = Math.max(0, this.opts.maxReplayChars - unparsed.length);
    return this.serializeCapped(room) + unparsed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.raw.length = 0;
    this.pending.length = 0;
    this.rawChars = 0;
    this.pendingChars = 0;
    this.serializer.dispose();
    this.term.dispose();
  }

  private newTerminal(): InstanceType<typeof HeadlessTerminal> {
    const term = new HeadlessTerminal({ cols: this.size.cols, rows: this.size.rows, scrollback: this.opts.scrollback, allowProposedApi: true });
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    term.loadAddon(this.serializer as unknown as Parameters<typeof term.loadAddon>[0]);
    return term;
  }

  /** Hand the raw output to xterm (one write: it is already coalesced). */
  private parseRaw(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.disposed || this.rawChars === 0) return;
    const chunk = this.raw.join('');
    this.raw.length = 0;
    this.rawChars = 0;
    this.pending.push(chunk);
    this.pendingChars += chunk.length;
    const generation = this.generation;
    this.term.write(chunk, () => this.parsed(generation));
  }

  /** Start over from a fresh terminal holding only the end of the output (a long burst). */
  private rebase(): void {
    const all = this.pending.join('') + this.raw.join('');
    let start = all.length - this.rebaseKeep;
    // Begin at a line start, so no escape sequence or character is cut in half.
    const nl = all.indexOf('\n', start);
    start = nl >= 0 && nl < all.length - 1 ? nl + 1 : start;
    const kept = all.slice(start);
    this.generation++;
    this.serializer.dispose();
    this.term.dispose();
    this.serializer = new SerializeAddon();
    this.term = this.newTerminal();
    this.pending.length = 0;
    this.pendingChars = 0;
    this.parsedTail = '';
    this.raw.length = 0;
    this.raw.push(kept);
    this.rawChars = kept.length;
  }

  private parsed(generation: number): void {
    if (this.disposed || generation !== this.generation) return;
    const chunk = this.pending.shift() ?? '';
    this.pendingChars -= chunk.length;
    this.parsedTail = (this.parsedTail + chunk).slice(-PARSED_TAIL_CHARS);
    this.opts.onBacklog?.(this.backlog);
  }

  private serializeCapped(room: number): string {
    let scrollback = this.opts.scrollback;
    let out = this.serializer.serialize({ scrollback });
    while (out.length > room && scrollback > 0) {
      scrollback = Math.floor(scrollback / 2);
      out = this.serializer.serialize({ scrollback });
    }
    return out.length > room ? '' : out;
  }
}
