import type { IPty } from 'node-pty';
import type { Logger } from '../log/index.js';
import { clampSize, validCount, validInput } from './bounds.js';
import { FlowGate, type Backlog } from './flowGate.js';
import { HeadlessMirror } from './headlessMirror.js';
import type { Terminal, TerminalAttachment, TerminalClient, TerminalSize, TerminalWatch } from './types.js';

/** Tunables of a {@link NodePtyTerminal}; every one has a default. */
export interface NodePtyTerminalTuning {
  /** How long a terminal without client lives on (default 5 min). */
  graceMs?: number;
  /** Pause the pty above this many un-acked characters of the client (default 128k). */
  highWaterChars?: number;
  /** Resume below this many (default 32k; keep it above the client's ack granularity). */
  lowWaterChars?: number;
  /**
   * While the client has more than this un-acked (it is busy parsing), output stays queued (up
   * to `holdMaxChars`) and goes out in one message with its next ack (default 32k; keep it above
   * the client's ack granularity, so a client that has caught up is never held).
   */
  holdAboveChars?: number;
  /** Most output held for a busy client before it is sent anyway (default 64k). */
  holdMaxChars?: number;
  /**
   * Pause while the headless mirror holds more than this unparsed (default 4M). The mirror folds
   * long bursts itself (see HeadlessMirror), so this is only a safety net.
   */
  mirrorHighChars?: number;
  /** A watcher this far behind stops receiving output until it catches up (default 512k). */
  watcherMaxChars?: number;
  /** Scrollback lines kept for replay (default 1000). */
  scrollback?: number;
  /** Cap on a replay, in characters (default 1M). */
  maxReplayChars?: number;
  /** Delay between SIGHUP and SIGKILL on dispose (default 2 s). */
  killTimeoutMs?: number;
}

const DEFAULTS: Required<NodePtyTerminalTuning> = {
  graceMs: 5 * 60_000,
  highWaterChars: 128 * 1024,
  lowWaterChars: 32 * 1024,
  holdAboveChars: 32 * 1024,
  holdMaxChars: 64 * 1024,
  mirrorHighChars: 4 * 1024 * 1024,
  watcherMaxChars: 512 * 1024,
  scrollback: 1000,
  maxReplayChars: 1_000_000,
  killTimeoutMs: 2000,
};

/** Everything a {@link NodePtyTerminal} needs; the pty is spawned by the factory. */
export interface NodePtyTerminalDeps {
  id: string;
  pty: IPty;
  size: TerminalSize;
  logger: Logger;
  onIdleExpire?: () => void;
  tuning?: NodePtyTerminalTuning;
}

interface Viewer {
  client: TerminalClient;
  unacked: number;
  active: boolean;
  /** Watchers only: fell too far behind, output dropped until resynchronised. */
  stale: boolean;
}

/**
 * One pty with a headless mirror, one attached client (flow-controlled) and any number of
 * read-only watchers. Output read in one event-loop turn is coalesced into one message
 * (flushed on `setImmediate`, i.e. right after the poll phase: no timer latency). While the
 * client is behind (un-acked above `holdAboveChars`), output keeps queueing and is sent on its
 * next ack: a busy client gets fewer, larger messages; no timer, and no wait for one that keeps up.
 */
export class NodePtyTerminal implements Terminal {
  readonly id: string;
  private readonly pty: IPty;
  private readonly log: Logger;
  private readonly tuning: Required<NodePtyTerminalTuning>;
  private readonly onIdleExpire: (() => void) | undefined;
  private readonly mirror: HeadlessMirror;
  private readonly gate: FlowGate;
  private readonly clientBacklog: Backlog;
  private readonly mirrorBacklog: Backlog;
  private readonly watchers = new Set<Viewer>();
  private readonly subscriptions: { dispose(): void }[] = [];
  private current: Viewer | undefined;
  private outbox: string[] = [];
  private outboxChars = 0;
  private flushHandle: NodeJS.Immediate | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private currentSize: TerminalSize;
  private exitCode: number | null = null;
  private hasExited = false;
  private disposed = false;

  constructor(deps: NodePtyTerminalDeps) {
    this.id = deps.id;
    this.pty = deps.pty;
    this.currentSize = deps.size;
    this.log = deps.logger.child({ terminal: deps.id });
    this.onIdleExpire = deps.onIdleExpire;
    this.tuning = { ...DEFAULTS, ...definedOnly(deps.tuning ?? {}) };
    const t = this.tuning;
    this.gate = new FlowGate(
      () => this.hasExited || safely(this.log, () => this.pty.pause()),
      () => this.hasExited || safely(this.log, () => this.pty.resume()),
    );
    this.clientBacklog = this.gate.backlog('client', { high: t.highWaterChars, low: t.lowWaterChars });
    const mirrorLow = Math.min(t.lowWaterChars, t.mirrorHighChars / 2);
    this.mirrorBacklog = this.gate.backlog('mirror', { high: t.mirrorHighChars, low: mirrorLow });
    this.mirror = new HeadlessMirror(deps.size, {
      scrollback: t.scrollback,
      maxReplayChars: t.maxReplayChars,
      onBacklog: (chars) => this.mirrorBacklog.set(chars),
    });
    this.subscriptions.push(this.pty.onData((d) => this.onOutput(d)));
    this.subscriptions.push(this.pty.onExit((e) => this.onExit(e.exitCode, e.signal)));
    this.startGrace();
  }

  get pid(): number {
    return this.pty.pid;
  }

  get exited(): boolean {
    return this.hasExited;
  }

  get size(): TerminalSize {
    return { ...this.currentSize };
  }

  get attached(): boolean {
    return this.current !== undefined;
  }

  /** Is the pty paused by flow control right now? (diagnostics, tests) */
  get paused(): boolean {
    return this.gate.isPaused;
  }

  attach(client: TerminalClient, size?: TerminalSize): TerminalAttachment {
    const previous = this.current;
    if (previous) this.release(previous, true);
    const viewer: Viewer = { client, unacked: 0, active: !this.disposed, stale: false };
    if (viewer.active) {
      this.current = viewer;
      this.clearGrace();
      if (size !== undefined) this.resize(size);
      this.clientBacklog.set(0);
      if (this.outboxChars > 0) this.flushHandle ??= setImmediate(() => this.flush());
    }
    const replay = this.mirror.snapshot();
    if (this.hasExited || this.disposed) this.notifyExitLater(viewer);
    return {
      replay,
      write: (data) => {
        if (viewer.active) this.input(data);
      },
      resize: (next) => {
        if (viewer.active) this.resize(next);
      },
      ack: (chars) => {
        const n = validCount(chars);
        if (!viewer.active || n === null) return;
        viewer.unacked = Math.max(0, viewer.unacked - n);
        this.clientBacklog.set(viewer.unacked);
        if (this.outboxChars > 0 && this.flushHandle === undefined) this.flush();
      },
      detach: () => {
        if (viewer.active) this.release(viewer, false);
      },
    };
  }

  watch(client: TerminalClient): TerminalWatch {
    const viewer: Viewer = { client, unacked: 0, active: !this.disposed, stale: false };
    if (viewer.active) this.watchers.add(viewer);
    const replay = this.mirror.snapshot();
    if (this.hasExited || this.disposed) this.notifyExitLater(viewer);
    return {
      replay,
      ack: (chars) => {
        const n = validCount(chars);
        if (!viewer.active || n === null) return;
        viewer.unacked = Math.max(0, viewer.unacked - n);
        if (viewer.stale && viewer.unacked < this.tuning.lowWaterChars) this.resync(viewer);
      },
      stop: () => {
        viewer.active = false;
        this.watchers.delete(viewer);
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearGrace();
    this.flushNow();
    if (!this.hasExited) {
      for (const v of this.viewers()) safely(this.log, () => v.client.exit(null));
    }
    if (this.current) this.current.active = false;
    this.current = undefined;
    for (const w of this.watchers) w.active = false;
    this.watchers.clear();
    this.mirror.dispose();
    if (this.hasExited) {
      this.unsubscribe();
      return;
    }
    // Reading must go on so the pty can report EOF and node-pty its exit.
    safely(this.log, () => this.pty.resume());
    safely(this.log, () => this.pty.kill('SIGHUP'));
    this.killTimer = setTimeout(() => {
      this.killTimer = undefined;
      this.log.warn('terminal ignored SIGHUP, sending SIGKILL', { pid: this.pty.pid });
      safely(this.log, () => this.pty.kill('SIGKILL'));
    }, this.tuning.killTimeoutMs);
  }

  private input(data: unknown): void {
    const text = validInput(data);
    if (text === null) {
      this.log.debug('terminal input dropped', { type: typeof data, length: typeof data === 'string' ? data.length : undefined });
      return;
    }
    if (!this.hasExited && !this.disposed) safely(this.log, () => this.pty.write(text));
  }

  private resize(next: unknown): void {
    const size = clampSize(next);
    if (size === null) {
      this.log.debug('terminal resize ignored', {});
      return;
    }
    if (size.cols === this.currentSize.cols && size.rows === this.currentSize.rows) return;
    this.currentSize = size;
    this.mirror.resize(size);
    if (!this.hasExited && !this.disposed) safely(this.log, () => this.pty.resize(size.cols, size.rows));
  }

  private onOutput(data: string): void {
    if (this.disposed) return;
    this.outbox.push(data);
    this.outboxChars += data.length;
    this.flushHandle ??= setImmediate(() => this.flush());
  }

  private flush(force = false): void {
    this.flushHandle = undefined;
    if (this.outbox.length === 0) return;
    const held = this.current;
    if (!force && held && held.unacked > this.tuning.holdAboveChars && this.outboxChars < this.tuning.holdMaxChars) {
      return; // the client is behind: keep queueing; its next ack sends everything in one message
    }
    const data = this.outbox.length === 1 ? (this.outbox[0] ?? '') : this.outbox.join('');
    this.outbox = [];
    this.outboxChars = 0;
    this.mirror.write(data);
    this.mirrorBacklog.set(this.mirror.backlog);
    const current = this.current;
    if (current) {
      // Count before sending: a client may ack inside send(), and that ack must not be lost.
      current.unacked += data.length;
      this.clientBacklog.set(current.unacked);
      safely(this.log, () => current.client.send(data));
    }
    for (const w of this.watchers) this.sendToWatcher(w, data);
  }

  private flushNow(): void {
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flush(true);
  }

  private sendToWatcher(w: Viewer, data: string): void {
    if (w.stale) return;
    if (w.unacked + data.length > this.tuning.watcherMaxChars) {
      w.stale = true;
      return;
    }
    w.unacked += data.length;
    safely(this.log, () => w.client.send(data));
  }

  /** A watcher that dropped output gets a reset and a fresh snapshot. */
  private resync(w: Viewer): void {
    const snapshot = '\x1bc' + this.mirror.snapshot();
    w.stale = false;
    w.unacked += snapshot.length;
    safely(this.log, () => w.client.send(snapshot));
  }

  private onExit(exitCode: number, signal: number | undefined): void {
    this.hasExited = true;
    this.exitCode = signal ? null : exitCode;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.log.info('terminal process exited', { code: exitCode, signal });
    if (this.disposed) {
      this.unsubscribe();
      return;
    }
    this.flushNow();
    for (const v of this.viewers()) safely(this.log, () => v.client.exit(this.exitCode));
  }

  private notifyExitLater(viewer: Viewer): void {
    queueMicrotask(() => safely(this.log, () => viewer.client.exit(this.exitCode)));
  }

  private release(viewer: Viewer, replaced: boolean): void {
    viewer.active = false;
    if (this.current !== viewer) return;
    this.current = undefined;
    this.clientBacklog.set(0);
    if (this.outboxChars > 0) this.flushHandle ??= setImmediate(() => this.flush());
    if (replaced) safely(this.log, () => viewer.client.detached?.());
    else this.startGrace();
  }

  private startGrace(): void {
    if (this.disposed) return;
    this.clearGrace();
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      this.log.info('terminal idle grace expired', { graceMs: this.tuning.graceMs });
      this.dispose();
      if (this.onIdleExpire) safely(this.log, this.onIdleExpire);
    }, this.tuning.graceMs);
  }

  private clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private viewers(): Viewer[] {
    return [...(this.current ? [this.current] : []), ...this.watchers];
  }

  private unsubscribe(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

/** Run a callback of a collaborator; one failing client must not break the pty loop. */
function safely(log: Logger, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.warn('terminal callback failed', { err });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
