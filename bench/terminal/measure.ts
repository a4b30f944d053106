/** One measurement each, on a connected client; the suite repeats them and summarises. */
import { cpuSeconds, pssMiB } from '../lib/proc.js';
import { percentile, sleep } from '../lib/stats.js';
import { PROMPT, type BenchClient } from './clients.js';

export interface ThroughputRun {
  mbPerS: number;
  cpuSecondsPerMB: number;
  /** Server PSS growth while this one session streamed (MiB). */
  busyPssMiB: number;
}

/** `cat` of the base64 file, then an end marker; timed from the key press to the marker on screen. */
export async function throughput(c: BenchClient, file: string, fileMB: number, serverPid: number): Promise<ThroughputRun> {
  const pssBefore = pssMiB(serverPid);
  let pssPeak = pssBefore;
  const sampler = setInterval(() => (pssPeak = Math.max(pssPeak, pssMiB(serverPid))), 500);
  const cpu0 = cpuSeconds(serverPid);
  const done = c.waitFor('BENCH_DONE', 300_000);
  const t0 = performance.now();
  c.type(`cat ${file}; printf '%s_%s\\n' BENCH DONE\r`);
  const t1 = await done;
  const cpu1 = cpuSeconds(serverPid);
  clearInterval(sampler);
  await waitQuiet(c);
  return { mbPerS: fileMB / ((t1 - t0) / 1000), cpuSecondsPerMB: (cpu1 - cpu0) / fileMB, busyPssMiB: pssPeak - pssBefore };
}

export interface EchoRun {
  p50: number;
  p99: number;
  samples: number[];
}

/**
 * `count` single keystrokes, each timed from the key press to its echo parsed on screen. The line
 * is cleared (Ctrl-U) every 50 characters so it never wraps.
 */
export async function echo(c: BenchClient, count: number): Promise<EchoRun> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) {
      c.type('\x15');
      await waitQuiet(c);
    }
    const seen = c.nextOutput(5000);
    const t0 = performance.now();
    c.type('x');
    samples.push((await seen) - t0);
  }
  c.type('\x15');
  await waitQuiet(c);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples };
}

export interface CtrlCRun {
  ms: number;
  /** Output the client still had to parse between Ctrl-C and the prompt (characters). */
  drainedChars: number;
}

/** `yes` until 2 M characters are on screen, then Ctrl-C; timed until the prompt is on screen. */
export async function ctrlC(c: BenchClient): Promise<CtrlCRun> {
  const start = c.parsed;
  c.type('yes\r');
  while (c.parsed - start < 2_000_000) await sleep(5);
  const prompt = c.waitFor(PROMPT, 30_000);
  const before = c.parsed;
  const t0 = performance.now();
  c.type('\x03');
  const t1 = await prompt;
  const run = { ms: t1 - t0, drainedChars: c.parsed - before };
  await waitQuiet(c);
  return run;
}

/** Until no output has been parsed for 50 ms. */
export async function waitQuiet(c: BenchClient, quietMs = 50): Promise<void> {
  let last = c.parsed;
  let since = performance.now();
  for (;;) {
    await sleep(10);
    if (c.parsed !== last) {
      last = c.parsed;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}
