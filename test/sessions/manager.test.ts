import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvisionProgress } from '../../server/clusters/types.js';
import { loadLabs } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { SessionManager, type SessionSettings } from '../../server/sessions/index.js';
import { SqliteStore } from '../../server/store/index.js';
import { NodePtyTerminalFactory } from '../../server/terminal/index.js';
import { MemoryProbes, solvedInitPod } from '../helpers/memoryProbes.js';
import { MemoryProvider, testPool } from '../helpers/memoryProvider.js';
import { waitFor } from '../helpers/wait.js';

const root = packageRoot();
const { scenarios } = loadCatalog(join(root, 'scenarios'), { labsDir: join(root, 'labs') });
const catalog = new ScenarioCatalog(scenarios);
const labs = loadLabs(join(root, 'labs'));

function setup(overrides: Partial<SessionSettings> & { concurrent?: number } = {}, dbFile = ':memory:') {
  const logger = createSilentLogger();
  const provider = new MemoryProvider();
  const probes = new MemoryProbes();
  const store = new SqliteStore(dbFile);
  const pool = testPool(provider, store, labs, { concurrent: overrides.concurrent ?? 1 });
  const key = Buffer.alloc(32, 7);
  const manager = new SessionManager({
    logger,
    store,
    provider,
    pool,
    catalog,
    labs,
    grader: new CheckEngine({ logger }),
    terminals: new NodePtyTerminalFactory({ logger, graceMs: 60_000, killTimeoutMs: 200 }),
    probesFor: () => probes,
    tokenKey: key,
    settings: {
      clusterPrefix: 'cks-',
      idleTimeoutMs: 60_000,
      reapIntervalMs: 60_000,
      terminalGraceMs: 60_000,
      maxActiveSessions: 10,
      maxActiveSessionsPerLearner: 2,
      setupTimeoutMs: 10_000,
      ...overrides,
    },
  });
  return { manager, provider, probes, store, key, pool };
}

const LEARNER = 'L'.repeat(43);
const OTHER = 'O'.repeat(43);

describe('SessionManager', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length) cleanups.pop()?.();
  });

  it('provisions in the background: kind phases, node readiness, setup on the node, then ready', async () => {
    const { manager, provider, store } = setup();
    cleanups.push(() => manager.dispose());
    const seen: ProvisionProgress[] = [];
    manager.on('progress', (_id, p) => seen.push(p));
    const { session, token } = await manager.start(LEARNER, 'init-containers');
    assert.equal(session.state, 'provisioning');
    assert.match(session.clusterName, /^cks-[a-z0-9]{10}$/);
    assert.ok(token.length > 20);
    await waitFor(() => store.getSession(session.id)?.state === 'ready', 'ready');
    const steps = seen.filter((p) => p.state === 'done').map((p) => p.step);
    assert.deepEqual(steps.slice(0, 6), ['Ensuring node image', 'Preparing nodes', 'Writing configuration', 'Starting control-plane', 'Installing CNI', 'Installing StorageClass']);
    assert.ok(steps.includes('Running scenario setup'));
    assert.equal(steps[steps.length - 1], 'Ready');
    const setupRun = provider.nodeCommands.find((c) => c.argv.join(' ') === 'bash -s');
    assert.ok(setupRun?.input?.includes('/root/init-pod.yaml'), 'setup script is sent to the node on stdin');
  });

  it('a failed kind create leaves a failed session with kind’s reason, no cluster, and Retry works', async () => {
    const { manager, provider, store } = setup();
    cleanups.push(() => manager.dispose());
    provider.failAt = 'Starting control-plane';
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => store.getSession(session.id)?.state === 'failed', 'failed');
    assert.match(store.getSession(session.id)?.error ?? '', /failed at Starting control-plane/);
    assert.equal(provider.clusters.size, 0, 'the half-made cluster is gone');
    manager.retry(session.id);
    await waitFor(() => store.getSession(session.id)?.state === 'ready', 'ready after retry');
  });

  it('a failing setup script fails the session and deletes its cluster', async () => {
    const { manager, provider, store } = setup();
    cleanups.push(() => manager.dispose());
    provider.setupExitCode = 3;
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => store.getSession(session.id)?.state === 'failed', 'failed');
    assert.match(store.getSession(session.id)?.error ?? '', /setup failed \(exit code 3\).*setup exploded/s);
    assert.equal(provider.clusters.size, 0, 'the cluster whose setup failed is deleted');
  });

  it('rejects unknown scenarios naming the field, and binds the token to the learner', async () => {
    const { manager } = setup();
    cleanups.push(() => manager.dispose());
    await assert.rejects(manager.start(LEARNER, 'nope'), (e: Error & { field?: string }) => e.field === 'scenarioId' && /Unknown scenario "nope".*init-containers/.test(e.message));
    await assert.rejects(manager.start(LEARNER, 42), /scenarioId is required/);
    const { session, token } = await manager.start(LEARNER, 'init-containers');
    assert.equal(manager.authorize(session.id, LEARNER, token).id, session.id);
    assert.throws(() => manager.authorize(session.id, OTHER, token), /another browser/);
    assert.throws(() => manager.authorize(session.id, LEARNER, token + 'x'), /another browser/);
    assert.throws(() => manager.authorize(session.id, LEARNER, undefined), /another browser/);
    // A second start of the same scenario returns the running session, not a second cluster.
    assert.equal((await manager.start(LEARNER, 'init-containers')).session.id, session.id);
  });

  it('grades, stores attempts, and a restarted manager sees them and adopts the cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cks-sess-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'cks.db');
    const first = setup({}, db);
    const { session } = await first.manager.start(LEARNER, 'init-containers');
    await waitFor(() => first.store.getSession(session.id)?.state === 'ready', 'ready');
    const failing = await first.manager.grade(session.id);
    assert.equal(failing.passed, false);
    assert.equal(failing.score, 0);
    first.probes.put(solvedInitPod());
    first.probes.podExecHandler = () => ({ exitCode: 0, stdout: 'prepared by init\n', stderr: '' });
    const passing = await first.manager.grade(session.id);
    assert.equal(passing.passed, true);
    assert.equal(passing.score, passing.maxScore);
    first.manager.dispose();
    first.store.close();

    const second = setup({}, db);
    cleanups.push(() => second.manager.dispose());
    second.provider.clusters.add(second.store.getSession(session.id)!.clusterName);
    second.provider.clusters.add('cks-orphan00');
    second.provider.clusters.add('someone-elses');
    const r = await second.manager.reconcile();
    assert.deepEqual(r.adopted, [session.id]);
    assert.deepEqual(r.removed, ['cks-orphan00'], 'only clusters with our prefix that we do not know are removed');
    assert.ok(second.provider.clusters.has('someone-elses'));
    assert.equal(second.store.listAttempts(session.id).length, 2);
    assert.equal(second.store.getSession(session.id)?.state, 'ready');
  });

  it('reaps sessions idle past the limit and deletes their clusters', async () => {
    const { manager, provider, store } = setup({ idleTimeoutMs: 1000 });
    cleanups.push(() => manager.dispose());
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => store.getSession(session.id)?.state === 'ready', 'ready');
    assert.deepEqual(await manager.reapIdle(Date.now()), []);
    assert.deepEqual(await manager.reapIdle(Date.now() + 5000), [session.id]);
    assert.equal(store.getSession(session.id)?.state, 'ended');
    assert.match(store.getSession(session.id)?.error ?? '', /without activity/);
    assert.ok(provider.deleted.includes(store.getSession(session.id)!.clusterName));
  });

  it('queues provisioning beyond the concurrency limit and says where the learner is in the queue', async () => {
    const { manager, provider, store } = setup({ concurrent: 1 });
    cleanups.push(() => manager.dispose());
    let release!: () => void;
    provider.gate = new Promise((r) => (release = r));
    const a = await manager.start(LEARNER, 'init-containers');
    const b = await manager.start(OTHER, 'init-containers');
    await waitFor(() => manager.progress(b.session.id).some((p) => /number 1 in the queue/.test(p.detail ?? '')), 'queue position');
    provider.gate = undefined;
    release();
    await waitFor(() => store.getSession(a.session.id)?.state === 'ready' && store.getSession(b.session.id)?.state === 'ready', 'both ready');
  });

  it('overlapping resets of one lab leave one cluster: a provisioning that lost the race deletes what it got', async () => {
    const { manager, provider, store, pool } = setup({ concurrent: 2 });
    cleanups.push(() => manager.dispose());
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => store.getSession(session.id)?.state === 'ready', 'ready');
    provider.phaseDelayMs = 20;
    await Promise.all([manager.reset(session.id), manager.reset(session.id), manager.reset(session.id)]);
    await waitFor(() => manager.progress(session.id).length > 0, 'provisioning again');
    await manager.reset(session.id); // once more while that cluster is being created
    await waitFor(() => store.getSession(session.id)?.state === 'ready' && pool.status().clusters.every((c) => c.state === 'ready'), 'settled');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual([...provider.clusters], [store.getSession(session.id)!.clusterName]);
  });

  it('stopping a lab while its cluster is being created leaves no cluster behind (none parked warm)', async () => {
    const { manager, provider, store, pool } = setup();
    cleanups.push(() => manager.dispose());
    provider.phaseDelayMs = 20;
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => manager.progress(session.id).some((p) => p.step === 'Preparing nodes'), 'kind under way');
    await manager.stop(session.id);
    assert.equal(store.getSession(session.id)?.state, 'ended');
    await waitFor(() => pool.status().clusters.every((c) => c.state === 'ready'), 'create finished');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...provider.clusters], [], 'the cluster made for the stopped lab is deleted');
    assert.equal(pool.status().labs.reduce((n, l) => n + l.ready, 0), 0, 'and not kept warm: no workshop or setting asked for one');
  });

  it('stop closes the terminal and deletes the cluster', async () => {
    const { manager, provider, store } = setup();
    cleanups.push(() => manager.dispose());
    const { session } = await manager.start(LEARNER, 'init-containers');
    await waitFor(() => store.getSession(session.id)?.state === 'ready', 'ready');
    const term = manager.terminal(session.id);
    await manager.stop(session.id);
    assert.equal(store.getSession(session.id)?.state, 'ended');
    assert.ok(provider.deleted.includes(store.getSession(session.id)!.clusterName));
    await waitFor(() => term.exited, 'terminal exited');
    await assert.rejects(manager.grade(session.id), /ended/);
  });
});
