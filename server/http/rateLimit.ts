/** How often something may happen per key: `burst` at once, refilled at `perMinute`. */
export interface RateLimit {
  burst: number;
  /** 0 = no limit. */
  perMinute: number;
}

/** Defaults for Check: a few in a row, then one every 10 seconds (CKS_CHECK_BURST, CKS_CHECKS_PER_MINUTE). */
export const DEFAULT_CHECK_LIMIT: RateLimit = { burst: 5, perMinute: 6 };

/** Buckets kept at most; above this, full (idle) buckets are dropped. */
const MAX_KEYS = 10_000;

/**
 * A token bucket per key (a session id). Owned by one server instance: no timers, and
 * `dispose()` forgets every bucket. `now` is injectable for tests.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`: 0 when allowed, else the whole seconds to wait before trying again. */
  take(key: string): number {
    if (this.limit.perMinute <= 0) return 0;
    const capacity = Math.max(1, this.limit.burst);
    const perMs = this.limit.perMinute / 60_000;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: capacity, at: t };
    b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(key, b);
      this.prune();
      return 0;
    }
    this.buckets.set(key, b);
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }

  /** Number of keys tracked (for tests of pruning). */
  get size(): number {
    return this.buckets.size;
  }

  dispose(): void {
    this.buckets.clear();
  }

  private prune(): void {
    if (this.buckets.size <= MAX_KEYS) return;
    const t = this.now();
    const perMs = this.limit.perMinute / 60_000;
    const capacity = Math.max(1, this.limit.burst);
    for (const [key, b] of this.buckets) if (b.tokens + (t - b.at) * perMs >= capacity) this.buckets.delete(key);
  }
}
