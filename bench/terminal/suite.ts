/**
 * Terminal, ours vs wetty, side by side: each round starts both servers fresh (order alternating)
 * and runs throughput, echo (idle and while another tab streams) and Ctrl-C on each; then one
 * concurrency ramp per product.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, pssMiB, spawnOwned, stopChild, waitForPort } from '../lib/proc.js';
import { spread, sleep, type Spread } from '../lib/stats.js';
import { clientFor, PRODUCTS, type BenchClient, type Product } from './clients.js';
import { ctrlC, echo, throughput, waitQuiet, type EchoRun } from './measure.js';

export interface TerminalOptions {
  file: string;
  fileMB: number;
  rounds: number;
  keystrokes: number;
  ctrlCPerRound: number;
  maxSessions: number;
  /** Echo p99 above this ends the ramp (ms). */
  p99LimitMs: number;
  log: (line: string) => void;
}

export interface ConcurrencyStep {
  sessions: number;
  p50: number;
  p99: number;
  serverPssMiB: number;
}

export interface ProductResults {
  throughputMBps: Spread;
  cpuSecondsPerMB: Spread;
  echoIdleP50Ms: Spread;
  echoIdleP99Ms: Spread;
  echoBusyP50Ms: Spread;
  echoBusyP99Ms: Spread;
  ctrlCToPromptMs: Spread;
  ctrlCDrainedKChars: Spread;
  pssBusySessionMiB: Spread;
  pssIdleSessionMiB: number;
  serverBasePssMiB: number;
  concurrency: { sessions: number; stoppedBecause: string; steps: ConcurrencyStep[] };
}

interface ProductServer {
  product: Product;
  url: string;
  pid: number;
  child: ChildProcess;
}

/** Both servers run with the same small environment, so both shells see the same one. */
function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', USER: 'root', LANG: 'C.UTF-8', NODE_ENV: 'production' };
}

const ENTRY: Record<Product, string> = { ours: 'oursServer.js', wetty: 'wettyServer.js' };

async function startServer(product: Product): Promise<ProductServer> {
  const port = await freePort();
  const entry = fileURLToPath(new URL(`./${ENTRY[product]}`, import.meta.url));
  const child = spawnOwned(process.execPath, [entry, String(port)], { env: serverEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('BENCH_READY ')) resolve(l.slice('BENCH_READY '.length));
    });
    child.once('exit', (code) => reject(new Error(`${product} server exited (${code}) before it listened`)));
  });
  await waitForPort(port);
  const { url, pid } = JSON.parse(line) as { url: string; pid: number };
  return { product, url, pid, child };
}

async function withClient<T>(server: ProductServer, fn: (c: BenchClient) => Promise<T>): Promise<T> {
  const c = clientFor(server.product, server.url);
  try {
    await c.ready();
    await waitQuiet(c);
    return await fn(c);
  } finally {
    c.close();
  }
}

async function echoWhileStreaming(server: ProductServer, opts: TerminalOptions): Promise<EchoRun> {
  const entry = fileURLToPath(new URL('./streamer.js', import.meta.url));
  const streamer = spawnOwned(process.execPath, [entry, server.product, server.url, opts.file], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: streamer.stdout! });
      rl.once('line', () => resolve());
      streamer.once('exit', (code) => reject(new Error(`streamer exited (${code})`)));
    });
    return await withClient(server, (c) => echo(c, opts.keystrokes));
  } finally {
    await stopChild(streamer);
  }
}

interface RoundSamples {
  mbps: number[];
  cpu: number[];
  busyPss: number[];
  idle50: number[];
  idle99: number[];
  busy50: number[];
  busy99: number[];
  ctrlc: number[];
  drained: number[];
  basePss: number[];
}

async function round(product: Product, opts: TerminalOptions, s: RoundSamples): Promise<void> {
  const server = await startServer(product);
  try {
    await sleep(300);
    s.basePss.push(pssMiB(server.pid));
    const t = await withClient(server, (c) => throughput(c, opts.file, opts.fileMB, server.pid));
    s.mbps.push(t.mbPerS);
    s.cpu.push(t.cpuSecondsPerMB);
    s.busyPss.push(t.busyPssMiB);
    const idle = await withClient(server, (c) => echo(c, opts.keystrokes));
    s.idle50.push(idle.p50);
    s.idle99.push(idle.p99);
    const busy = await echoWhileStreaming(server, opts);
    s.busy50.push(busy.p50);
    s.busy99.push(busy.p99);
    await withClient(server, async (c) => {
      for (let i = 0; i < opts.ctrlCPerRound; i++) {
        const r = await ctrlC(c);
        s.ctrlc.push(r.ms);
        s.drained.push(r.drainedChars / 1000);
      }
    });
    opts.log(`  ${product}: ${t.mbPerS.toFixed(1)} MB/s, ${t.cpuSecondsPerMB.toFixed(4)} CPU-s/MB, echo idle p50 ${idle.p50.toFixed(2)} p99 ${idle.p99.toFixed(2)} ms, busy p50 ${busy.p50.toFixed(2)} p99 ${busy.p99.toFixed(2)} ms, Ctrl-C ${s.ctrlc.slice(-opts.ctrlCPerRound).map((x) => x.toFixed(0)).join('/')} ms`);
  } finally {
    await stopChild(server.child);
  }
}

/** Open idle sessions in steps; after each step time `probe` keystrokes on the first one. */
async function concurrency(product: Product, opts: TerminalOptions): Promise<ProductResults['concurrency'] & { idlePerSession: number }> {
  const server = await startServer(product);
  const clients: BenchClient[] = [];
  const steps: ConcurrencyStep[] = [];
  let stoppedBecause = `reached the bound of ${opts.maxSessions} sessions`;
  try {
    const plan = [1, 25, 50, 100, 150, 200, 250, 300, 400, 500].filter((n) => n <= opts.maxSessions);
    if (plan[plan.length - 1] !== opts.maxSessions) plan.push(opts.maxSessions);
    for (const target of plan) {
      try {
        while (clients.length < target) {
          const batch = Array.from({ length: Math.min(10, target - clients.length) }, () => clientFor(product, server.url));
          clients.push(...batch);
          await Promise.all(batch.map((c) => c.ready()));
        }
      } catch (e) {
        stoppedBecause = `opening session ${clients.length} failed: ${(e as Error).message}`;
        break;
      }
      await sleep(500);
      const probe = clients[0] as BenchClient;
      const r = await echo(probe, Math.min(200, opts.keystrokes));
      steps.push({ sessions: target, p50: r.p50, p99: r.p99, serverPssMiB: pssMiB(server.pid) });
      opts.log(`  ${product}: ${target} sessions: echo p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, server PSS ${pssMiB(server.pid).toFixed(0)} MiB`);
      if (r.p99 > opts.p99LimitMs) {
        stoppedBecause = `echo p99 ${r.p99.toFixed(1)} ms > ${opts.p99LimitMs} ms at ${target} sessions`;
        break;
      }
    }
  } finally {
    for (const c of clients) c.close();
    await stopChild(server.child);
  }
  const ok = steps.filter((s) => s.p99 <= opts.p99LimitMs);
  const first = steps[0];
  const last = steps[steps.length - 1];
  const idlePerSession = first && last && last.sessions > first.sessions ? (last.serverPssMiB - first.serverPssMiB) / (last.sessions - first.sessions) : NaN;
  return { sessions: ok.length ? (ok[ok.length - 1] as ConcurrencyStep).sessions : 0, stoppedBecause, steps, idlePerSession };
}

export async function runTerminalSuite(opts: TerminalOptions): Promise<Record<Product, ProductResults>> {
  const samples = new Map<Product, RoundSamples>();
  for (const p of PRODUCTS) samples.set(p, { mbps: [], cpu: [], busyPss: [], idle50: [], idle99: [], busy50: [], busy99: [], ctrlc: [], drained: [], basePss: [] });
  for (let r = 0; r < opts.rounds; r++) {
    opts.log(`terminal round ${r + 1}/${opts.rounds}`);
    const order = r % 2 === 0 ? PRODUCTS : [...PRODUCTS].reverse();
    for (const p of order) await round(p, opts, samples.get(p)!);
  }
  const out = {} as Record<Product, ProductResults>;
  for (const p of PRODUCTS) {
    opts.log(`terminal concurrency ramp: ${p}`);
    const conc = await concurrency(p, opts);
    const s = samples.get(p)!;
    out[p] = {
      throughputMBps: spread(s.mbps),
      cpuSecondsPerMB: spread(s.cpu),
      echoIdleP50Ms: spread(s.idle50),
      echoIdleP99Ms: spread(s.idle99),
      echoBusyP50Ms: spread(s.busy50),
      echoBusyP99Ms: spread(s.busy99),
      ctrlCToPromptMs: spread(s.ctrlc),
      ctrlCDrainedKChars: spread(s.drained),
      pssBusySessionMiB: spread(s.busyPss),
      pssIdleSessionMiB: conc.idlePerSession,
      serverBasePssMiB: spread(s.basePss).median,
      concurrency: { sessions: conc.sessions, stoppedBecause: conc.stoppedBecause, steps: conc.steps },
    };
  }
  return out;
}
