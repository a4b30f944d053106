/** The results file's shape and its readable table (bench/results/latest.md, README "Performance"). */
import type { GradingResults } from './grading/suite.js';
import type { LabResults } from './lab/suite.js';
import type { Spread } from './lib/stats.js';
import type { Product } from './terminal/clients.js';
import type { ProductResults } from './terminal/suite.js';

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string };
  versions: Record<string, string>;
  terminal: { payloadMB: number; keystrokes: number; products: Record<Product, ProductResults> } | null;
  lab: LabResults | null;
  grading: GradingResults | null;
  durationS: number;
}

export interface TargetVerdict {
  target: string;
  measured: string;
  met: boolean;
  /** By how much it is missed, and why (empty when met). */
  note: string;
}

const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
const mmm = (s: Spread, d = 1): string => (s.runs ? `${f(s.min, d)} / **${f(s.median, d)}** / ${f(s.max, d)}` : '–');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');

/** Why a target is missed, from what the benchmark and profiling showed (said in the results, never tuned away). */
const WHY = {
  throughput:
    'both products feed the same headless client and neither server is saturated; on 2 cores the server, the client and the shell share the CPU, so server CPU per MB shows up as throughput: ours still spends more per MB than wetty (see CPU per MB); wetty also sends fewer, larger messages (it batches output on a 2 ms timer, which the issue rules out for us and which costs it ~2 ms of echo latency), while we coalesce only output already queued',
  cpu: 'the server keeps an @xterm/headless mirror for exact replay after a reload (wetty keeps nothing); it now parses lazily (when the pty is quiet; long bursts fold to their last 256k), which halved our CPU per MB, and what remains is mostly socket.io framing of more, smaller messages than wetty\'s timer-batched ones plus our flow-control bookkeeping',
  echoP99: 'tail latency comes from event-loop and scheduler noise on a 2-core host shared by server, client and shell',
  ctrlC: 'everything already in flight (un-acked output, socket buffers, the client\'s xterm queue) must be parsed before the prompt shows',
  warm: 'warm clusters are kept per scenario with its setup already run, so a hit only hands the cluster over',
  cold: 'setup script time counts as ours here; without it the overhead is shown beside',
  reset: 'reset takes a fresh prepared cluster from the pool (setup already run) and deletes the old one, instead of resetting in place',
  grading:
    'checks run concurrently, so a Check takes as long as its slowest check: here the ones that run a program on the node through `docker exec` (kubectl get --raw=/readyz on the node; etcd reads are two execs in series, crictl ps then crictl exec etcdctl), each far slower than an API read',
  concurrency: 'see the ramp table',
};

export function verdicts(r: BenchResults): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const t = r.terminal?.products;
  if (t) {
    const tp = t.ours.throughputMBps.median / t.wetty.throughputMBps.median;
    out.push({ target: 'throughput ≥ 2× wetty', measured: `${f(t.ours.throughputMBps.median)} vs ${f(t.wetty.throughputMBps.median)} MB/s = ${tp.toFixed(2)}×`, met: tp >= 2, note: tp >= 2 ? '' : `missed by ${f(2 - tp, 2)}× (needs ${f(2 * t.wetty.throughputMBps.median)} MB/s): ${WHY.throughput}` });
    const p50 = t.ours.echoIdleP50Ms.median;
    out.push({ target: 'echo p50 ≤ 1 ms (idle)', measured: `${f(p50, 2)} ms`, met: p50 <= 1, note: p50 <= 1 ? '' : `missed by ${f(p50 - 1, 2)} ms` });
    const p99 = t.ours.echoIdleP99Ms.median;
    const busy99 = t.ours.echoBusyP99Ms.median;
    const busyNote = busy99 > 3 ? `while another tab streams p99 is ${f(busy99, 2)} ms, ${f(busy99 - 3, 2)} ms over (wetty ${f(t.wetty.echoBusyP99Ms.median, 2)} ms): ${WHY.echoP99}` : '';
    out.push({ target: 'echo p99 ≤ 3 ms (idle)', measured: `${f(p99, 2)} ms (while another tab streams: ${f(busy99, 2)} ms)`, met: p99 <= 3, note: p99 <= 3 ? (busyNote ? `idle met; ${busyNote}` : '') : `missed by ${f(p99 - 3, 2)} ms: ${WHY.echoP99}` });
    const cpu = t.ours.cpuSecondsPerMB.median / t.wetty.cpuSecondsPerMB.median;
    out.push({ target: 'CPU per MB ≤ ½ wetty', measured: `${f(t.ours.cpuSecondsPerMB.median, 4)} vs ${f(t.wetty.cpuSecondsPerMB.median, 4)} CPU-s/MB = ${cpu.toFixed(2)}×`, met: cpu <= 0.5, note: cpu <= 0.5 ? '' : `missed: ${cpu.toFixed(2)}× instead of ≤ 0.5× (${f(cpu / 0.5, 1)}× over): ${WHY.cpu}` });
    const cc = t.ours.ctrlCToPromptMs;
    out.push({ target: 'Ctrl-C to prompt ≤ 100 ms', measured: `median ${f(cc.median, 0)} ms, max ${f(cc.max, 0)} ms`, met: cc.median <= 100, note: cc.median <= 100 ? (cc.max > 100 ? `median met; worst run ${f(cc.max - 100, 0)} ms over: ${WHY.ctrlC}` : '') : `missed by ${f(cc.median - 100, 0)} ms: ${WHY.ctrlC}` });
    const n = t.ours.concurrency.sessions;
    out.push({ target: '≥ 200 concurrent idle sessions (echo p99 ≤ 50 ms)', measured: `${n} (${t.ours.concurrency.stoppedBecause})`, met: n >= 200, note: n >= 200 ? '' : `missed by ${200 - n} sessions` });
  }
  const lab = r.lab;
  if (lab) {
    const w = lab.warm.totalMs.median;
    out.push({ target: 'Start → prompt ≤ 300 ms on a pool hit', measured: `${f(w, 0)} ms (setup script ${f(lab.warm.setupMs.median, 0)} ms of it)`, met: w <= 300, note: w <= 300 ? '' : `missed by ${f(w - 300, 0)} ms: ${WHY.warm}; without setup ${f(lab.warm.overheadWithoutSetupMs.median, 0)} ms` });
    const c = lab.cold.overheadMs.median;
    out.push({ target: '≤ 1 s our overhead on a cold start', measured: `${f(c, 0)} ms on top of kind's ${f(lab.cold.kindMs.median, 0)} ms (without setup ${f(lab.cold.overheadWithoutSetupMs.median, 0)} ms)`, met: c <= 1000, note: c <= 1000 ? '' : `missed by ${f(c - 1000, 0)} ms: ${WHY.cold}` });
    const rs = lab.reset.totalMs.median;
    out.push({ target: 'reset ≤ 5 s (our side)', measured: `${f(rs, 0)} ms`, met: rs <= 5000, note: `${rs <= 5000 ? '' : `missed by ${f(rs - 5000, 0)} ms; `}${WHY.reset} (not implemented; measured what exists)` });
  }
  const g = r.grading;
  if (g) {
    for (const s of g.scenarios) {
      const p95 = Math.max(s.unsolved.p95Ms, s.solved.p95Ms);
      const ok = !s.error && p95 <= 250;
      out.push({ target: `grading ${s.scenario} p95 ≤ 250 ms (API +${g.apiLatencyMs} ms)`, measured: s.error ? `error: ${s.error}` : `${f(p95, 0)} ms`, met: ok, note: ok ? '' : s.error ? 'could not be measured' : `missed by ${f(p95 - 250, 0)} ms: ${WHY.grading}` });
    }
  }
  return out;
}

export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(`Measured ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}, ${r.machine.memoryGiB} GiB), Node ${r.machine.node}; ` + Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ') + `. Whole run: ${r.durationS} s${r.quick ? ' (QUICK mode: smoke sizes, not for comparison)' : ''}.`);
  lines.push('');
  const t = r.terminal;
  if (t) {
    const o = t.products.ours;
    const w = t.products.wetty;
    lines.push(`**Terminal, ours vs wetty** — min / **median** / max over ${o.throughputMBps.runs} rounds (fresh servers each round, order alternating); same local \`bash --norc --noprofile -i\`, 100×30, TERM=xterm-256color; headless clients speaking each product's socket.io protocol into @xterm/headless with each page's acks.`);
    lines.push('');
    lines.push('| figure | ours | wetty | ours ÷ wetty |');
    lines.push('| --- | --- | --- | --- |');
    const row = (name: string, a: Spread, b: Spread, d = 1): void => void lines.push(`| ${name} | ${mmm(a, d)} | ${mmm(b, d)} | ${ratio(a.median, b.median)} |`);
    row(`throughput, ${f(t.payloadMB, 0)} MB base64 \`cat\` (MB/s)`, o.throughputMBps, w.throughputMBps);
    row('server CPU-seconds per MB', o.cpuSecondsPerMB, w.cpuSecondsPerMB, 4);
    row(`echo p50, idle (ms, ${t.keystrokes} keys)`, o.echoIdleP50Ms, w.echoIdleP50Ms, 2);
    row('echo p99, idle (ms)', o.echoIdleP99Ms, w.echoIdleP99Ms, 2);
    row('echo p50, another tab streaming (ms)', o.echoBusyP50Ms, w.echoBusyP50Ms, 2);
    row('echo p99, another tab streaming (ms)', o.echoBusyP99Ms, w.echoBusyP99Ms, 2);
    row('Ctrl-C under `yes` → prompt (ms)', o.ctrlCToPromptMs, w.ctrlCToPromptMs, 0);
    row('output drained after Ctrl-C (k chars)', o.ctrlCDrainedKChars, w.ctrlCDrainedKChars, 0);
    row('server PSS growth, 1 busy session (MiB)', o.pssBusySessionMiB, w.pssBusySessionMiB);
    lines.push(`| server PSS per idle session (MiB, ramp slope) | ${f(o.pssIdleSessionMiB, 2)} | ${f(w.pssIdleSessionMiB, 2)} | ${ratio(o.pssIdleSessionMiB, w.pssIdleSessionMiB)} |`);
    lines.push(`| server PSS, no session (MiB) | ${f(o.serverBasePssMiB, 0)} | ${f(w.serverBasePssMiB, 0)} | ${ratio(o.serverBasePssMiB, w.serverBasePssMiB)} |`);
    lines.push(`| concurrent idle sessions with echo p99 ≤ 50 ms | ${o.concurrency.sessions} | ${w.concurrency.sessions} | |`);
    lines.push('');
    lines.push('Concurrency ramp (one run; echo over 200 keys on the first session; p50 / p99 ms, server PSS MiB):');
    lines.push('');
    lines.push('| sessions | ours | wetty |');
    lines.push('| --- | --- | --- |');
    const sessions = [...new Set([...o.concurrency.steps, ...w.concurrency.steps].map((s) => s.sessions))].sort((a, b) => a - b);
    for (const n of sessions) {
      const cell = (p: ProductResults): string => {
        const s = p.concurrency.steps.find((x) => x.sessions === n);
        return s ? `${f(s.p50, 2)} / ${f(s.p99, 2)}, ${f(s.serverPssMiB, 0)} MiB` : '–';
      };
      lines.push(`| ${n} | ${cell(o)} | ${cell(w)} |`);
    }
    lines.push('');
  }
  const lab = r.lab;
  if (lab) {
    lines.push(`**Lab start** on the real platform (\`startPlatform\`) over the fake kind/docker/API with ${lab.phaseDelayMs} ms per kind phase; Start = POST /api/sessions, end = the node's shell prompt on the learner's (headless) screen; scenario \`init-containers\`. min / **median** / max, ms:`);
    lines.push('');
    lines.push('| | total | setup script | kind (on the path) | ours = total − kind | ours without setup |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    lines.push(`| warm-pool hit | ${mmm(lab.warm.totalMs, 0)} | ${mmm(lab.warm.setupMs, 0)} | 0 (refill in background: ${f(lab.warm.kindMs.median, 0)}) | ${mmm(lab.warm.overheadMs, 0)} | ${mmm(lab.warm.overheadWithoutSetupMs, 0)} |`);
    lines.push(`| cold start | ${mmm(lab.cold.totalMs, 0)} | ${mmm(lab.cold.setupMs, 0)} | ${mmm(lab.cold.kindMs, 0)} | ${mmm(lab.cold.overheadMs, 0)} | ${mmm(lab.cold.overheadWithoutSetupMs, 0)} |`);
    lines.push(`| reset (running session) | ${mmm(lab.reset.totalMs, 0)} | ${mmm(lab.reset.setupMs, 0)} | | | |`);
    lines.push('');
  }
  const g = r.grading;
  if (g) {
    lines.push(`**Grading**: a full Check (real KindProvider + ClientNodeProbes + CheckEngine) against the fake API with ${g.apiLatencyMs} ms per request, right after setup (all tasks fail) and after the reference solution (all pass):`);
    lines.push('');
    lines.push('| scenario | checks | unsolved p50 / p95 (ms) | score | solved p50 / p95 (ms) | score |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const s of g.scenarios) {
      if (s.error) lines.push(`| ${s.scenario} | ${s.checks} | error: ${s.error.replace(/\|/g, '/').split('\n')[0]} | | | |`);
      else lines.push(`| ${s.scenario} | ${s.checks} | ${f(s.unsolved.p50Ms, 0)} / ${f(s.unsolved.p95Ms, 0)} | ${s.unsolved.score} | ${f(s.solved.p50Ms, 0)} / ${f(s.solved.p95Ms, 0)} | ${s.solved.score} |`);
    }
    const c = g.concurrent;
    lines.push('');
    lines.push(`${c.learners} learners pressing Check at once (${c.scenario}, each with its own probes, one fake API server): all graded in ${f(c.wallMs, 0)} ms; per learner p50 ${f(c.p50Ms, 0)} / p95 ${f(c.p95Ms, 0)} / max ${f(c.maxMs, 0)} ms; every result correct: ${c.allGraded ? 'yes' : 'no'}.`);
    lines.push('');
  }
  lines.push('**How it is measured.** Every figure is a key press or command on a headless client until the text is parsed on its @xterm/headless screen (the write callback), so both products pay the same client costs. Both clients use the websocket transport; ours acks every 16 384 characters written (web/session/terminal.ts), wetty commits every 262 144 (its FlowControlClient; its file-download scanner is not emulated). Echo = one key, `term.input(key, true)` → echo on screen, line cleared every 50 keys. "Another tab streams" = a second client process running `cat` of the payload in a loop on the same server. Ctrl-C: `yes` until 2 M characters are on screen, then Ctrl-C until the prompt is on screen. CPU = utime+stime of the server process from /proc/<pid>/stat during the throughput run; PSS from /proc/<pid>/smaps_rollup (server process only; each product\'s shells are the same bash). Idle sessions are connected clients at a prompt; the ramp stops at the bound or when echo p99 > 50 ms. Lab start subtracts only `kind` calls on the critical path (timed by bench/fakes/kind); the 100 concurrent Checks share one fake API server (real learners have one each), so that figure is pessimistic. Node\'s `setTimeout(0)` is ≥ 1 ms, which xterm\'s write queue uses when it is empty; a browser\'s is usually shorter.');
  lines.push('');
  lines.push('**Targets** (issue 6):');
  lines.push('');
  lines.push('| target | measured (median) | verdict |');
  lines.push('| --- | --- | --- |');
  for (const v of verdicts(r)) lines.push(`| ${v.target} | ${v.measured} | ${v.met ? 'met' : 'MISSED'}${v.note ? ` — ${v.note}` : ''} |`);
  lines.push('');
  return lines.join('\n');
}
