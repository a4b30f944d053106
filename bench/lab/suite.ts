/**
 * Lab start on the real platform (startPlatform: HTTP + socket.io + pool + sessions + pty) over
 * the fake kind/docker/API world with per-phase delays: Start → an interactive prompt on the node,
 * with a warm-pool hit and with a cold start, and our overhead on top of kind (every kind call is
 * timed by bench/fakes/kind and subtracted). Then reset of a running session.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { fakeWorld, type FakeWorld } from '../lib/fakeWorld.js';
import { spread, until, type Spread } from '../lib/stats.js';
import { OursClient } from '../terminal/clients.js';

export interface LabOptions {
  phaseDelayMs: number;
  runs: number;
  log: (line: string) => void;
}

export interface StartSample {
  /** Start (POST /api/sessions) → prompt on screen. */
  totalMs: number;
  /** Time spent inside `kind` calls during the start. */
  kindMs: number;
  /** The scenario's setup script on the node (progress "Running scenario setup"). */
  setupMs: number;
  /** totalMs − kindMs: what we add on top of kind (includes setup). */
  overheadMs: number;
  /** overheadMs − setupMs. */
  overheadWithoutSetupMs: number;
}

export interface LabResults {
  phaseDelayMs: number;
  warm: Record<keyof StartSample, Spread>;
  cold: Record<keyof StartSample, Spread>;
  reset: { totalMs: Spread; setupMs: Spread; kindMs: Spread; note: string };
}

const PROMPT_ON_NODE = (line: string): boolean => /[#$]\s*$/.test(line);

/** kind time (ms) of calls that overlap [fromMs, toMs] of performance.now(). */
function kindTime(world: FakeWorld, fromMs: number, toMs: number): number {
  let text = '';
  try {
    text = readFileSync(world.kindLog, 'utf8');
  } catch {
    return 0;
  }
  const origin = Date.now() - performance.now(); // epoch ms at performance.now() = 0
  let total = 0;
  for (const line of text.split('\n').filter(Boolean)) {
    const [, , startNs, endNs] = line.split(' ');
    const start = Number(startNs) / 1e6 - origin;
    const end = Number(endNs) / 1e6 - origin;
    const overlap = Math.min(end, toMs) - Math.max(start, fromMs);
    if (overlap > 0) total += overlap;
  }
  return total;
}

interface Timeline {
  setupStarted?: number;
  setupDone?: number;
  ready?: number;
}

/**
 * The session's progress as the server reports it (in-process: no socket delay, nothing missed,
 * even events before POST /api/sessions has answered with the session's id).
 */
function track(platform: Platform, sessionOf: () => string): { timeline: () => Timeline; stop: () => void } {
  const byId = new Map<string, Timeline>();
  const of = (id: string): Timeline => byId.get(id) ?? (byId.set(id, {}), byId.get(id) as Timeline);
  const offProgress = platform.sessions.on('progress', (id, p) => {
    if (p.step !== 'Running scenario setup') return;
    if (p.state === 'started') of(id).setupStarted = performance.now();
    if (p.state === 'done') of(id).setupDone = performance.now();
  });
  const offState = platform.sessions.on('state', (id) => {
    if (platform.sessions.get(id)?.state === 'ready') of(id).ready ??= performance.now();
  });
  return {
    timeline: () => of(sessionOf()),
    stop: () => {
      offProgress();
      offState();
    },
  };
}

/** Setup time on the Start's path; 0 when the cluster came prepared (setup ran while it waited in the pool). */
const setupOf = (t: Timeline, end: number): number => (t.setupStarted === undefined ? 0 : (t.setupDone ?? end) - t.setupStarted);

/**
 * One Start. `kindOnPath`: kind runs on the critical path (cold start) and is subtracted; on a
 * pool hit the only kind call during the start is the pool's background refill, not subtracted.
 */
async function startOnce(platform: Platform, world: FakeWorld, kindOnPath: boolean): Promise<{ sample: StartSample; client: OursClient }> {
  const client = new OursClient(platform.server.url, { scenarioId: 'init-containers' });
  const { timeline, stop } = track(platform, () => client.sessionId);
  const t0 = performance.now();
  await client.connect();
  const t1 = await client.waitForScreen(PROMPT_ON_NODE, 120_000);
  stop();
  const kindMs = kindTime(world, t0, t1);
  const setupMs = setupOf(timeline(), t1);
  const totalMs = t1 - t0;
  const overheadMs = totalMs - (kindOnPath ? kindMs : 0);
  return { sample: { totalMs, kindMs, setupMs, overheadMs, overheadWithoutSetupMs: overheadMs - setupMs }, client };
}

function summarize(samples: StartSample[]): Record<keyof StartSample, Spread> {
  const keys: (keyof StartSample)[] = ['totalMs', 'kindMs', 'setupMs', 'overheadMs', 'overheadWithoutSetupMs'];
  return Object.fromEntries(keys.map((k) => [k, spread(samples.map((s) => s[k]))])) as Record<keyof StartSample, Spread>;
}

async function withPlatform<T>(opts: LabOptions, warm: number, fn: (p: Platform, w: FakeWorld) => Promise<T>): Promise<T> {
  const world = await fakeWorld({ phaseDelayMs: opts.phaseDelayMs });
  const dataDir = mkdtempSync(join(tmpdir(), 'cks-bench-data-'));
  let platform: Platform | undefined;
  try {
    const config = loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error', CKS_WARM_POOL: `init-containers=${warm}`, CKS_MAX_CLUSTERS: '6' });
    platform = await startPlatform(config, createSilentLogger(), { env: world.env, terminalEnv: { PATH: world.env.PATH, CKS_FAKE_HOME: world.env.CKS_FAKE_HOME } });
    return await fn(platform, world);
  } finally {
    // Let the pool finish creating before closing: a create that ends after close() would write
    // to the closed store (WarmPool does not cancel in-flight creates on dispose).
    if (platform) {
      platform.pool.setTarget('default', 0, 'init-containers');
      const p = platform;
      await until(() => p.pool.status().clusters.every((c) => c.state !== 'provisioning'), 'in-flight creates', 120_000, 20).catch(() => undefined);
    }
    await platform?.close();
    await world.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Warm clusters are kept per scenario, with its setup already run (what workshops and CKS_WARM_POOL=<scenario> do). */
const poolReady = (p: Platform): boolean => (p.pool.status().labs.find((l) => l.lab === 'default/init-containers')?.ready ?? 0) >= 1;

export async function runLabSuite(opts: LabOptions): Promise<LabResults> {
  const warm: StartSample[] = [];
  const cold: StartSample[] = [];
  const reset: { totalMs: number; setupMs: number; kindMs: number }[] = [];
  await withPlatform(opts, 1, async (platform, world) => {
    for (let i = 0; i < opts.runs; i++) {
      await until(() => poolReady(platform), 'a warm cluster in the pool', 120_000, 20);
      const { sample, client } = await startOnce(platform, world, false);
      warm.push(sample);
      opts.log(`  warm start: ${sample.totalMs.toFixed(0)} ms (setup ${sample.setupMs.toFixed(0)} ms, kind ${sample.kindMs.toFixed(0)} ms)`);
      // Reset the running session onto a fresh cluster, as the product does today.
      await until(() => poolReady(platform), 'the pool to refill', 120_000, 20);
      const { timeline, stop } = track(platform, () => client.sessionId);
      const r0 = performance.now();
      await platform.sessions.reset(client.sessionId);
      await until(() => timeline().ready !== undefined, 'the reset session to be ready', 120_000, 2);
      const r1 = await client.waitForScreen(PROMPT_ON_NODE, 60_000);
      stop();
      const r = { totalMs: r1 - r0, setupMs: setupOf(timeline(), r1), kindMs: kindTime(world, r0, r1) };
      reset.push(r);
      opts.log(`  reset: ${r.totalMs.toFixed(0)} ms (setup ${r.setupMs.toFixed(0)} ms, kind ${r.kindMs.toFixed(0)} ms)`);
      client.close();
      await platform.sessions.stop(client.sessionId);
    }
  });
  await withPlatform(opts, 0, async (platform, world) => {
    for (let i = 0; i < opts.runs; i++) {
      const { sample, client } = await startOnce(platform, world, true);
      cold.push(sample);
      opts.log(`  cold start: ${sample.totalMs.toFixed(0)} ms (kind ${sample.kindMs.toFixed(0)} ms, setup ${sample.setupMs.toFixed(0)} ms, overhead ${sample.overheadMs.toFixed(0)} ms)`);
      client.close();
      await platform.sessions.stop(client.sessionId);
    }
  });
  return {
    phaseDelayMs: opts.phaseDelayMs,
    warm: summarize(warm),
    cold: summarize(cold),
    reset: {
      totalMs: spread(reset.map((r) => r.totalMs)),
      setupMs: spread(reset.map((r) => r.setupMs)),
      kindMs: spread(reset.map((r) => r.kindMs)),
      note: 'SessionManager.reset deletes the cluster and takes another from the pool (here a warm cluster whose setup already ran); an in-place reset on the existing cluster is not implemented.',
    },
  };
}
