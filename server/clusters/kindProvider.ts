import { AppError, isAppError } from '../errors.js';
import type { ExecOutcome } from '../grading/types.js';
import type { Logger } from '../log/index.js';
import { assertName, type CommandRunner } from '../process/index.js';
import { KindStatusParser, explainKindFailure } from './kindProgress.js';
import { waitForNodeReady, type NodeReadyWaiter } from './readiness.js';
import { KIND_PHASES, type ClusterInfo, type ClusterProvider, type Lab, type ProvisionProgress } from './types.js';

export interface KindProviderOptions {
  runner: CommandRunner;
  logger: Logger;
  /** Where per-cluster kubeconfigs are written (kind's --kubeconfig), so the operator's ~/.kube/config is untouched. */
  kubeconfigDir: string;
  /** Upper bound for `kind create cluster` (ms). */
  createTimeoutMs?: number;
  /** Upper bound for the node to turn Ready after kind returns (ms). */
  readyTimeoutMs?: number;
  /** Swap in tests; the real one polls the API with client-node. */
  waitReady?: NodeReadyWaiter;
}

const ENV_KEY = /^[A-Z_][A-Z0-9_]{0,63}$/;
const DOCKER_DAEMON_ERROR = /^(Error response from daemon:|Cannot connect to the Docker daemon|error during connect)/m;

/** kind's share of the whole provisioning bar; the rest is node readiness and scenario setup. */
const KIND_SHARE = 0.75;

/** ClusterProvider on the kind and docker CLIs. */
export class KindProvider implements ClusterProvider {
  private readonly runner: CommandRunner;
  private readonly logger: Logger;
  private readonly waitReady: NodeReadyWaiter;

  constructor(private readonly opts: KindProviderOptions) {
    this.runner = opts.runner;
    this.logger = opts.logger;
    this.waitReady = opts.waitReady ?? waitForNodeReady;
  }

  async preflight(): Promise<string | null> {
    try {
      const kind = await this.runner.run('kind', ['version'], { timeoutMs: 10_000 });
      if (kind.code !== 0) return `kind is installed but \`kind version\` failed: ${kind.stderr.trim().slice(0, 200)}`;
      const docker = await this.runner.run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 });
      if (docker.code !== 0) return explainKindFailure(docker.stderr).message;
      return null;
    } catch (e) {
      if (isAppError(e)) return e.message;
      throw e;
    }
  }

  async create(name: string, lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<ClusterInfo> {
    assertName(name, 'cluster name');
    const log = this.logger.child({ cluster: name, lab: lab.id });
    const problem = await this.preflight();
    if (problem) throw new AppError(problem.startsWith('Docker') ? 'docker_unavailable' : 'tool_missing', problem);

    let lastFraction = 0;
    const parser = new KindStatusParser((e) => {
      const index = KIND_PHASES.indexOf(e.phase);
      const fraction = (KIND_SHARE * (index + (e.state === 'done' ? 1 : 0.5))) / KIND_PHASES.length;
      lastFraction = Math.max(lastFraction, fraction);
      onProgress({ step: e.phase, state: e.state, fraction: lastFraction, detail: e.text });
    });
    const started = Date.now();
    const res = await this.runner.run(
      'kind',
      ['create', 'cluster', '--name', name, '--config', lab.kindConfig, '--kubeconfig', this.kubeconfigPath(name)],
      { timeoutMs: this.opts.createTimeoutMs ?? 600_000, onStderr: (c) => parser.push(c), ...(signal ? { signal } : {}) },
    );
    parser.end();
    if (res.code !== 0) {
      log.warn('kind create failed', { code: res.code, timedOut: res.timedOut, stderr: res.stderr.slice(-2000) });
      await this.delete(name).catch((e: unknown) => log.error('cleanup after failed create failed', { err: e }));
      if (signal?.aborted) throw new AppError('cluster_failed', 'Provisioning was cancelled.');
      if (res.timedOut) throw new AppError('timeout', 'kind did not finish creating the cluster in time; the half-made cluster was removed. Press Retry.');
      const why = explainKindFailure(res.stderr);
      throw new AppError(why.code, why.message);
    }
    log.info('kind create done', { ms: Date.now() - started });

    // `kind create --wait` exits 0 even on timeout, so readiness is checked here, always.
    onProgress({ step: 'Waiting for node Ready', state: 'started', fraction: KIND_SHARE });
    try {
      const kubeconfig = await this.kubeconfig(name);
      await this.waitReady(kubeconfig, { timeoutMs: this.opts.readyTimeoutMs ?? 180_000, ...(signal ? { signal } : {}) });
    } catch (e) {
      await this.delete(name).catch(() => undefined);
      throw isAppError(e) ? e : new AppError('cluster_failed', `The cluster's node did not become Ready: ${(e as Error).message}`, { cause: e });
    }
    onProgress({ step: 'Waiting for node Ready', state: 'done', fraction: KIND_SHARE + 0.05 });
    return { name, controlPlaneNode: controlPlaneNode(name) };
  }

  async delete(name: string): Promise<void> {
    assertName(name, 'cluster name');
    const res = await this.runner.run('kind', ['delete', 'cluster', '--name', name, '--kubeconfig', this.kubeconfigPath(name)], {
      timeoutMs: 120_000,
    });
    if (res.code !== 0) {
      throw new AppError('cluster_failed', `kind could not delete cluster ${name}: ${explainKindFailure(res.stderr).message}`);
    }
  }

  async list(): Promise<string[]> {
    const res = await this.runner.run('kind', ['get', 'clusters'], { timeoutMs: 30_000 });
    if (res.code !== 0) throw new AppError('cluster_unreachable', explainKindFailure(res.stderr).message);
    // "No kind clusters found." goes to stderr with exit 0: stdout is then empty.
    return res.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  }

  async kubeconfig(name: string): Promise<string> {
    assertName(name, 'cluster name');
    const res = await this.runner.run('kind', ['get', 'kubeconfig', '--name', name], { timeoutMs: 30_000 });
    if (res.code !== 0) {
      throw new AppError('cluster_unreachable', `Cannot get a kubeconfig for cluster "${name}": ${explainKindFailure(res.stderr).message}`);
    }
    return res.stdout;
  }

  async nodeExec(name: string, argv: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ExecOutcome> {
    assertName(name, 'cluster name');
    if (argv.length === 0) throw new AppError('internal', 'nodeExec needs a command');
    const args = ['exec'];
    if (opts.input !== undefined) args.push('-i');
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (!ENV_KEY.test(k)) throw new AppError('internal', `bad environment variable name ${k}`);
      args.push('-e', `${k}=${v}`);
    }
    args.push(controlPlaneNode(name), ...argv);
    const res = await this.runner.run('docker', args, {
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    if (res.timedOut) throw new AppError('timeout', `Command on node ${controlPlaneNode(name)} timed out: ${argv[0]}`);
    if (res.code !== 0 && DOCKER_DAEMON_ERROR.test(res.stderr)) {
      throw new AppError('cluster_unreachable', `Cannot run a command on node ${controlPlaneNode(name)}: ${res.stderr.trim().split('\n')[0]}`);
    }
    return { exitCode: res.code ?? -1, stdout: res.stdout, stderr: res.stderr };
  }

  nodeShellArgv(name: string): string[] {
    assertName(name, 'cluster name');
    return ['docker', 'exec', '-it', '-e', 'KUBECONFIG=/etc/kubernetes/admin.conf', controlPlaneNode(name), 'bash', '-l'];
  }

  private kubeconfigPath(name: string): string {
    return `${this.opts.kubeconfigDir}/${name}.kubeconfig`;
  }
}

export function controlPlaneNode(cluster: string): string {
  return `${cluster}-control-plane`;
}
