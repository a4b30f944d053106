import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { PoolClusterRecord } from '../store/types.js';
import type { ClusterProvider, Lab, ProvisionProgress } from './types.js';

/** The pool's view of the store (the `pool_clusters` table). */
export interface PoolStore {
  savePoolCluster(rec: Omit<PoolClusterRecord, 'createdAt'>): void;
  listPoolClusters(): PoolClusterRecord[];
  deletePoolCluster(name: string): void;
}

export interface WarmPoolOptions {
  provider: ClusterProvider;
  store: PoolStore;
  labs: Map<string, Lab>;
  logger: Logger;
  /** Most clusters this host holds at once (pool + in use), derived from memory. */
  capacity: number;
  /** kind creates at once (CPU-heavy). */
  maxConcurrentCreates: number;
  /** A fresh cluster name (fixed prefix). */
  newName: () => string;
  /** Clusters in use by sessions right now (counted against capacity). */
  inUse: () => number;
  /**
   * Sessions of this lab that are provisioning or ready, for labs with `maxClustersPerHost`
   * (learners waiting in this pool are among them and are not counted as holding a cluster).
   */
  sessionsOf?: (labId: string) => number;
  /** Runs a scenario's setup on a warm cluster kept for that scenario (so Start skips it). */
  prepare?: (cluster: string, scenarioId: string) => Promise<void>;
}

/** What a cluster is kept warm for: a lab (`default`), or a lab with a scenario's setup done (`default/init-containers`). */
type PoolKey = string;
const keyOf = (lab: string, scenario?: string): PoolKey => (scenario ? `${lab}/${scenario}` : lab);
const labOf = (key: PoolKey): string => key.split('/')[0] as string;
const scenarioOf = (key: PoolKey): string | undefined => key.split('/')[1];

/** A cluster handed out by the pool; `prepared` = the scenario's setup already ran on it. */
export interface Acquired {
  name: string;
  prepared: boolean;
}

/** One cluster being created, with everyone who wants to hear how it goes. */
interface InFlight {
  name: string;
  /** The pool key it is created for. */
  lab: PoolKey;
  latest: ProvisionProgress | undefined;
  listeners: Set<(p: ProvisionProgress) => void>;
  /** Set when a waiter already owns it (a cold start), so it never sits in the pool. */
  reservedFor: Waiter | undefined;
}

interface Waiter {
  lab: string;
  /** A cluster prepared for this scenario fits too. */
  scenario: string | undefined;
  resolve: (a: Acquired) => void;
  reject: (e: unknown) => void;
  onProgress: (p: ProvisionProgress) => void;
  following: InFlight | undefined;
  /** Last queue message told, so it is said once per change. */
  told: string | undefined;
}

export interface PoolStatus {
  capacity: number;
  inUse: number;
  labs: { lab: string; target: number; ready: number; provisioning: number; waiting: number }[];
  clusters: { name: string; lab: string; state: 'provisioning' | 'ready'; progress: ProvisionProgress | null }[];
}

/**
 * Clusters created ahead of demand, per lab, so a learner who starts a lab gets one at once.
 * `acquire` takes a ready cluster, else creates one right away when capacity allows, else waits in
 * a FIFO queue and hears its place and the progress of the cluster that will be theirs.
 */
export class WarmPool {
  private readonly targets = new Map<string, number>();
  private readonly ready = new Map<string, string[]>();
  private readonly inFlight: InFlight[] = [];
  private readonly waiters: Waiter[] = [];
  private creating = 0;
  private disposed = false;

  constructor(private readonly opts: WarmPoolOptions) {}

  /**
   * Keep `count` clusters of `lab` ready — with `scenarioId`, with that scenario's setup already
   * run, so a learner's Start is only the hand-over. Says how many fit when the host cannot hold them all.
   */
  setTarget(labId: string, count: number, scenarioId?: string): { target: number; message: string | null } {
    if (!this.opts.labs.has(labId)) throw new AppError('bad_request', `Unknown lab "${labId}".`, { field: 'lab' });
    if (scenarioId && !this.opts.prepare) throw new AppError('internal', 'this pool cannot prepare scenarios');
    const key = keyOf(labId, scenarioId);
    const others = [...this.targets.entries()].filter(([k]) => k !== key).reduce((n, [, c]) => n + c, 0);
    const room = Math.max(0, this.opts.capacity - this.opts.inUse() - others);
    const labMax = this.opts.labs.get(labId)?.maxClustersPerHost ?? Infinity;
    const target = Math.max(0, Math.min(count, room, labMax));
    this.targets.set(key, target);
    this.trim(key);
    this.fill();
    const what = scenarioId ? `scenario "${scenarioId}"` : `lab "${labId}"`;
    const message =
      target < count && count > labMax
        ? `${this.limitReason(labId)}; ${count} warm clusters for ${what} were asked for, ${target} will be kept ready. Learners beyond that wait in a queue and see their place.`
        : target < count
        ? `This host can hold about ${this.opts.capacity} clusters at once (memory); ${count} warm clusters for ${what} were asked for, ${target} will be kept ready. Learners beyond that wait in a queue and see their place.`
        : null;
    return { target, message };
  }

  /**
   * A ready cluster of `lab` (instantly from the pool — one prepared for `scenarioId` first — or
   * created/queued for the caller).
   */
  acquire(lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal, scenarioId?: string): Promise<Acquired> {
    if (this.disposed) return Promise.reject(new AppError('cluster_failed', 'The server is shutting down.'));
    for (const key of scenarioId ? [keyOf(lab.id, scenarioId), lab.id] : [lab.id]) {
      const pooled = this.ready.get(key)?.shift();
      if (!pooled) continue;
      this.opts.store.deletePoolCluster(pooled);
      this.opts.logger.info('pool hit', { cluster: pooled, key });
      onProgress({ step: 'Ready', state: 'done', fraction: 0.85, detail: WARM_HIT });
      this.fill();
      return Promise.resolve({ name: pooled, prepared: scenarioOf(key) !== undefined });
    }
    return new Promise<Acquired>((resolve, reject) => {
      const waiter: Waiter = { lab: lab.id, scenario: scenarioId, resolve, reject, onProgress, following: undefined, told: undefined };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.unfollow(waiter);
        reject(new AppError('cluster_failed', 'Provisioning was cancelled.'));
        this.announceQueue(lab.id);
      });
      this.fill();
      this.announceQueue(lab.id);
    });
  }

  /** Start-up: clusters the store lists as ready and that still exist go back into the pool. */
  adopt(existing: Set<string>): string[] {
    const adopted: string[] = [];
    for (const rec of this.opts.store.listPoolClusters()) {
      const scenario = scenarioOf(rec.lab);
      if (rec.state === 'ready' && existing.has(rec.name) && this.opts.labs.has(labOf(rec.lab)) && (!scenario || this.opts.prepare)) {
        this.readyList(rec.lab).push(rec.name);
        adopted.push(rec.name);
      } else {
        this.opts.store.deletePoolCluster(rec.name);
      }
    }
    return adopted;
  }

  /** Delete ready clusters above the lab's target (a workshop ended): they would only hold memory. */
  private trim(labId: string): void {
    const list = this.ready.get(labId) ?? [];
    const target = this.targets.get(labId) ?? 0;
    const waiting = this.waiters.filter((w) => fits(labId, w)).length;
    const excess = list.splice(Math.max(target, waiting));
    for (const name of excess) {
      this.opts.store.deletePoolCluster(name);
      this.opts.logger.info('deleting surplus warm cluster', { cluster: name, lab: labId });
      void this.opts.provider.delete(name).catch((e: unknown) => this.opts.logger.warn('surplus cluster delete failed', { cluster: name, err: e }));
    }
  }

  /** Capacity may have freed up (a session ended): serve waiters and refill. */
  wake(): void {
    this.fill();
  }

  status(): PoolStatus {
    const labs = [...new Set([...this.targets.keys(), ...this.ready.keys(), ...this.waiters.map((w) => w.lab)])].sort();
    const waitingFor = (key: PoolKey): number => this.waiters.filter((w) => (scenarioOf(key) ? fits(key, w) : w.lab === key)).length;
    return {
      capacity: this.opts.capacity,
      inUse: this.opts.inUse(),
      labs: labs.map((lab) => ({
        lab,
        target: this.targets.get(lab) ?? 0,
        ready: this.ready.get(lab)?.length ?? 0,
        provisioning: this.inFlight.filter((f) => f.lab === lab).length,
        waiting: waitingFor(lab),
      })),
      clusters: [
        ...[...this.ready.entries()].flatMap(([lab, names]) => names.map((name) => ({ name, lab, state: 'ready' as const, progress: null }))),
        ...this.inFlight.map((f) => ({ name: f.name, lab: f.lab, state: 'provisioning' as const, progress: f.latest ?? null })),
      ],
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(new AppError('cluster_failed', 'The server is shutting down.'));
  }

  private total(): number {
    return this.opts.inUse() + this.inFlight.length + [...this.ready.values()].reduce((n, l) => n + l.length, 0);
  }

  /** Create clusters for waiters first, then up to each lab's target, within capacity and concurrency. */
  private fill(): void {
    if (this.disposed) return;
    // Waiters first follow warm clusters already on their way; only the rest need a new one.
    // Nobody is told a queue place yet: most are served by the creates below.
    for (const lab of new Set(this.waiters.map((w) => w.lab))) this.announceQueue(lab, false);
    this.evictUnfitWarm();
    for (;;) {
      if (this.creating >= this.opts.maxConcurrentCreates || this.total() >= this.opts.capacity) break;
      const unserved = this.waiters.find((w) => !this.hasOwnFlight(w) && !this.isFollowedElsewhere(w) && !this.atLabLimit(w.lab));
      const labId = unserved?.lab ?? this.labBelowTarget();
      if (!labId) break;
      this.startCreate(labId, unserved);
    }
    for (const lab of new Set(this.waiters.map((w) => w.lab))) this.announceQueue(lab);
  }

  private isFollowedElsewhere(w: Waiter): boolean {
    return w.following !== undefined && w.following.reservedFor === undefined && this.inFlight.includes(w.following);
  }

  private labBelowTarget(): string | undefined {
    for (const [lab, target] of this.targets) {
      if (this.atLabLimit(labOf(lab))) continue;
      const have = (this.ready.get(lab)?.length ?? 0) + this.inFlight.filter((f) => f.lab === lab && !f.reservedFor).length;
      if (have < target) return lab;
    }
    return undefined;
  }

  private startCreate(labId: PoolKey, waiter: Waiter | undefined): void {
    const lab = this.opts.labs.get(labOf(labId)) as Lab;
    const scenario = scenarioOf(labId);
    const flight: InFlight = { name: this.opts.newName(), lab: labId, latest: undefined, listeners: new Set(), reservedFor: waiter };
    if (waiter) this.follow(waiter, flight);
    this.inFlight.push(flight);
    this.creating++;
    if (!waiter) this.opts.store.savePoolCluster({ name: flight.name, lab: labId, state: 'provisioning', error: null });
    const log = this.opts.logger.child({ cluster: flight.name, lab: labId });
    log.info(waiter ? 'creating cluster for a waiting learner' : 'creating warm cluster');
    const report = (p: ProvisionProgress): void => {
      flight.latest = p;
      for (const l of flight.listeners) l(p);
    };
    void this.opts.provider
      .create(flight.name, lab, report)
      .then(async () => {
        if (!scenario || !this.opts.prepare) return;
        report({ step: 'Running scenario setup', state: 'started', fraction: 0.85, detail: 'Preparing the scenario in advance' });
        try {
          await this.opts.prepare(flight.name, scenario);
        } catch (e) {
          await this.opts.provider.delete(flight.name).catch(() => undefined);
          throw e;
        }
        report({ step: 'Running scenario setup', state: 'done', fraction: 0.98 });
      })
      .then(
        () => this.finished(flight, null),
        (e: unknown) => this.finished(flight, e),
      );
  }

  private finished(flight: InFlight, error: unknown): void {
    this.creating--;
    this.inFlight.splice(this.inFlight.indexOf(flight), 1);
    if (this.disposed && error) return;
    for (const w of this.waiters) if (w.following === flight) this.unfollow(w);
    const reserved = flight.reservedFor && this.waiters.includes(flight.reservedFor) ? flight.reservedFor : undefined;
    if (error) {
      this.opts.logger.warn('cluster creation failed', { cluster: flight.name, lab: flight.lab, err: error });
      this.opts.store.deletePoolCluster(flight.name);
      if (reserved) {
        this.removeWaiter(reserved);
        reserved.reject(isAppError(error) ? error : new AppError('cluster_failed', 'The cluster could not be created.', { cause: error }));
      } else if (!flight.reservedFor) {
        // A failing warm create must not loop: no refill for this lab until a target is set again.
        this.targets.set(flight.lab, 0);
      }
    } else {
      // The cluster goes to the learner it was made for, else to the first learner waiting for
      // this lab without a cluster of their own on the way, else into the pool while it is below
      // target (a learner who stopped mid-provisioning leaves one nobody asked to keep warm).
      const owner = reserved ?? this.waiters.find((w) => fits(flight.lab, w) && !this.hasOwnFlight(w));
      if (this.disposed) {
        // Finished after shutdown: nobody can use it and the store is closed; remove it.
        void this.opts.provider.delete(flight.name).catch(() => undefined);
        return;
      } else if (!owner && (this.ready.get(flight.lab)?.length ?? 0) >= (this.targets.get(flight.lab) ?? 0)) {
        this.opts.store.deletePoolCluster(flight.name);
        this.opts.logger.info('deleting a cluster nobody waits for (above the warm target)', { cluster: flight.name, lab: flight.lab });
        void this.opts.provider.delete(flight.name).catch((e: unknown) => this.opts.logger.warn('surplus cluster delete failed', { cluster: flight.name, err: e }));
      } else if (owner) {
        this.removeWaiter(owner);
        this.opts.store.deletePoolCluster(flight.name);
        owner.resolve({ name: flight.name, prepared: scenarioOf(flight.lab) !== undefined });
      } else {
        this.readyList(flight.lab).push(flight.name);
        this.opts.store.savePoolCluster({ name: flight.name, lab: flight.lab, state: 'ready', error: null });
      }
    }
    this.fill();
  }

  private hasOwnFlight(w: Waiter): boolean {
    return this.inFlight.some((f) => f.reservedFor === w);
  }

  private removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    this.unfollow(w);
  }

  private readyList(lab: string): string[] {
    let list = this.ready.get(lab);
    if (!list) {
      list = [];
      this.ready.set(lab, list);
    }
    return list;
  }

  /**
   * Tell each waiter of `lab` its place and, when a cluster is on its way for it, that cluster's
   * progress. With `tell` false, waiters only start following clusters on their way.
   */
  private announceQueue(lab: string, tell = true): void {
    // Learners whose own cluster is being created already hear its progress.
    const queue = this.waiters.filter((w) => w.lab === lab && !this.hasOwnFlight(w));
    const unreserved = this.inFlight.filter((f) => labOf(f.lab) === lab && !f.reservedFor);
    const taken = new Set<InFlight>();
    queue.forEach((w, i) => {
      const flight = unreserved.find((f) => !taken.has(f) && fits(f.lab, w));
      if (flight) taken.add(flight);
      if (flight && w.following !== flight) {
        this.unfollow(w);
        this.follow(w, flight);
      } else if (!flight && tell) {
        const why = this.waitReason(lab);
        const detail = why && `${why}: you are number ${i + 1} in the queue`;
        if (!detail || w.told === detail) return;
        this.unfollow(w);
        w.told = detail;
        w.onProgress({ step: 'Ensuring node image', state: 'started', fraction: 0, detail });
      }
    });
  }

  /** Why a learner without a cluster on its way waits, in their words; null when nothing holds them. */
  private waitReason(lab: string): string | null {
    if (this.atLabLimit(lab)) return `${this.limitReason(lab)}; yours starts when one ends`;
    if (this.total() >= this.opts.capacity) return 'Every cluster slot of this host is busy';
    const n = this.opts.maxConcurrentCreates;
    if (this.creating >= n) return `This host creates ${n === 1 ? 'one cluster' : `${n} clusters`} at a time; yours starts when one is done`;
    return null;
  }

  /** Clusters of `labId` on this host: held by sessions, being created, and warm. */
  private clustersOf(labId: string): number {
    const waiting = this.waiters.filter((w) => w.lab === labId).length;
    const held = Math.max(0, (this.opts.sessionsOf?.(labId) ?? 0) - waiting);
    const creating = this.inFlight.filter((f) => labOf(f.lab) === labId).length;
    const warm = [...this.ready.entries()].filter(([key]) => labOf(key) === labId).reduce((n, [, names]) => n + names.length, 0);
    return held + creating + warm;
  }

  /** Has `labId` as many clusters as its `maxClustersPerHost` allows? */
  private atLabLimit(labId: string): boolean {
    const max = this.opts.labs.get(labId)?.maxClustersPerHost;
    return max !== undefined && this.clustersOf(labId) >= max;
  }

  private limitReason(labId: string): string {
    const lab = this.opts.labs.get(labId);
    const n = lab?.maxClustersPerHost ?? 1;
    return lab?.hostLimitReason?.replace(/\.$/, '') ?? `This host runs ${n === 1 ? 'one cluster' : `${n} clusters`} of lab "${labId}" at a time`;
  }

  /**
   * A lab at its limit whose learners all wait while a warm cluster of it fits none of them (kept
   * for another of its scenarios): that cluster goes, so theirs can be created.
   */
  private evictUnfitWarm(): void {
    for (const labId of new Set(this.waiters.map((w) => w.lab))) {
      if (!this.atLabLimit(labId)) continue;
      const waiting = this.waiters.filter((w) => w.lab === labId && !this.hasOwnFlight(w) && !w.following);
      if (waiting.length === 0) continue;
      const key = [...this.ready.keys()].find((k) => labOf(k) === labId && (this.ready.get(k)?.length ?? 0) > 0 && !waiting.some((w) => fits(k, w)));
      const name = key === undefined ? undefined : this.ready.get(key)?.shift();
      if (!name) continue;
      this.opts.store.deletePoolCluster(name);
      this.opts.logger.info('deleting a warm cluster no waiting learner can use, to make room under the lab limit', { cluster: name, key });
      void this.opts.provider.delete(name).catch((e: unknown) => this.opts.logger.warn('warm cluster delete failed', { cluster: name, err: e }));
    }
  }

  private follow(w: Waiter, flight: InFlight): void {
    w.following = flight;
    flight.listeners.add(w.onProgress);
    if (flight.latest) w.onProgress(flight.latest);
  }

  private unfollow(w: Waiter): void {
    w.following?.listeners.delete(w.onProgress);
    w.following = undefined;
  }
}

/** The progress detail of a pool hit (sessions recognise warm starts by it). */
export const WARM_HIT = 'A warm cluster was ready for you';

/** Can a cluster kept under `key` serve this waiter? A plain lab cluster serves any scenario of the lab. */
function fits(key: PoolKey, w: Waiter): boolean {
  const scenario = scenarioOf(key);
  return labOf(key) === w.lab && (scenario === undefined || scenario === w.scenario);
}

/** How many kind clusters fit in this host's memory. */
export function clusterCapacity(totalMemBytes: number, perClusterMiB: number, reservedMiB: number): number {
  const usable = totalMemBytes / (1024 * 1024) - reservedMiB;
  return Math.max(1, Math.floor(usable / perClusterMiB));
}
