import { KIND_PHASES, type ClusterInfo, type ClusterProvider, type Lab, type ProvisionProgress } from '../../server/clusters/types.js';
import { WarmPool } from '../../server/clusters/pool.js';
import { AppError } from '../../server/errors.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { ExecOutcome } from '../../server/grading/types.js';

/**
 * An in-memory ClusterProvider for session/HTTP tests that do not need kind at all. Its
 * "node shell" is a local bash without rc files; its node commands are recorded, not run.
 */
export class MemoryProvider implements ClusterProvider {
  readonly clusters = new Set<string>();
  readonly deleted: string[] = [];
  readonly nodeCommands: { cluster: string; argv: string[]; input?: string }[] = [];
  /** Fail `create` at this phase (once, then succeed). */
  failAt: string | undefined;
  /** Exit code the setup script returns. */
  setupExitCode = 0;
  phaseDelayMs = 5;
  preflightProblem: string | null = null;
  /** Resolves create only when released (to observe provisioning). */
  gate: Promise<void> | undefined;

  async preflight(): Promise<string | null> {
    return this.preflightProblem;
  }

  /** Reason a lab cannot run here, by lab id. */
  readonly unsupported = new Map<string, string>();

  async labSupport(lab: Lab): Promise<string | null> {
    return this.unsupported.get(lab.id) ?? null;
  }

  async create(name: string, _lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<ClusterInfo> {
    if (this.preflightProblem) throw new AppError('docker_unavailable', this.preflightProblem);
    this.clusters.add(name);
    for (const [i, phase] of KIND_PHASES.entries()) {
      onProgress({ step: phase, state: 'started', fraction: i / 8 });
      await new Promise((r) => setTimeout(r, this.phaseDelayMs));
      if (signal?.aborted) throw new AppError('cluster_failed', 'cancelled');
      if (this.failAt === phase) {
        this.failAt = undefined;
        onProgress({ step: phase, state: 'failed', fraction: i / 8 });
        this.clusters.delete(name);
        throw new AppError('cluster_failed', `kind could not create the cluster: failed at ${phase}`);
      }
      onProgress({ step: phase, state: 'done', fraction: (i + 1) / 8 });
    }
    if (this.gate) await this.gate;
    return { name, controlPlaneNode: `${name}-control-plane` };
  }

  async delete(name: string): Promise<void> {
    this.deleted.push(name);
    this.clusters.delete(name);
  }

  async list(): Promise<string[]> {
    return [...this.clusters].sort();
  }

  async kubeconfig(name: string): Promise<string> {
    if (!this.clusters.has(name)) throw new AppError('cluster_unreachable', `no cluster ${name}`);
    return `apiVersion: v1\nkind: Config\nclusters: [{name: ${name}, cluster: {server: "http://127.0.0.1:1"}}]\ncontexts: [{name: ${name}, context: {cluster: ${name}, user: u}}]\ncurrent-context: ${name}\nusers: [{name: u, user: {token: t}}]\n`;
  }

  async nodeExec(name: string, argv: string[], opts: { input?: string } = {}): Promise<ExecOutcome> {
    this.nodeCommands.push({ cluster: name, argv, ...(opts.input !== undefined ? { input: opts.input } : {}) });
    if (argv[0] === 'bash' && argv[1] === '-s') return { exitCode: this.setupExitCode, stdout: '', stderr: this.setupExitCode ? 'kubectl: setup exploded' : '' };
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  nodeShellArgv(): string[] {
    return ['bash', '--norc', '--noprofile', '-i'];
  }
}

/** A WarmPool over any provider for tests (capacity 20, 2 creates at once, no warm target). */
export function testPool(
  provider: ClusterProvider,
  store: import('../../server/store/index.js').SqliteStore,
  labs: Map<string, Lab>,
  opts: { concurrent?: number; capacity?: number; prepare?: (cluster: string, scenarioId: string) => Promise<void> } = {},
): import('../../server/clusters/index.js').WarmPool {
  let n = 0;
  return new WarmPool({
    provider,
    store,
    labs,
    logger: createSilentLogger(),
    capacity: opts.capacity ?? 20,
    maxConcurrentCreates: opts.concurrent ?? 2,
    newName: () => `cks-${(Date.now().toString(16) + (++n).toString(16)).slice(-10).padStart(10, '0')}`,
    inUse: () => store.listSessions({ states: ['provisioning', 'ready'] }).length,
    ...(opts.prepare ? { prepare: opts.prepare } : {}),
  });
}
