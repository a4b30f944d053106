/**
 * A terminal that outlives its clients: detach starts a grace timer, re-attach replays recent
 * output (capped). Output is flow-controlled: the pty is paused when the un-acked bytes of the
 * attached client pass a high-water mark and resumed below a low-water mark.
 */
export interface TerminalSize {
  cols: number;
  rows: number;
}

export const TERMINAL_BOUNDS = { minCols: 10, maxCols: 500, minRows: 4, maxRows: 200 } as const;

/** Largest accepted input message, in characters; bigger messages are dropped whole. */
export const MAX_INPUT_CHARS = 64 * 1024;

export interface TerminalClient {
  /** Deliver output to the client. */
  send(data: string): void;
  /** The process exited (or the terminal was disposed: `null`). */
  exit(code: number | null): void;
  /** Optional: another client attached and replaced this one (e.g. "opened in another tab"). */
  detached?(): void;
}

/**
 * The attached client's handle. Its methods take `unknown` because they are fed from the
 * socket edge: invalid values are ignored (never thrown). After `detach()`, or once another
 * client has attached, every method is a no-op.
 */
export interface TerminalAttachment {
  /** Serialized screen + scrollback to replay (write it before any live data). */
  replay: string;
  /** Input for the process: strings up to {@link MAX_INPUT_CHARS}; anything else is dropped. */
  write(data: unknown): void;
  /** Integers are clamped to {@link TERMINAL_BOUNDS}; non-numbers and NaN are ignored. */
  resize(size: unknown): void;
  /**
   * The client has processed `bytes` more characters of live output (`send`); the replay
   * is not counted.
   */
  ack(bytes: unknown): void;
  detach(): void;
}

/**
 * A read-only viewer (instructor shadowing). It gets the replay and live output but cannot
 * write or resize, and never pauses the pty: once it is more than a limit behind it stops
 * receiving output, and after it acks its way back it is resynchronised (reset + fresh replay).
 */
export interface TerminalWatch {
  /** Serialized screen + scrollback to write before live data. */
  replay: string;
  /** The watcher has processed `chars` more characters of output. */
  ack(chars: unknown): void;
  /** Stop watching; idempotent. */
  stop(): void;
}

export interface Terminal {
  readonly id: string;
  readonly exited: boolean;
  /** The pty's process id (for diagnostics and tests). */
  readonly pid: number;
  /** Current (clamped) size. */
  readonly size: TerminalSize;
  /** Is a client attached right now? */
  readonly attached: boolean;
  /**
   * Attach a client, replacing (and detaching) any previous one. If the process has already
   * exited, `client.exit` is called in a microtask, after the caller has written the replay.
   */
  attach(client: TerminalClient, size?: TerminalSize): TerminalAttachment;
  /** Read-only viewers (instructor shadowing) get output but cannot write. */
  watch(client: TerminalClient): TerminalWatch;
  /** Kill the process (SIGHUP, then SIGKILL), free the mirror and timers; idempotent. */
  dispose(): void;
}

export interface TerminalFactory {
  /** Spawn `argv` (command first) in a pty. */
  create(id: string, argv: string[], size: TerminalSize, opts?: { env?: Record<string, string>; onIdleExpire?: () => void }): Terminal;
}
