import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import { AppError, isAppError } from '../errors.js';
import type { ExecOutcome } from '../grading/types.js';
import { DEFAULT_API_HOSTS, credentialsToKubeconfig, parseClusterCredentials, type ClusterCredentials } from '../kube/clusterCredentials.js';
import type { Logger } from '../log/index.js';
import { assertName, type CommandRunner } from '../process/index.js';
import { DOCKER_INFO_FORMAT, PODMAN_INFO_FORMAT, parseDockerIsolation, parsePodmanIsolation, type EngineIsolation, type EngineName } from './engine.js';
import { KindStatusParser, explainKindFailure } from './kindProgress.js';
import { CONTROL_PLANE, nodeContainer } from './nodes.js';
import { runNodeScript, type NodeScriptOutcome } from './nodeScript.js';
import { connectNodes } from './sshMesh.js';
import { waitForNodeReady, type NodeReadyWaiter } from './readiness.js';
import { KIND_PHASES, type ClusterInfo, type ClusterProvider, type Lab, type NodeExecOptions, type ProvisionProgress } from './types.js';

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
  /**
   * For clusters this provider did not create (the CLI grading a cluster made by `kind create`):
   * read `kind get kubeconfig` when no credentials were captured, under the same rules. The
   * server leaves this off: it only ever uses credentials captured at creation.
   */
  readLiveKubeconfig?: boolean;
  /** The engine kind runs nodes on: its CLI runs node commands (`docker`, or `podman` with KIND_EXPERIMENTAL_PROVIDER=podman). */
  engine?: EngineName;
  /**
   * Where kind writes its kubeconfig, as the runner's side sees it (default `kubeconfigDir`): kind in
   * a lab pod writes inside the pod, while the captured credentials stay in `kubeconfigDir` here.
   */
  kindKubeconfigDir?: string;
  /**
   * The host kernel's release and whether it exposes BTF (/sys/kernel/btf/vmlinux), for labs that
   * require `btf` (default: this machine's, which is the engine's host when the engine is local,
   * as for `kvm`). Swap in tests.
   */
  hostKernel?: () => { release: string; btf: boolean };
  /**
   * The API server address this host reaches a new cluster at, from the one kind reported (default:
   * kind's own). The `kubernetes` provider points it at the lab pod's IP.
   */
  reachableServer?: (server: string) => string;
  /** Hosts kind's kubeconfig may name (default: loopback); a lab pod's kind listens on 0.0.0.0. */
  apiHosts?: readonly string[];
}

const ENV_KEY = /^[A-Z_][A-Z0-9_]{0,63}$/;
/** A lab image's clean-up hook, run on the node before `kind delete` (see `teardown`). */
const NODE_TEARDOWN = '/usr/local/sbin/cks-teardown';
const NO_SUCH_EXECUTABLE = /OCI runtime exec failed: .*(executable file not found|no such file or directory)/;
const DOCKER_DAEMON_ERROR = /^(Error response from daemon:|Cannot connect to the Docker daemon|error during connect)/m;

/** kind's share of the whole provisioning bar; the rest is node readiness and scenario setup. */
const KIND_SHARE = 0.75;

/** ClusterProvider on the kind and docker CLIs. */
export class KindProvider implements ClusterProvider {
  private readonly runner: CommandRunner;
  private readonly logger: Logger;
  private readonly waitReady: NodeReadyWaiter;
  private readonly engine: EngineName;
  /** In-flight or finished node image builds by tag. */
  private readonly builds = new Map<string, Promise<void>>();

  constructor(private readonly opts: KindProviderOptions) {
    this.runner = opts.runner;
    this.logger = opts.logger;
    this.waitReady = opts.waitReady ?? waitForNodeReady;
    this.engine = opts.engine ?? 'docker';
  }

  async preflight(): Promise<string | null> {
    try {
      const kind = await this.runner.run('kind', ['version'], { timeoutMs: 10_000 });
      if (kind.code !== 0) return `kind is installed but \`kind version\` failed: ${kind.stderr.trim().slice(0, 200)}`;
      const version = this.engine === 'podman' ? ['info', '--format', '{{.Version.Version}}'] : ['version', '--format', '{{.Server.Version}}'];
      const engine = await this.runner.run(this.engine, version, { timeoutMs: 15_000 });
      if (engine.code !== 0) return explainKindFailure(engine.stderr).message;
      const iso = await this.isolation();
      if (iso.rootless && iso.cgroupVersion === '1') {
        return `kind on a rootless ${this.engine} needs cgroup v2, and this host runs cgroup v1 (${this.engine} info: CgroupVersion 1). Boot the host with systemd.unified_cgroup_hierarchy=1, or use a rootful engine.`;
      }
      return null;
    } catch (e) {
      if (isAppError(e)) return e.message;
      throw e;
    }
  }

  /** What root in a node can reach on this host, from the engine's own report (`docker info` / `podman info`). */
  async isolation(): Promise<EngineIsolation> {
    const format = this.engine === 'podman' ? PODMAN_INFO_FORMAT : DOCKER_INFO_FORMAT;
    const info = await this.runner.run(this.engine, ['info', '--format', format], { timeoutMs: 15_000 });
    if (info.code !== 0) throw new AppError('docker_unavailable', explainKindFailure(info.stderr).message);
    return this.engine === 'podman' ? parsePodmanIsolation(info.stdout) : parseDockerIsolation(info.stdout);
  }

  async labSupport(lab: Lab): Promise<string | null> {
    // One look at the engine serves every requirement that needs it.
    let iso: Promise<EngineIsolation | string> | undefined;
    const engineFacts = (): Promise<EngineIsolation | string> => (iso ??= this.isolation().catch((e: unknown) => (isAppError(e) ? e.message : String(e))));
    for (const need of lab.requires) {
      if (need === 'kvm') {
        if (!existsSync('/dev/kvm')) return `The "${lab.id}" lab needs hardware virtualization (/dev/kvm) on the host, and this host has none.`;
        continue;
      }
      if (need === 'btf') {
        const kernel = (this.opts.hostKernel ?? localKernel)();
        if (!kernelAtLeast(kernel.release, 5, 8)) return `The "${lab.id}" lab runs Falco's modern eBPF probe, which needs Linux 5.8 or newer with BTF, and this host runs Linux ${kernel.release.slice(0, 60)}. It is not offered here.`;
        if (!kernel.btf) return `The "${lab.id}" lab runs Falco's modern eBPF probe, which needs the kernel's BTF type information (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y), and this host's kernel (${kernel.release.slice(0, 60)}) exposes none. It is not offered here.`;
        continue;
      }
      const facts = await engineFacts();
      if (typeof facts === 'string') return facts;
      if (need === 'apparmor' && !facts.apparmor) {
        const reported = this.engine === 'docker' ? `docker info: SecurityOptions ${JSON.stringify(facts.securityOptions)}` : 'podman info: AppArmorEnabled false';
        return `The "${lab.id}" lab needs AppArmor on the ${this.engine === 'docker' ? 'Docker' : 'Podman'} host, and this host's ${this.engine === 'docker' ? 'Docker' : 'Podman'} reports none (${reported}). Profiles could not really be enforced, so this lab will not start here. Run CKS Lab on a host with AppArmor enabled (e.g. Ubuntu or Debian with the apparmor service).`;
      }
      if (need === 'rootful' && facts.rootless) {
        return `The "${lab.id}" lab changes the host kernel's state (it loads AppArmor profiles or installs a sandbox runtime), which a rootless ${this.engine} cannot do: this host runs kind on a rootless engine, so the lab is not offered here. Use a rootful engine on a dedicated VM for it.`;
      }
      if (need === 'cgroup2' && facts.cgroupVersion === '1') {
        return `The "${lab.id}" lab needs cgroup v2 on the host, and this host's ${this.engine} reports cgroup v1. Boot the host with systemd.unified_cgroup_hierarchy=1.`;
      }
    }
    return null;
  }

  async create(name: string, lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<ClusterInfo> {
    assertName(name, 'cluster name');
    const log = this.logger.child({ cluster: name, lab: lab.id });
    const problem = await this.preflight();
    if (problem) throw new AppError(problem.startsWith('Docker') ? 'docker_unavailable' : 'tool_missing', problem);
    const unsupported = await this.labSupport(lab);
    if (unsupported) throw new AppError('host_unsupported', unsupported);
    if (lab.buildContext) await this.ensureImage(lab, onProgress);

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
      // Nothing but kubeadm has touched the node yet: its credentials are taken now, once.
      const kubeconfig = await this.captureCredentials(name);
      await this.waitReady(kubeconfig, { timeoutMs: this.opts.readyTimeoutMs ?? 180_000, nodes: (lab.nodes ?? [CONTROL_PLANE]).length, ...(signal ? { signal } : {}) });
    } catch (e) {
      await this.delete(name).catch(() => undefined);
      throw isAppError(e) ? e : new AppError('cluster_failed', `The cluster's node did not become Ready: ${(e as Error).message}`, { cause: e });
    }
    onProgress({ step: 'Waiting for node Ready', state: 'done', fraction: KIND_SHARE + 0.05 });
    const nodes = lab.nodes ?? [CONTROL_PLANE];
    if (nodes.length > 1) {
      try {
        await connectNodes(this, name, nodes);
      } catch (e) {
        await this.delete(name).catch(() => undefined);
        throw isAppError(e) ? new AppError(e.code, `Lab "${lab.id}": ${e.message}`) : e;
      }
    }
    if (lab.bootstrapScript) await this.bootstrap(name, lab, onProgress);
    return { name, controlPlaneNode: controlPlaneNode(name), nodes: nodes.map((n) => nodeContainer(name, n)) };
  }

  /** Build a lab's node image once (concurrent creates share the build). */
  private ensureImage(lab: Lab, onProgress: (p: ProvisionProgress) => void): Promise<void> {
    const tag = lab.nodeImage;
    let build = this.builds.get(tag);
    if (!build) {
      build = (async () => {
        const have = await this.runner.run(this.engine, ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000 });
        if (have.code === 0) return;
        onProgress({ step: 'Building node image', state: 'started', fraction: 0, detail: `Building ${tag} (first use of lab "${lab.id}" on this host)` });
        const res = await this.runner.run(this.engine, ['build', '--tag', tag, lab.buildContext as string], { timeoutMs: 30 * 60_000 });
        if (res.code !== 0) {
          const tail = (res.stderr || res.stdout).trim().split('\n').slice(-6).join('\n');
          throw new AppError('cluster_failed', `Building the node image ${tag} for lab "${lab.id}" failed: ${tail}`);
        }
        onProgress({ step: 'Building node image', state: 'done', fraction: 0, detail: tag });
      })();
      this.builds.set(tag, build);
      build.catch(() => this.builds.delete(tag));
    }
    return build;
  }

  /** Run the lab's self-check/bootstrap on the node; a failing lab never reaches a learner. */
  private async bootstrap(name: string, lab: Lab, onProgress: (p: ProvisionProgress) => void): Promise<void> {
    onProgress({ step: 'Bootstrapping lab', state: 'started', fraction: KIND_SHARE + 0.05 });
    let out: NodeScriptOutcome;
    try {
      out = await runNodeScript(this, name, lab.bootstrapScript as string, { timeoutMs: 10 * 60_000, tailLines: 6 });
    } catch (e) {
      await this.delete(name).catch(() => undefined);
      throw e;
    }
    if (out.exitCode !== 0) {
      await this.delete(name).catch(() => undefined);
      throw new AppError('cluster_failed', `Lab "${lab.id}" failed its self-check on the new cluster (exit code ${out.exitCode}): ${out.tail}`);
    }
    onProgress({ step: 'Bootstrapping lab', state: 'done', fraction: KIND_SHARE + 0.08 });
  }

  async delete(name: string): Promise<void> {
    assertName(name, 'cluster name');
    await this.teardown(name);
    const res = await this.runner.run('kind', ['delete', 'cluster', '--name', name, '--kubeconfig', this.kubeconfigPath(name)], {
      timeoutMs: 120_000,
    });
    if (res.code !== 0) {
      throw new AppError('cluster_failed', `kind could not delete cluster ${name}: ${explainKindFailure(res.stderr).message}`);
    }
    rmSync(this.credentialsPath(name), { force: true });
  }

  /**
   * The node image's own clean-up before the node goes (`/usr/local/sbin/cks-teardown`, when the
   * image has one): e.g. the `apparmor` lab unloads the profiles this cluster loaded into the
   * host's kernel, which `kind delete` would leave behind for every later learner. Bounded;
   * a failure is logged and never stops the delete.
   */
  private async teardown(name: string): Promise<void> {
    const log = this.logger.child({ cluster: name });
    try {
      const res = await this.runner.run(this.engine, ['exec', controlPlaneNode(name), NODE_TEARDOWN], { timeoutMs: 30_000 });
      const output = (res.stderr || res.stdout).trim().split('\n').slice(-6).join('\n');
      if (res.code === 0) log.info('node teardown done', { output });
      // No hook in this image (docker: 127 or 126 with the OCI runtime's "not found"), or no node at all.
      else if (!res.timedOut && (NO_SUCH_EXECUTABLE.test(res.stderr) || /No such container|is not running/.test(res.stderr))) return;
      else log.warn('node teardown failed', { code: res.code, timedOut: res.timedOut, output });
    } catch (e) {
      log.warn('node teardown failed', { err: e });
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

  /**
   * The credentials captured when the cluster was created (never re-read from the node, where
   * the learner is root). Clusters without them are refused, unless `readLiveKubeconfig`.
   */
  async kubeconfig(name: string): Promise<string> {
    assertName(name, 'cluster name');
    const file = this.credentialsPath(name);
    if (existsSync(file)) {
      return credentialsToKubeconfig(parseClusterCredentials(readFileSync(file, 'utf8'), { source: `the stored credentials of cluster "${name}"` }), `kind-${name}`);
    }
    if (!this.opts.readLiveKubeconfig) {
      throw new AppError(
        'cluster_unreachable',
        `The credentials of cluster "${name}" were not captured when it was created, and CKS Lab never reads them from a node a learner can change. Stop this lab and start a new one.`,
      );
    }
    return credentialsToKubeconfig(await this.liveCredentials(name), `kind-${name}`);
  }

  /**
   * `kind get kubeconfig --internal` chooses the server other nodes reach the cluster at; only that
   * server is taken (checked: https, the control-plane node's name or loopback). When the node's
   * admin.conf was tampered with so that kind's output is refused, kind's own convention is used.
   */
  async internalApiServer(name: string): Promise<string> {
    assertName(name, 'cluster name');
    const fallback = `https://${controlPlaneNode(name)}:6443`;
    const res = await this.runner.run('kind', ['get', 'kubeconfig', '--internal', '--name', name], { timeoutMs: 30_000 });
    if (res.code !== 0) return fallback;
    try {
      return parseClusterCredentials(res.stdout, { source: `the internal kubeconfig of cluster "${name}"`, allowedHosts: [...DEFAULT_API_HOSTS, controlPlaneNode(name)] }).server;
    } catch {
      return fallback;
    }
  }

  /** `kind get kubeconfig` (it copies the node's admin.conf), reduced to inline credentials. */
  private async liveCredentials(name: string): Promise<ClusterCredentials> {
    const res = await this.runner.run('kind', ['get', 'kubeconfig', '--name', name], { timeoutMs: 30_000 });
    if (res.code !== 0) {
      throw new AppError('cluster_unreachable', `Cannot get a kubeconfig for cluster "${name}": ${explainKindFailure(res.stderr).message}`);
    }
    return parseClusterCredentials(res.stdout, {
      source: `the kubeconfig kind printed for cluster "${name}" (copied from its node's /etc/kubernetes/admin.conf)`,
      ...(this.opts.apiHosts ? { allowedHosts: this.opts.apiHosts } : {}),
    });
  }

  /** Read the new cluster's credentials once and keep them in the data directory (0600). */
  private async captureCredentials(name: string): Promise<string> {
    const live = await this.liveCredentials(name);
    const creds = this.opts.reachableServer ? { ...live, server: this.opts.reachableServer(live.server) } : live;
    const text = credentialsToKubeconfig(creds, `kind-${name}`);
    const file = this.credentialsPath(name);
    const tmp = `${file}.${process.pid}.tmp`;
    mkdirSync(this.opts.kubeconfigDir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
    return text;
  }

  async nodeExec(name: string, argv: string[], opts: NodeExecOptions = {}): Promise<ExecOutcome> {
    assertName(name, 'cluster name');
    const node = nodeContainer(name, opts.node);
    if (argv.length === 0) throw new AppError('internal', 'nodeExec needs a command');
    const args = ['exec'];
    if (opts.input !== undefined) args.push('-i');
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (!ENV_KEY.test(k)) throw new AppError('internal', `bad environment variable name ${k}`);
      args.push('-e', `${k}=${v}`);
    }
    args.push(node, ...argv);
    const res = await this.runner.run(this.engine, args, {
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    if (res.timedOut) throw new AppError('timeout', `Command on node ${node} timed out: ${argv[0]}`);
    if (res.code !== 0 && DOCKER_DAEMON_ERROR.test(res.stderr)) {
      throw new AppError('cluster_unreachable', `Cannot run a command on node ${node}: ${res.stderr.trim().split('\n')[0]}`);
    }
    return { exitCode: res.code ?? -1, stdout: res.stdout, stderr: res.stderr };
  }

  nodeShellArgv(name: string, node?: string): string[] {
    assertName(name, 'cluster name');
    return [this.engine, 'exec', '-it', '-e', 'KUBECONFIG=/etc/kubernetes/admin.conf', nodeContainer(name, node), 'bash', '-l'];
  }

  /** Drop the credentials captured for `name` (its cluster is gone by other means). */
  forget(name: string): void {
    assertName(name, 'cluster name');
    rmSync(this.credentialsPath(name), { force: true });
  }

  private kubeconfigPath(name: string): string {
    return `${this.opts.kindKubeconfigDir ?? this.opts.kubeconfigDir}/${name}.kubeconfig`;
  }

  private credentialsPath(name: string): string {
    return `${this.opts.kubeconfigDir}/${name}.credentials`;
  }
}

export function controlPlaneNode(cluster: string): string {
  return `${cluster}-control-plane`;
}

/** This machine's kernel: its release (uname -r) and whether it exposes BTF. */
function localKernel(): { release: string; btf: boolean } {
  return { release: osRelease(), btf: existsSync('/sys/kernel/btf/vmlinux') };
}

/** Whether a kernel release (`6.8.0-45-generic`, `5.15.153.1-microsoft-standard-WSL2`) is at least major.minor. */
export function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d{1,4})\.(\d{1,4})/.exec(release);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}
