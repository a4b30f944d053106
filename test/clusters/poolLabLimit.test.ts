/**
 * Labs with `maxClustersPerHost` (the apparmor lab: profiles live in the host kernel and its
 * profile name is fixed, so one cluster of it per host): the warm pool never holds or creates more,
 * a learner beyond it waits in the queue and is told the lab's reason, other labs are not held
 * back, and a warm cluster no waiting learner can use makes room.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WarmPool, loadLabs } from '../../server/clusters/index.js';
import type { Lab } from '../../server/clusters/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { SqliteStore } from '../../server/store/index.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const REASON = 'AppArmor profiles are host-global, so this host runs one AppArmor lab at a time.';
const real = loadLabs(join(ROOT, 'labs'));
const aa: Lab = { ...real.get('default')!, id: 'aa', maxClustersPerHost: 1, hostLimitReason: REASON };
const plain = real.get('default')!;
const labs = new Map<string, Lab>([
  ['default', plain],
  ['aa', aa],
]);

/** A pool with sessions counted per lab as the server does: a learner's session exists from Start to Stop. */
function world(opts: { concurrent?: number } = {}) {
  const provider = new MemoryProvider();
  const sessions = new Map<string, number>();
  let n = 0;
  const pool = new WarmPool({
    provider,
    store: new SqliteStore(':memory:'),
    labs,
    logger: createSilentLogger(),
    capacity: 10,
    maxConcurrentCreates: opts.concurrent ?? 4,
    newName: () => `cks-lim${String(++n).padStart(3, '0')}`,
    inUse: () => [...sessions.values()].reduce((a, b) => a + b, 0),
    sessionsOf: (lab) => sessions.get(lab) ?? 0,
    prepare: async () => undefined,
  });
  /** A learner presses Start: their session exists, then the pool is asked for a cluster. */
  const start = (lab: Lab, details: string[] = [], scenario?: string) => {
    sessions.set(lab.id, (sessions.get(lab.id) ?? 0) + 1);
    return pool.acquire(lab, (p) => details.push(p.detail ?? p.step), undefined, scenario);
  };
  /** A learner presses Stop: the session ends, its cluster is deleted, the pool wakes. */
  const stop = async (lab: Lab, cluster: string) => {
    sessions.set(lab.id, (sessions.get(lab.id) ?? 0) - 1);
    await provider.delete(cluster);
    pool.wake();
  };
  return { pool, provider, start, stop };
}

describe('WarmPool: labs with maxClustersPerHost', () => {
  it('a second learner of the lab waits with the lab’s reason, and starts when the first stops', async () => {
    const { provider, start, stop } = world();
    const first = await start(aa);
    const details: string[] = [];
    let second: string | undefined;
    void start(aa, details).then((a) => (second = a.name));
    await waitFor(() => details.some((d) => d.includes('AppArmor profiles are host-global, so this host runs one AppArmor lab at a time')), 'told why');
    assert.match(details.join('\n'), /one AppArmor lab at a time; yours starts when one ends: you are number 1 in the queue/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...provider.clusters], [first.name], 'no second cluster of the lab while the first is in use');
    await stop(aa, first.name);
    await waitFor(() => second !== undefined, 'second learner served');
    assert.notEqual(second, first.name);
    assert.deepEqual([...provider.clusters], [second]);
  });

  it('learners asking at the same moment get one cluster, the other waits', async () => {
    const { provider, start } = world();
    const got: string[] = [];
    void start(aa).then((a) => got.push(a.name));
    void start(aa).then((a) => got.push(a.name));
    await waitFor(() => got.length === 1, 'one served');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 1);
    assert.equal(provider.clusters.size, 1);
  });

  it('other labs are not held back while a learner waits for the limited lab', async () => {
    const { start } = world({ concurrent: 1 });
    await start(aa);
    void start(aa);
    const other = await start(plain);
    assert.match(other.name, /^cks-lim/);
  });

  it('keeps at most maxClustersPerHost warm, says why, and counts a warm one against the limit', async () => {
    const { pool, provider, start } = world();
    const r = pool.setTarget('aa', 3);
    assert.equal(r.target, 1);
    assert.match(r.message ?? '', /one AppArmor lab at a time; 3 warm clusters for lab "aa" were asked for, 1 will be kept ready/);
    await waitFor(() => pool.status().labs.find((l) => l.lab === 'aa')?.ready === 1, 'one warm');
    const a = await start(aa);
    assert.ok(provider.clusters.has(a.name));
    await new Promise((r2) => setTimeout(r2, 100));
    assert.equal(provider.clusters.size, 1, 'no refill while the learner holds the only allowed cluster');
  });

  it('a warm cluster prepared for another scenario of the lab makes room for a waiting learner', async () => {
    const { pool, provider, start } = world();
    pool.setTarget('aa', 1, 'other-scenario');
    await waitFor(() => pool.status().clusters.some((c) => c.state === 'ready'), 'prepared warm cluster');
    const [warm] = [...provider.clusters];
    const got = await start(aa, [], 'apparmor');
    assert.notEqual(got.name, warm);
    assert.ok(provider.deleted.includes(warm!), 'the unusable warm cluster was deleted');
    assert.deepEqual([...provider.clusters], [got.name]);
  });
});
