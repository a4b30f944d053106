/**
 * Headless browser clients, one per product, each speaking that product's real socket.io
 * protocol and feeding an @xterm/headless Terminal the way its browser page does: output is
 * written with `term.write(data, callback)` and acknowledged from the callback (after xterm
 * parsed it), keystrokes go through `term.input(data, true)` → `onData` → socket, exactly as a
 * key press in the page. Marker detection happens in the write callback, i.e. when the text is
 * on the (headless) screen.
 */
import xtermHeadless from '@xterm/headless';
import { io, type Socket } from 'socket.io-client';
import { ACK_EVERY_CHARS, LEARNER_COOKIE, TERMINAL_NAMESPACE } from '../../server/wire/types.js';

const { Terminal } = xtermHeadless;
export type Product = 'ours' | 'wetty';
export const PRODUCTS: Product[] = ['ours', 'wetty'];

/** Both pages show the same size. */
export const SIZE = { cols: 100, rows: 30 };
/** A prompt that never appears in the echo of the command that sets it. */
export const PROMPT = '<READY>$ ';
const SET_PROMPT = `PS1='<''READY>$ '\r`;

interface Waiter {
  text: string;
  resolve: (atMs: number) => void;
}

interface ScreenWaiter {
  test: (cursorLine: string) => boolean;
  resolve: (atMs: number) => void;
}

export abstract class BenchClient {
  readonly term: InstanceType<typeof Terminal>;
  /** Characters of live output parsed by xterm so far. */
  parsed = 0;
  private tail = '';
  private waiters: Waiter[] = [];
  private screenWaiters: ScreenWaiter[] = [];
  private firstOutput: ((atMs: number) => void) | undefined;

  protected constructor(scrollback: number) {
    this.term = new Terminal({ cols: SIZE.cols, rows: SIZE.rows, scrollback, allowProposedApi: true });
    this.term.onData((data) => this.sendInput(data));
  }

  /** A key press (or paste) in the page. */
  type(data: string): void {
    this.term.input(data, true);
  }

  /** Resolves with performance.now() when `text` has been parsed (output after this call only). */
  waitFor(text: string, timeoutMs = 60_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)} (${this.constructor.name})`)), timeoutMs);
      this.waiters.push({ text, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
  }

  /** Resolves with performance.now() when the next output chunk has been parsed. */
  nextOutput(timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no output')), timeoutMs);
      this.firstOutput = (t) => (clearTimeout(timer), resolve(t));
    });
  }

  /** The line the cursor is on, as shown. */
  cursorLine(): string {
    const buf = this.term.buffer.active;
    return buf.getLine(buf.baseY + buf.cursorY)?.translateToString(true) ?? '';
  }

  /** Resolves with performance.now() once the cursor line passes `test` (checked after every parse). */
  waitForScreen(test: (cursorLine: string) => boolean, timeoutMs = 120_000): Promise<number> {
    if (test(this.cursorLine())) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for the screen (${JSON.stringify(this.cursorLine())})`)), timeoutMs);
      this.screenWaiters.push({ test, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
  }

  /** Connected, sized, and a shell prompt we recognise on screen. */
  async ready(): Promise<void> {
    await this.connect();
    const seen = this.waitFor(PROMPT, 15_000);
    this.type(SET_PROMPT);
    await seen;
  }

  abstract connect(): Promise<void>;
  abstract close(): void;
  protected abstract sendInput(data: string): void;

  /** Write live output to xterm; `afterParse` runs in the write callback (acks). */
  protected output(data: string, afterParse: () => void): void {
    this.term.write(data, () => {
      this.parsed += data.length;
      afterParse();
      this.check(data);
    });
  }

  protected checkScreen(): void {
    if (this.screenWaiters.length === 0) return;
    const now = performance.now();
    const line = this.cursorLine();
    this.screenWaiters = this.screenWaiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(now);
      return false;
    });
  }

  private check(chunk: string): void {
    this.checkScreen();
    const now = performance.now();
    const first = this.firstOutput;
    this.firstOutput = undefined;
    first?.(now);
    if (this.waiters.length > 0) {
      const head = this.tail + chunk.slice(0, 64);
      this.waiters = this.waiters.filter((w) => {
        // A match must end inside this chunk: the tail alone was seen before the waiter existed.
        const acrossBoundary = head.indexOf(w.text, Math.max(0, this.tail.length - w.text.length + 1)) >= 0;
        if (!acrossBoundary && !chunk.includes(w.text)) return true;
        w.resolve(now);
        return false;
      });
    }
    this.tail = chunk.length >= 64 ? chunk.slice(-64) : (this.tail + chunk).slice(-64);
  }
}

/** Our page: POST /api/sessions, then socket.io `/terminal` with {sessionId, token} + cookie. */
export class OursClient extends BenchClient {
  socket: Socket | undefined;
  sessionId = '';
  private unacked = 0;

  constructor(
    private readonly base: string,
    private readonly opts: { scenarioId?: string; onEvent?: (event: string, payload: unknown) => void } = {},
  ) {
    super(5000); // web/session/terminal.ts: scrollback 5000
  }

  async connect(): Promise<void> {
    const res = await fetch(`${this.base}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenarioId: this.opts.scenarioId ?? 'init-containers' }),
    });
    if (res.status !== 201) throw new Error(`POST /api/sessions: ${res.status} ${await res.text()}`);
    const cookie = new RegExp(`${LEARNER_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const { session, token } = (await res.json()) as { session: { id: string }; token: string };
    this.sessionId = session.id;
    const socket = io(this.base + TERMINAL_NAMESPACE, {
      auth: { sessionId: session.id, token },
      extraHeaders: { cookie },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    const onEvent = this.opts.onEvent;
    if (onEvent) socket.onAny((event: string, payload: unknown) => onEvent(event, payload));
    const replayed = new Promise<void>((resolve, reject) => {
      // Every (re)attach replays the screen (web/session/terminal.ts: reset, then write).
      socket.on('replay', (data: string) => {
        this.term.reset();
        this.term.write(data, () => {
          this.checkScreen();
          resolve();
        });
      });
      socket.once('connect_error', reject);
    });
    socket.on('connect', () => socket.emit('resize', SIZE));
    socket.on('output', (data: string) =>
      this.output(data, () => {
        this.unacked += data.length;
        if (this.unacked >= ACK_EVERY_CHARS) {
          socket.emit('ack', this.unacked);
          this.unacked = 0;
        }
      }),
    );
    await replayed;
  }

  protected sendInput(data: string): void {
    this.socket?.emit('input', data);
  }

  close(): void {
    this.socket?.disconnect();
    this.term.dispose();
  }
}

/** wetty's page: socket.io at /socket.io; `data` out, `input`/`resize`/`commit` in. */
export class WettyClient extends BenchClient {
  private socket: Socket | undefined;
  /** wetty's FlowControlClient: commit every 2^18 characters. */
  private counter = 0;
  private readonly ackBytes = 262_144;

  constructor(private readonly base: string) {
    super(1000); // wetty's Term: xterm defaults (scrollback 1000)
  }

  async connect(): Promise<void> {
    const socket = io(this.base, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true });
    this.socket = socket;
    const loggedIn = new Promise<void>((resolve, reject) => {
      socket.once('login', () => {
        // wetty.ts on 'login': term.writeln(''); term.resizeTerm() → emit('resize', {cols, rows})
        this.term.writeln('');
        socket.emit('resize', SIZE);
        resolve();
      });
      socket.once('connect_error', reject);
    });
    socket.on('data', (data: string) => {
      // wetty.ts: needsCommit counts before the write; the commit is sent from the write callback.
      this.counter += data.length;
      const commit = this.counter >= this.ackBytes;
      if (commit) this.counter -= this.ackBytes;
      this.output(data, () => {
        if (commit) socket.emit('commit', this.ackBytes);
      });
    });
    await loggedIn;
  }

  protected sendInput(data: string): void {
    this.socket?.emit('input', data);
  }

  close(): void {
    this.socket?.disconnect();
    this.term.dispose();
  }
}

export function clientFor(product: Product, url: string): BenchClient {
  return product === 'ours' ? new OursClient(url) : new WettyClient(url);
}
