import type { WarmPool } from '../clusters/pool.js';
import type { ClusterProvider, Lab, ProvisionProgress } from '../clusters/types.js';
import type { ClusterProbes, Grader, GradeResult } from '../grading/types.js';
import type { Logger } from '../log/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import type { AttemptSource, Store } from '../store/types.js';
import type { TerminalFactory } from '../terminal/types.js';

export interface SessionManagerDeps {
  logger: Logger;
  store: Store;
  provider: ClusterProvider;
  /** Where clusters come from: warm ones at once, else created (or queued) for the session. */
  pool: WarmPool;
  catalog: ScenarioCatalog;
  labs: Map<string, Lab>;
  grader: Grader;
  terminals: TerminalFactory;
  /** Builds the grader's view of a cluster (client-node + docker exec). */
  probesFor: (cluster: string, kubeconfig: string) => ClusterProbes;
  /** Key for session tokens (persisted in the data dir). */
  tokenKey: Buffer;
  settings: SessionSettings;
}

export interface SessionSettings {
  /** Every cluster this server owns starts with this (reconcile removes unknown ones). */
  clusterPrefix: string;
  /** A session with no activity for this long is ended and its cluster deleted. */
  idleTimeoutMs: number;
  /** How often the reaper looks. */
  reapIntervalMs: number;
  /** A detached terminal stays alive this long for a reload to re-attach. */
  terminalGraceMs: number;
  /** Active (provisioning or ready) sessions per learner. */
  maxActiveSessionsPerLearner: number;
  /** Active sessions on this host. */
  maxActiveSessions: number;
  setupTimeoutMs: number;
  /** How often labs with live auto-check on are graded in the background (default 20 s). */
  autoCheckIntervalMs?: number;
}

export interface SessionEvents {
  progress: (sessionId: string, p: ProvisionProgress) => void;
  state: (sessionId: string) => void;
  /** A grade was stored (the learner pressed Check, or a background check ran). */
  graded: (sessionId: string, result: GradeResult, source: AttemptSource) => void;
  /** A lab became ready: how long it took and whether its cluster came warm from the pool. */
  provisioned: (sessionId: string, e: { lab: string; ms: number; warm: boolean }) => void;
  /** A message for the learner of this session (an instructor's broadcast). */
  notice: (sessionId: string, message: string) => void;
  /** The session's workshop seat changed (next scenario, extension, workshop ended). */
  seat: (sessionId: string, e: { workshopId: string; state: 'open' | 'ended'; reason: string }) => void;
}
