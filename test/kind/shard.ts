/**
 * `npm run test:kind` split over several runners: CKS_KIND_SHARD="k/n" runs the k-th of n parts
 * (the scenarios-kind workflow's matrix), unset runs everything. A lab with its own node image goes
 * to one part whole, with every scenario on it, so each image is built once; the scenarios of the
 * `default` lab (kindest/node as it is, nothing to build) are spread one by one. The suites that run
 * once (exams, multi-node, credentials, the AppArmor node restart) belong to part 1.
 */

export interface Shard {
  k: number;
  n: number;
}

/** The part this run takes; an unset variable is the whole (1/1). */
export function kindShard(env: NodeJS.ProcessEnv = process.env): Shard {
  const raw = env.CKS_KIND_SHARD?.trim();
  if (!raw) return { k: 1, n: 1 };
  const m = /^(\d{1,2})\/(\d{1,2})$/.exec(raw);
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n) throw new Error(`CKS_KIND_SHARD must be k/n with 1 <= k <= n (e.g. 2/4), not "${raw}"`);
  return { k, n };
}

/** What a scenario is grouped by: its lab, or itself on the default lab. */
const unit = (s: { id: string; lab: string }): string => (s.lab === 'default' ? `scenario:${s.id}` : `lab:${s.lab}`);

/**
 * The units (labs, and the default lab's scenarios) this part runs: the sorted units dealt out in
 * turn, the largest first so the parts take about the same time.
 */
export function shardUnits(scenarios: readonly { id: string; lab: string }[], labIds: readonly string[], shard: Shard): Set<string> {
  const size = new Map<string, number>();
  for (const l of labIds) if (l !== 'default') size.set(`lab:${l}`, 0);
  for (const s of scenarios) size.set(unit(s), (size.get(unit(s)) ?? 0) + 1);
  const order = [...size.keys()].sort((a, b) => (size.get(b)! - size.get(a)!) || a.localeCompare(b));
  return new Set(order.filter((_, i) => i % shard.n === shard.k - 1));
}

/** Whether this part runs `scenario`. */
export function scenarioInShard(scenario: { id: string; lab: string }, units: Set<string>): boolean {
  return units.has(unit(scenario));
}

/** Whether this part checks `lab`'s node image (the default lab's checks run in part 1). */
export function labInShard(labId: string, units: Set<string>, shard: Shard): boolean {
  return labId === 'default' ? shard.k === 1 : units.has(`lab:${labId}`);
}
