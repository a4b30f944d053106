import xtermHeadless from '@xterm/headless';
import { createSilentLogger } from '../../server/log/index.js';
import {
  NodePtyTerminalFactory,
  type NodePtyTerminal,
  type NodePtyTerminalTuning,
  type TerminalClient,
} from '../../server/terminal/index.js';

export const PROMPT = 'PROMPT> ';
export const SHELL = ['bash', '--norc', '--noprofile', '-i'];

/** Poll `cond` every 10 ms until it holds; fail after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string | (() => string), timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A client that records what it gets; with `autoAck` it acks every chunk like the browser. */
export class RecordingClient implements TerminalClient {
  chunks: string[] = [];
  received = 0;
  exits: (number | null)[] = [];
  detachedCount = 0;
  ack: ((n: number) => void) | undefined;

  /** Ack every chunk from inside send(), as soon as it arrives. */
  constructor(public autoAck = true) {}

  get text(): string {
    return this.chunks.join('');
  }

  send(data: string): void {
    this.chunks.push(data);
    this.received += data.length;
    if (this.autoAck) this.ack?.(data.length);
  }

  exit(code: number | null): void {
    this.exits.push(code);
  }

  detached(): void {
    this.detachedCount++;
  }
}

/** Creates terminals running an interactive bash and disposes them after each test. */
export class TerminalHarness {
  readonly created: NodePtyTerminal[] = [];
  readonly factory: NodePtyTerminalFactory;

  constructor(tuning: NodePtyTerminalTuning = {}) {
    this.factory = new NodePtyTerminalFactory({ logger: createSilentLogger(), killTimeoutMs: 500, ...tuning });
  }

  shell(opts: { onIdleExpire?: () => void; argv?: string[] } = {}): NodePtyTerminal {
    const env = { PS1: PROMPT, HISTFILE: '/dev/null' };
    const t = this.factory.create(`t${this.created.length}`, opts.argv ?? SHELL, { cols: 80, rows: 24 }, { env, ...opts });
    this.created.push(t);
    return t;
  }

  async disposeAll(): Promise<void> {
    for (const t of this.created) t.dispose();
    await waitFor(() => this.created.every((t) => t.exited), 'all terminals to exit');
  }
}

/** Is a process with this pid still there? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Count of active handles by type (timers, ttys, immediates) — for leak checks. */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Resource types that have more instances now than in `baseline`. */
export function leakedSince(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of resourceCounts()) if (n > (baseline.get(type) ?? 0)) out.push(`${type}×${n - (baseline.get(type) ?? 0)}`);
  return out;
}

/** Render replay + live output in a fresh headless xterm (what the browser would show). */
export async function render(data: string, cols = 80, rows = 24): Promise<string[]> {
  const term = new xtermHeadless.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(data, resolve));
  const lines: string[] = [];
  const buf = term.buffer.active;
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  return lines;
}
