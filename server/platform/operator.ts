import type { WarmPool } from '../clusters/pool.js';
import type { EngineIsolation } from '../clusters/engine.js';
import type { ClusterProvider } from '../clusters/types.js';
import { Counter, Gauge, Histogram, Registry } from '../metrics/index.js';
import type { SessionManager } from '../sessions/index.js';
import type { SessionState, Store } from '../store/types.js';

const STATES: SessionState[] = ['provisioning', 'ready', 'failed', 'ended'];

/** The platform's Prometheus metrics: sessions, clusters, pool, provisioning and grading durations. */
export class PlatformMetrics {
  readonly registry = new Registry();
  private readonly provisioning = this.registry.add(
    new Histogram('cks_provisioning_seconds', 'Time from Start to a ready lab (cluster, readiness, setup), by lab and warm|cold.', [0.3, 1, 5, 15, 30, 60, 90, 120, 180, 300, 600]),
  );
  private readonly grading = this.registry.add(
    new Histogram('cks_grading_seconds', 'Time to grade a scenario, by scenario.', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  );
  private readonly grades = this.registry.add(new Counter('cks_grades_total', 'Grades by scenario, source (learner|background) and outcome.'));
  /** The provider's units by phase as last asked (the kubernetes provider: lab pods). */
  private units: Record<string, number> | undefined;
  private provider: ClusterProvider | undefined;

  /** Ask the provider for what /metrics reports about its own units (bounded: a slow API never stalls a scrape). */
  async refresh(): Promise<void> {
    const ask = this.provider?.unitsByPhase?.bind(this.provider);
    if (!ask) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 5_000)));
    try {
      this.units = (await Promise.race([ask().catch(() => undefined), late])) ?? this.units;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Start counting from the session manager's events; gauges read the store and pool when scraped. */
  attach(deps: { sessions: SessionManager; pool: WarmPool; store: Store; provider?: ClusterProvider }): void {
    const { sessions, pool, store } = deps;
    this.provider = deps.provider;
    if (deps.provider?.unitsByPhase) {
      this.registry.add(
        new Gauge('cks_lab_pods', 'Lab pods on the Kubernetes cluster by phase (Unschedulable = Pending for lack of room).', () =>
          Object.entries(this.units ?? {}).map(([phase, value]) => ({ labels: { phase }, value })),
        ),
      );
    }
    sessions.on('provisioned', (_id, e) => this.provisioning.observe(e.ms / 1000, { lab: e.lab, start: e.warm ? 'warm' : 'cold' }));
    sessions.on('graded', (_id, r, source) => {
      this.grading.observe(r.durationMs / 1000, { scenario: r.scenario });
      this.grades.inc({ scenario: r.scenario, source, passed: String(r.passed) });
    });
    this.registry.add(
      new Gauge('cks_sessions', 'Lab sessions by state.', () => {
        const all = store.listSessions();
        return STATES.map((state) => ({ labels: { state }, value: all.filter((s) => s.state === state).length }));
      }),
    );
    this.registry.add(
      new Gauge('cks_clusters', 'Clusters this server owns, by state (in_use = labs provisioning or ready).', () => {
        const st = pool.status();
        return [
          { labels: { state: 'in_use' }, value: st.inUse },
          { labels: { state: 'pool_ready' }, value: st.clusters.filter((c) => c.state === 'ready').length },
          { labels: { state: 'pool_provisioning' }, value: st.clusters.filter((c) => c.state === 'provisioning').length },
        ];
      }),
    );
    this.registry.add(new Gauge('cks_pool_size', 'Warm clusters ready per lab.', () => pool.status().labs.map((l) => ({ labels: { lab: l.lab }, value: l.ready }))));
    this.registry.add(new Gauge('cks_pool_waiting', 'Learners waiting for a cluster per lab.', () => pool.status().labs.map((l) => ({ labels: { lab: l.lab }, value: l.waiting }))));
    this.registry.add(new Gauge('cks_cluster_capacity', 'Clusters this host can hold at once.', () => [{ value: pool.status().capacity }]));
  }
}

/** What /api/ready answers: problems make it 503; warnings and the engine's isolation are for operators. */
export interface ReadinessReport {
  ready: boolean;
  problems: string[];
  warnings: string[];
  /** What root in a learner's node can reach on this host (null when the engine cannot be asked). */
  isolation: EngineIsolation | null;
}

/** /api/ready: the store answers and kind + the engine are reachable (cached briefly: docker is slow). */
export function readiness(store: Store, provider: ClusterProvider, opts: { cacheMs?: number; warnings?: () => string[] } = {}): () => Promise<ReadinessReport> {
  const cacheMs = opts.cacheMs ?? 10_000;
  let cached: { at: number; value: ReadinessReport } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.value;
    const problems: string[] = [];
    try {
      store.getSetting('readiness-probe');
    } catch (e) {
      problems.push(`store: ${(e as Error).message}`);
    }
    const tools = await provider.preflight().catch((e: unknown) => (e as Error).message);
    if (tools) problems.push(tools);
    const isolation = tools || !provider.isolation ? null : await provider.isolation().catch(() => null);
    const warnings = [...(opts.warnings?.() ?? [])];
    if (isolation && !isolation.rootless) warnings.push(`isolation: ${isolation.summary}`);
    const value: ReadinessReport = { ready: problems.length === 0, problems, warnings, isolation };
    cached = { at: Date.now(), value };
    return value;
  };
}
