/**
 * `npm run bench`: terminal (ours vs wetty), lab start and grading, side by side in one run.
 * Writes bench/results/<date>.json and bench/results/latest.md. Not part of `npm test`.
 *
 * Environment: BENCH_QUICK=1 (small sizes, one round: a smoke run), BENCH_MB (payload size),
 * BENCH_ROUNDS, BENCH_KIND_PHASE_MS (fake kind's per-phase delay), BENCH_ONLY=terminal,lab,grading.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { runGradingSuite } from './grading/suite.js';
import { runLabSuite } from './lab/suite.js';
import { ROOT } from './lib/fakeWorld.js';
import { killChildren } from './lib/proc.js';
import { renderMarkdown, type BenchResults } from './report.js';
import { runTerminalSuite } from './terminal/suite.js';

const env = process.env;
const quick = env.BENCH_QUICK === '1';
const only = new Set((env.BENCH_ONLY ?? 'terminal,lab,grading').split(','));
const num = (key: string, fallback: number): number => (env[key] ? Number(env[key]) : fallback);
const log = (line: string): void => void process.stderr.write(line + '\n');

const BUDGET_MS = num('BENCH_BUDGET_S', 540) * 1000;
const watchdog = setTimeout(() => {
  log(`bench: over its ${BUDGET_MS / 1000} s budget, stopping`);
  killChildren();
  process.exit(2);
}, BUDGET_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killChildren();
    process.exit(130);
  });
}
process.on('exit', killChildren);

const version = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

const work = mkdtempSync(join(tmpdir(), 'cks-bench-'));
const started = Date.now();
try {
  const fileMB = num('BENCH_MB', quick ? 5 : 50);
  const file = join(work, 'payload.b64');
  // base64 of random bytes: fileMB megabytes of printable lines (76 columns), made once per run
  execFileSync('bash', ['-c', `head -c ${Math.round((fileMB * 1e6 * 3) / 4)} /dev/urandom | base64 > '${file}'`]);
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    versions: { 'cks-lab': version('..'), wetty: version('wetty'), 'socket.io': version('socket.io'), 'node-pty': version('node-pty'), '@xterm/headless': version('@xterm/headless') },
    terminal: null,
    lab: null,
    grading: null,
    durationS: 0,
  };
  if (only.has('terminal')) {
    log(`terminal: ${fileMB} MB payload`);
    results.terminal = {
      payloadMB: statSync(file).size / 1e6,
      keystrokes: quick ? 200 : 1000,
      products: await runTerminalSuite({
        file,
        fileMB: statSync(file).size / 1e6,
        rounds: num('BENCH_ROUNDS', quick ? 1 : 3),
        keystrokes: quick ? 200 : 1000,
        ctrlCPerRound: 3,
        maxSessions: num('BENCH_MAX_SESSIONS', quick ? 50 : 300),
        p99LimitMs: 50,
        log,
      }),
    };
  }
  if (only.has('lab')) {
    log('lab start');
    results.lab = await runLabSuite({ phaseDelayMs: num('BENCH_KIND_PHASE_MS', quick ? 200 : 1000), runs: num('BENCH_ROUNDS', quick ? 1 : 3), log });
  }
  if (only.has('grading')) {
    log('grading');
    results.grading = await runGradingSuite({ apiLatencyMs: 5, gradesPerState: quick ? 5 : 20, concurrentLearners: 100, log });
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const stamp = results.date.slice(0, 19).replace(/[:T]/g, '-');
  const name = quick ? `quick-${stamp}` : stamp;
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  const md = renderMarkdown(results);
  writeFileSync(join(outDir, quick ? 'latest-quick.md' : 'latest.md'), md);
  process.stdout.write(md);
  log(`bench: done in ${results.durationS} s → bench/results/${name}.json`);
} finally {
  killChildren();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
