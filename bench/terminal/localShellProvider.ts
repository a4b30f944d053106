import type { ClusterInfo, ClusterProvider, Lab, ProvisionProgress } from '../../server/clusters/types.js';
import type { ExecOutcome } from '../../server/grading/types.js';

/** The shell both products run: a local bash without rc files (as test/helpers' MemoryProvider). */
export const BENCH_SHELL = ['bash', '--norc', '--noprofile', '-i'];

/**
 * A ClusterProvider with no cluster at all: "create" is instant and the node shell is a local
 * bash, so the terminal benchmark measures the terminal path (HTTP + socket.io + pty) only.
 */
export class LocalShellProvider implements ClusterProvider {
  private readonly clusters = new Set<string>();

  async create(name: string, _lab: Lab, onProgress: (p: ProvisionProgress) => void): Promise<ClusterInfo> {
    this.clusters.add(name);
    onProgress({ step: 'Ready', state: 'done', fraction: 0.85 });
    return { name, controlPlaneNode: `${name}-control-plane` };
  }

  async delete(name: string): Promise<void> {
    this.clusters.delete(name);
  }

  async list(): Promise<string[]> {
    return [...this.clusters];
  }

  async kubeconfig(): Promise<string> {
    return '';
  }

  async nodeExec(): Promise<ExecOutcome> {
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  nodeShellArgv(): string[] {
    return [...BENCH_SHELL];
  }

  async preflight(): Promise<string | null> {
    return null;
  }

  async labSupport(): Promise<string | null> {
    return null;
  }
}
