/** Summary of repeated measurements of one figure. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number;
}

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** min / median / max of repeated runs. */
export function spread(values: number[]): Spread {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length === 0) return { min: NaN, median: NaN, max: NaN, runs: 0 };
  const sorted = [...ok].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number, runs: ok.length };
}

/** Round for display and JSON (3 significant decimals for small values). */
export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` is truthy or `timeoutMs` passes (then throw, naming `what`). */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 5): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
