import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WarmPool, clusterCapacity, loadLabs } from '../../server/clusters/index.js';
import type { ProvisionProgress } from '../../server/clusters/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { SqliteStore } from '../../server/store/index.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const labs = loadLabs(join(ROOT, 'labs'));
const lab = labs.get('default')!;

function pool(opts: { capacity?: number; concurrent?: number; inUse?: () => number; prepared?: string[] } = {}) {
  const provider = new MemoryProvider();
  const store = new SqliteStore(':memory:');
  let n = 0;
  const p = new WarmPool({
    provider,
    store,
    labs,
    logger: createSilentLogger(),
    capacity: opts.capacity ?? 10,
    maxConcurrentCreates: opts.concurrent ?? 4,
    newName: () => `cks-pool${String(++n).padStart(4, '0')}`,
    inUse: opts.inUse ?? (() => 0),
    prepare: async (cluster, scenario) => {
      opts.prepared?.push(`${cluster}:${scenario}`);
    },
  });
  return { p, provider, store };
}

describe('WarmPool', () => {
  it('keeps the target number of clusters ready and hands one out at once', async () => {
    const { p, provider, store } = pool();
    p.setTarget('default', 2);
    await waitFor(() => p.status().labs[0]?.ready === 2, 'two ready');
    assert.equal(provider.clusters.size, 2);
    assert.deepEqual(store.listPoolClusters().map((c) => c.state), ['ready', 'ready']);
    const seen: ProvisionProgress[] = [];
    const started = Date.now();
    const { name, prepared } = await p.acquire(lab, (x) => seen.push(x));
    assert.equal(prepared, false);
    assert.ok(Date.now() - started < 50, 'a pool hit is immediate');
    assert.match(name, /^cks-pool/);
    assert.match(seen[0]?.detail ?? '', /warm cluster was ready/);
    // It refills behind the learner.
    await waitFor(() => p.status().labs[0]?.ready === 2, 'refilled');
    assert.equal(store.listPoolClusters().some((c) => c.name === name), false, 'a taken cluster leaves the pool table');
  });

  it('creates a cluster for a learner at once when the pool is empty, with real progress', async () => {
    const { p } = pool();
    const steps: string[] = [];
    const { name } = await p.acquire(lab, (x) => steps.push(`${x.step}:${x.state}`));
    assert.match(name, /^cks-pool/);
    assert.ok(steps.includes('Installing CNI:done'), steps.join(','));
  });

  it('bounds the target by capacity and says so', () => {
    const { p } = pool({ capacity: 3, inUse: () => 1 });
    const r = p.setTarget('default', 30);
    assert.equal(r.target, 2);
    assert.match(r.message ?? '', /can hold about 3 clusters.*30 warm clusters.*2 will be kept ready.*queue/s);
  });

  it('queues learners beyond capacity, tells them their place, and serves them in order', async () => {
    let inUse = 0;
    const { p, provider } = pool({ capacity: 1, concurrent: 1, inUse: () => inUse });
    provider.phaseDelayMs = 20;
    const first = p.acquire(lab, () => undefined).then((n) => {
      inUse++;
      return n.name;
    });
    const secondSteps: string[] = [];
    const second = p.acquire(lab, (x) => secondSteps.push(x.detail ?? x.step));
    const a = await first;
    await waitFor(() => secondSteps.some((s) => /Every cluster slot of this host is busy: you are number 1 in the queue/.test(s)), 'queue place');
    inUse--; // the first learner's lab ends and its cluster is deleted
    await provider.delete(a);
    p.wake();
    const b = (await second).name;
    assert.notEqual(a, b);
  });

  it('an idle host never tells a learner it is busy, not even before a real error', async () => {
    const { p, provider } = pool();
    const details: string[] = [];
    await p.acquire(lab, (x) => details.push(x.detail ?? ''));
    await p.acquire(lab, (x) => details.push(x.detail ?? ''), undefined, 'init-containers');
    assert.deepEqual(details.filter((d) => /busy|queue/.test(d)), [], details.join(' | '));
    provider.preflightProblem = 'Docker is not running or this server cannot reach it.';
    await assert.rejects(p.acquire(lab, (x) => details.push(x.detail ?? '')), /Docker is not running/);
    assert.deepEqual(details.filter((d) => /busy|queue/.test(d)), [], 'the real error comes alone');
  });

  it('a learner waiting for a create slot (not for capacity) is told that, with their place', async () => {
    const { p, provider } = pool({ capacity: 10, concurrent: 1 });
    let release!: () => void;
    provider.gate = new Promise((r) => (release = r));
    const first = p.acquire(lab, () => undefined);
    const details: string[] = [];
    const second = p.acquire(lab, (x) => details.push(x.detail ?? ''));
    await waitFor(() => details.some((d) => /creates one cluster at a time.*number 1 in the queue/.test(d)), 'told to wait for a create slot');
    assert.equal(details.some((d) => /slot of this host is busy/.test(d)), false, 'the host has room: it is not full');
    provider.gate = undefined;
    release();
    await Promise.all([first, second]);
  });

  it('a cluster whose learner left mid-create is deleted, not kept warm beyond the target', async () => {
    const { p, provider, store } = pool();
    provider.phaseDelayMs = 20;
    const abort = new AbortController();
    const steps: string[] = [];
    const got = p.acquire(lab, (x) => steps.push(x.step), abort.signal);
    await waitFor(() => steps.length > 0, 'create under way');
    abort.abort(); // the learner stopped the lab while its cluster was being created
    await assert.rejects(got, /cancelled/);
    await waitFor(() => p.status().clusters.length === 0 && provider.clusters.size === 0, 'no cluster left');
    assert.equal(store.listPoolClusters().length, 0);
  });

  it('adopts ready pool clusters that survived a restart and forgets the rest', async () => {
    const { p, store } = pool();
    store.savePoolCluster({ name: 'cks-keepme', lab: 'default', state: 'ready', error: null });
    store.savePoolCluster({ name: 'cks-gone', lab: 'default', state: 'ready', error: null });
    store.savePoolCluster({ name: 'cks-half', lab: 'default', state: 'provisioning', error: null });
    assert.deepEqual(p.adopt(new Set(['cks-keepme', 'cks-half'])), ['cks-keepme']);
    assert.deepEqual(store.listPoolClusters().map((c) => c.name), ['cks-keepme']);
    assert.equal((await p.acquire(lab, () => undefined)).name, 'cks-keepme');
  });

  it('deletes surplus warm clusters when the target goes down (a workshop ended)', async () => {
    const { p, provider, store } = pool();
    p.setTarget('default', 3);
    await waitFor(() => p.status().labs[0]?.ready === 3, 'three ready');
    p.setTarget('default', 1);
    assert.equal(p.status().labs[0]?.ready, 1);
    await waitFor(() => provider.clusters.size === 1, 'two deleted');
    assert.equal(store.listPoolClusters().length, 1);
  });

  it('keeps clusters with a scenario’s setup already done, and hands them to learners of that scenario only', async () => {
    const prepared: string[] = [];
    const { p } = pool({ prepared });
    p.setTarget('default', 1, 'init-containers');
    await waitFor(() => p.status().labs.find((l) => l.lab === 'default/init-containers')?.ready === 1, 'one prepared');
    assert.equal(prepared.length, 1);
    assert.match(prepared[0] ?? '', /:init-containers$/);
    // Another scenario of the same lab cannot use it (its setup would be wrong): it gets a fresh one.
    const other = await p.acquire(lab, () => undefined, undefined, 'encryption-at-rest');
    assert.equal(other.prepared, false);
    assert.notEqual(`${other.name}:init-containers`, prepared[0]);
    const mine = await p.acquire(lab, () => undefined, undefined, 'init-containers');
    assert.equal(mine.prepared, true);
    assert.equal(`${mine.name}:init-containers`, prepared[0]);
  });

  it('computes capacity from memory', () => {
    assert.equal(clusterCapacity(24 * 1024 ** 3, 1024, 2048), 22);
    assert.equal(clusterCapacity(1024 ** 3, 1024, 2048), 1);
  });
});
