import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/index.js';

/**
 * Terminal processes (`docker exec -it … bash -l` in a pty) can outlive a server that was killed
 * with SIGKILL: nothing ends them, and they hold memory and the node's shell. The ledger writes
 * each one down in the data dir when it is spawned and, when the next server of that data dir
 * starts, ends those an earlier server left behind.
 *
 * A process is only ended when everything matches: same boot, same pid *and* start time (so a
 * reused pid is never hit), the run's marker in its environment, and the server that started it
 * is gone (so another server still running on this data dir keeps its terminals). Linux only
 * (it reads /proc); elsewhere the ledger records and reaps nothing.
 */
export interface TerminalLedger {
  /** Variables every terminal of this run gets (the marker the reaper checks). */
  readonly env: Record<string, string>;
  /** A terminal process was spawned. */
  record(pid: number): void;
  /** It exited (or was ended): nothing to reap. */
  forget(pid: number): void;
}

/** What the ledger reads about processes; {@link linuxProcesses} by default (tests may pass another). */
export interface ProcessTable {
  /** Changes on every boot; null where there is no /proc (the ledger is then off). */
  bootId(): string | null;
  /** null when there is no such process. */
  stat(pid: number): ProcessStat | null;
  /** The process's environment as `KEY=value` entries; null when unreadable. */
  environ(pid: number): string[] | null;
  pids(): number[];
}

export interface ProcessStat {
  /** Start time in clock ticks after boot: with the pid, it names one process for good. */
  startTicks: number;
  /** Session id (a pty's processes share the session of the process spawned in it). */
  session: number;
  /** Parent pid. */
  parent: number;
  /** `Z` for a zombie (already dead, waiting for its parent). */
  state: string;
}

/** The marker variable; its value is random per server run. */
export const TERMINAL_RUN_VAR = 'CKS_LAB_TERMINAL_RUN';

interface LedgerRecord {
  pid: number;
  startTicks: number;
  bootId: string;
  run: string;
  server: { pid: number; startTicks: number };
}

export interface FileTerminalLedgerOptions {
  /** A folder of the data dir (created 0700). */
  dir: string;
  logger: Logger;
  processes?: ProcessTable;
  /** SIGTERM first; SIGKILL for what is left after this long (default 2 s). */
  killTimeoutMs?: number;
}

/** One small JSON file per live terminal process in `dir`. */
export class FileTerminalLedger implements TerminalLedger {
  readonly env: Record<string, string>;
  private readonly run = randomBytes(12).toString('hex');
  private readonly procs: ProcessTable;
  private readonly log: Logger;
  private readonly boot: string | null;
  private readonly self: { pid: number; startTicks: number } | null;

  constructor(private readonly opts: FileTerminalLedgerOptions) {
    this.procs = opts.processes ?? linuxProcesses;
    this.log = opts.logger.child({ module: 'terminal-ledger' });
    this.boot = this.procs.bootId();
    const me = this.boot ? this.procs.stat(process.pid) : null;
    this.self = me ? { pid: process.pid, startTicks: me.startTicks } : null;
    this.env = this.self ? { [TERMINAL_RUN_VAR]: this.run } : {};
    if (this.self) mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  record(pid: number): void {
    if (!this.self || !this.boot) return;
    const st = this.procs.stat(pid);
    if (!st) return; // already gone
    const rec: LedgerRecord = { pid, startTicks: st.startTicks, bootId: this.boot, run: this.run, server: this.self };
    try {
      writeFileSync(this.file(pid), JSON.stringify(rec), { mode: 0o600 });
    } catch (err) {
      this.log.warn('could not record a terminal process', { pid, err });
    }
  }

  forget(pid: number): void {
    if (!this.self) return;
    rmSync(this.file(pid), { force: true });
  }

  /**
   * Start-up: end the terminal processes (with everything in their pty session) that an earlier
   * server of this data dir left running. Returns the pids of the terminals ended.
   */
  async reapOrphans(): Promise<number[]> {
    if (!this.self || !this.boot) return [];
    const leaders: number[] = [];
    for (const rec of this.records()) {
      if (rec.run === this.run) continue;
      const verdict = this.judge(rec);
      if (verdict === 'keep') continue;
      if (verdict === 'reap') leaders.push(rec.pid);
      this.forget(rec.pid);
    }
    if (leaders.length === 0) return [];
    const victims = this.sessionsOf(leaders);
    this.log.warn('ending terminal processes a killed server left running', { pids: victims.map((v) => v.pid) });
    for (const v of victims) signal(v.pid, 'SIGTERM');
    const deadline = Date.now() + (this.opts.killTimeoutMs ?? 2000);
    while (victims.some((v) => this.isAlive(v)) && Date.now() < deadline) await sleep(25);
    for (const v of victims.filter((x) => this.isAlive(x))) signal(v.pid, 'SIGKILL');
    return leaders;
  }

  /** `reap`: ours and orphaned; `keep`: its server still runs; `drop`: nothing (left) to end. */
  private judge(rec: LedgerRecord): 'reap' | 'keep' | 'drop' {
    if (rec.bootId !== this.boot) return 'drop';
    const owner = this.procs.stat(rec.server.pid);
    if (owner && owner.startTicks === rec.server.startTicks && owner.state !== 'Z') return 'keep';
    const st = this.procs.stat(rec.pid);
    if (!st || st.startTicks !== rec.startTicks || st.state === 'Z') return 'drop';
    if (!(this.procs.environ(rec.pid) ?? []).includes(`${TERMINAL_RUN_VAR}=${rec.run}`)) {
      this.log.warn('a recorded terminal pid is now another process; left alone', { pid: rec.pid });
      return 'drop';
    }
    return 'reap';
  }

  /** The verified leaders and every process of their pty sessions (a pid is not reused while it names a session). */
  private sessionsOf(leaders: number[]): { pid: number; startTicks: number }[] {
    const want = new Set(leaders);
    const spared = this.selfAndAncestors();
    const out: { pid: number; startTicks: number }[] = [];
    for (const pid of this.procs.pids()) {
      const st = this.procs.stat(pid);
      if (st && st.state !== 'Z' && !spared.has(pid) && (want.has(pid) || want.has(st.session))) out.push({ pid, startTicks: st.startTicks });
    }
    return out;
  }

  /** This server and its parents: never ended, even when started from an old terminal. */
  private selfAndAncestors(): Set<number> {
    const out = new Set<number>();
    for (let pid = process.pid; pid > 1 && !out.has(pid); pid = this.procs.stat(pid)?.parent ?? 0) out.add(pid);
    return out;
  }

  private isAlive(v: { pid: number; startTicks: number }): boolean {
    const st = this.procs.stat(v.pid);
    return st !== null && st.startTicks === v.startTicks && st.state !== 'Z';
  }

  private records(): LedgerRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.opts.dir).filter((n) => /^\d+\.json$/.test(n));
    } catch {
      return [];
    }
    const out: LedgerRecord[] = [];
    for (const name of names) {
      const rec = parseRecord(readText(join(this.opts.dir, name)));
      if (rec) out.push(rec);
      else rmSync(join(this.opts.dir, name), { force: true });
    }
    return out;
  }

  private file(pid: number): string {
    return join(this.opts.dir, `${pid}.json`);
  }
}

function parseRecord(text: string | null): LedgerRecord | null {
  try {
    const r = JSON.parse(text ?? '') as Partial<LedgerRecord>;
    const ok =
      Number.isInteger(r.pid) &&
      (r.pid as number) > 1 &&
      Number.isInteger(r.startTicks) &&
      typeof r.bootId === 'string' &&
      typeof r.run === 'string' &&
      r.run.length > 0 &&
      Number.isInteger(r.server?.pid) &&
      Number.isInteger(r.server?.startTicks);
    return ok ? (r as LedgerRecord) : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** /proc of this Linux host. */
export const linuxProcesses: ProcessTable = {
  bootId: () => readText('/proc/sys/kernel/random/boot_id')?.trim() || null,
  stat(pid) {
    const text = readText(`/proc/${pid}/stat`);
    if (!text) return null;
    // `pid (comm) state ppid pgrp session … starttime(22nd)`; comm may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const session = Number(fields[3]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(session)) return null;
    return { startTicks, session, parent: Number(fields[1]), state: fields[0] ?? '?' };
  },
  environ(pid) {
    const text = readText(`/proc/${pid}/environ`);
    return text === null ? null : text.split('\0').filter(Boolean);
  },
  pids() {
    try {
      return readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    } catch {
      return [];
    }
  },
};
