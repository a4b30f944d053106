/**
 * ClusterProvider `kubernetes`: each learner cluster is a kind cluster inside its own lab pod
 * (Docker-in-Docker) on an existing Kubernetes cluster. Kubernetes schedules, places, limits and
 * queues the pods; everything kind-specific (phases, readiness, bootstrap, captured credentials,
 * node commands) is the KindProvider's, run through the Kubernetes exec API instead of a local
 * CLI, so both providers behave the same to the rest of the server. The platform never holds a
 * Docker socket here: its only door into a lab is the exec subresource of the lab pod.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { AppError, isAppError } from '../../errors.js';
import type { ExecOutcome } from '../../grading/types.js';
import { DEFAULT_API_HOSTS } from '../../kube/clusterCredentials.js';
import type { Logger } from '../../log/index.js';
import { assertName, type AllowedCommand, type CommandRunner, type RunOptions, type RunResult } from '../../process/index.js';
import { ALLOWED_COMMANDS } from '../../process/types.js';
import { KindProvider } from '../kindProvider.js';
import type { NodeReadyWaiter } from '../readiness.js';
import type { ClusterInfo, ClusterProvider, HostCapability, Lab, NodeExecOptions, ProvisionProgress } from '../types.js';
import type { HostKube, LabPodState } from './hostKube.js';
import { ENGINE_CONTAINER, LAB_POD_LABELS, LAB_POD_SELECTOR, POD_WORK_DIR, labPodManifest, labPodName, podKindConfig, type LabPodSettings } from './labPod.js';

export interface KubernetesProviderOptions {
  kube: HostKube;
  logger: Logger;
  settings: LabPodSettings;
  /** Where the credentials captured at creation are kept on the platform's side (0600). */
  kubeconfigDir: string;
  readyTimeoutMs?: number;
  createTimeoutMs?: number;
  /** How long a lab pod may wait for room (Pending, unschedulable) before the learner is told. */
  scheduleTimeoutMs?: number;
  /** How long a scheduled lab pod may take to pull its image and start dockerd. */
  startTimeoutMs?: number;
  waitReady?: NodeReadyWaiter;
  /** How terminals reach a lab pod: the kubectl argv prefix (default `kubectl`; tests add --kubeconfig). */
  kubectl?: readonly string[];
  pollMs?: number;
}

const NAME_LABEL = /^[a-z0-9][a-z0-9-]{0,40}$/;
/** A capability the operator must declare for the lab pods' node pool, in an operator's words (rootful always holds). */
const POOL_CAPABILITY_WORDS: Record<Exclude<HostCapability, 'rootful'>, string> = {
  kvm: 'hardware virtualization (/dev/kvm)',
  apparmor: 'AppArmor',
  cgroup2: 'cgroup2',
  btf: "a kernel with BTF (Linux 5.8 or newer, /sys/kernel/btf/vmlinux: Falco's modern eBPF probe)",
};

/** Runs the kind/docker/kubectl CLIs inside one lab pod, through the exec subresource. */
class PodRunner implements CommandRunner {
  constructor(
    private readonly kube: HostKube,
    private readonly pod: string,
    private readonly explain: () => Promise<string>,
  ) {}

  async run(command: AllowedCommand, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (!ALLOWED_COMMANDS.includes(command)) throw new AppError('internal', `command ${String(command)} is not allowed`);
    const res = await this.kube.exec(this.pod, ENGINE_CONTAINER, [command, ...args], opts);
    // No exit status and no timeout: the exec itself failed (pod gone, evicted, API away).
    if (res.code === null && !res.timedOut && !opts.signal?.aborted) throw new AppError('cluster_unreachable', await this.explain());
    return res;
  }
}

/** ClusterProvider on an existing Kubernetes cluster: one Docker-in-Docker lab pod per kind cluster. */
export class KubernetesProvider implements ClusterProvider {
  private readonly kinds = new Map<string, KindProvider>();
  private readonly poll: number;

  private readonly workDir: string;

  constructor(private readonly opts: KubernetesProviderOptions) {
    this.poll = opts.pollMs ?? 1000;
    this.workDir = opts.settings.workDir ?? POD_WORK_DIR;
  }

  async preflight(): Promise<string | null> {
    try {
      await this.opts.kube.listPods(LAB_POD_SELECTOR);
      return null;
    } catch (e) {
      const why = isAppError(e) ? e.message : String(e);
      return `The Kubernetes cluster that runs lab pods cannot be used: ${why}. Check the platform's ServiceAccount (pods and pods/exec in namespace ${this.opts.settings.namespace}) or KUBECONFIG.`;
    }
  }

  async labSupport(lab: Lab): Promise<string | null> {
    for (const need of lab.requires) {
      if (need === 'rootful') continue; // lab pods are privileged: the engine inside them is rootful
      if (!this.opts.settings.poolCapabilities.includes(need)) {
        return `The "${lab.id}" lab needs ${POOL_CAPABILITY_WORDS[need]} on the Kubernetes nodes that run lab pods, and the operator has not declared that node pool to have it (CKS_K8S_POOL_CAPABILITIES). It is not offered here.`;
      }
    }
    if (lab.buildContext && !this.registryImage(lab)) {
      return `The "${lab.id}" lab runs a node image CKS Lab builds (${lab.nodeImage}); on Kubernetes it must come from a registry the lab pods can pull from. Build and push it (see deploy/kubernetes/README.md) and set CKS_K8S_IMAGE_REGISTRY.`;
    }
    return null;
  }

  async create(name: string, lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<ClusterInfo> {
    assertName(name, 'cluster name');
    const unsupported = await this.labSupport(lab);
    if (unsupported) throw new AppError('host_unsupported', unsupported);
    const pod = labPodName(name);
    const log = this.opts.logger.child({ cluster: name, lab: lab.id, pod });
    await this.opts.kube.createPod(labPodManifest(name, lab, this.opts.settings));
    let state: LabPodState;
    try {
      state = await this.waitForPod(name, onProgress, signal);
      const config = podKindConfig(this.labKindConfig(lab), state.podIP!);
      const path = `${this.workDir}/${name}.kind.yaml`;
      const wrote = await this.opts.kube.exec(pod, ENGINE_CONTAINER, ['tee', path], { input: toYaml(config), timeoutMs: 30_000 });
      if (wrote.code !== 0) throw new AppError('cluster_failed', `Could not write the kind config into lab pod ${pod}: ${wrote.stderr.trim().slice(0, 300)}`);
      const kind = this.kindFor(name, state.podIP);
      const { buildContext: _built, ...rest } = lab;
      const info = await kind.create(name, { ...rest, kindConfig: path }, onProgress, signal);
      log.info('lab pod cluster ready', { podIP: state.podIP });
      return info;
    } catch (e) {
      log.warn('lab pod cluster failed', { err: e });
      await this.opts.kube.deletePod(pod).catch((err: unknown) => log.error('deleting the failed lab pod failed', { err }));
      this.kinds.delete(name);
      throw e;
    }
  }

  /** Scheduled, image pulled, dockerd answering: progress says which, a Pending pod says why. */
  private async waitForPod(name: string, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<LabPodState> {
    const pod = labPodName(name);
    const started = Date.now();
    let scheduledAt: number | undefined;
    let lastDetail = '';
    onProgress({ step: 'Scheduling lab pod', state: 'started', fraction: 0, detail: `Asking Kubernetes for room for ${pod}` });
    for (;;) {
      if (signal?.aborted) throw new AppError('cluster_failed', 'Provisioning was cancelled.');
      const state = await this.opts.kube.readPod(pod);
      if (!state || state.deleting) throw new AppError('cluster_failed', `Lab pod ${pod} was deleted before it started. Press Retry.`);
      if (state.phase === 'Failed' || state.phase === 'Succeeded') throw new AppError('cluster_failed', `Lab pod ${pod} stopped before it started (${podWhy(state)}). Press Retry.`);
      if (state.phase === 'Running' && state.ready && state.podIP) {
        onProgress({ step: 'Scheduling lab pod', state: 'done', fraction: 0.02, detail: `${pod} is running` });
        return state;
      }
      const unscheduled = state.phase === 'Pending' && state.reason === 'Unschedulable';
      if (!unscheduled && scheduledAt === undefined) scheduledAt = Date.now();
      const place = unscheduled ? await this.placeInLine(pod) : undefined;
      const detail = unscheduled
        ? `Waiting for room on the Kubernetes cluster${place ? ` (${ordinal(place)} in line)` : ''}: ${state.message ?? 'no node can take the lab pod yet'}`
        : `Starting the lab pod (${state.reason ?? (state.phase === 'Running' ? 'starting Docker' : 'pulling its image')})`;
      if (detail !== lastDetail) onProgress({ step: 'Scheduling lab pod', state: 'started', fraction: 0.01, detail });
      lastDetail = detail;
      if (unscheduled && Date.now() - started > (this.opts.scheduleTimeoutMs ?? 30 * 60_000)) {
        throw new AppError('timeout', `No room for your lab on the Kubernetes cluster after ${Math.round((Date.now() - started) / 60_000)} min (${state.message ?? 'unschedulable'}). Try again later.`);
      }
      if (scheduledAt !== undefined && Date.now() - scheduledAt > (this.opts.startTimeoutMs ?? 5 * 60_000)) {
        throw new AppError('timeout', `Lab pod ${pod} was scheduled but did not start in time (${podWhy(state)}). Press Retry.`);
      }
      await new Promise((r) => setTimeout(r, this.poll));
    }
  }

  /** 1 for the lab pod that has waited longest for room, 2 for the next … (undefined when unknown). */
  private async placeInLine(pod: string): Promise<number | undefined> {
    const waiting = (await this.opts.kube.listPods(LAB_POD_SELECTOR).catch(() => []))
      .filter((p) => p.phase === 'Pending' && p.reason === 'Unschedulable' && !p.deleting)
      .sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name));
    const i = waiting.findIndex((p) => p.name === pod);
    return i < 0 ? undefined : i + 1;
  }

  /** The lab's kind config (a file of this repo), parsed. */
  private labKindConfig(lab: Lab): Record<string, unknown> {
    const config = parseYaml(readFileSync(lab.kindConfig, 'utf8')) as Record<string, unknown>;
    const image = this.registryImage(lab);
    if (!image || !Array.isArray(config.nodes)) return config;
    return { ...config, nodes: (config.nodes as Record<string, unknown>[]).map((n) => ({ ...n, image })) };
  }

  /** A built lab's node image as pushed to the operator's registry (CKS_K8S_IMAGE_REGISTRY). */
  private registryImage(lab: Lab): string | undefined {
    const registry = this.opts.settings.imageRegistry;
    return lab.buildContext && registry ? `${registry.replace(/\/+$/, '')}/${lab.nodeImage}` : undefined;
  }

  /** The KindProvider that drives the kind inside `name`'s lab pod. */
  private kindFor(name: string, podIP?: string): KindProvider {
    let kind = this.kinds.get(name);
    if (kind && !podIP) return kind;
    const pod = labPodName(name);
    kind = new KindProvider({
      runner: new PodRunner(this.opts.kube, pod, () => this.lostMessage(name)),
      logger: this.opts.logger,
      kubeconfigDir: this.opts.kubeconfigDir,
      kindKubeconfigDir: this.workDir,
      apiHosts: [...DEFAULT_API_HOSTS, '0.0.0.0'],
      // kind names its own listen address; the platform reaches the API server at the pod's IP.
      ...(podIP ? { reachableServer: (server: string) => withHost(server, podIP) } : {}),
      ...(this.opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: this.opts.readyTimeoutMs } : {}),
      ...(this.opts.createTimeoutMs !== undefined ? { createTimeoutMs: this.opts.createTimeoutMs } : {}),
      ...(this.opts.waitReady ? { waitReady: this.opts.waitReady } : {}),
    });
    this.kinds.set(name, kind);
    return kind;
  }

  /** What a learner is told when their lab pod cannot be reached any more. */
  private async lostMessage(name: string): Promise<string> {
    const state = await this.opts.kube.readPod(labPodName(name)).catch(() => undefined);
    if (state === undefined) return `The Kubernetes cluster that runs your lab cannot be reached right now; try again in a moment.`;
    if (state === null || state.deleting) return `Your lab's pod is gone from the Kubernetes cluster, and your cluster with it. Start the lab again (Retry) to get a new one.`;
    if (state.phase === 'Failed') return `Kubernetes stopped your lab's pod (${podWhy(state)}), and your cluster with it. Start the lab again (Retry) to get a new one.`;
    return `Your lab's pod did not answer (${podWhy(state)}); try again in a moment.`;
  }

  async whyGone(name: string): Promise<string | undefined> {
    assertName(name, 'cluster name');
    return this.lostMessage(name);
  }

  /** Lab pods by phase (`Pending` split into waiting for room and starting), for /metrics. */
  async unitsByPhase(): Promise<Record<string, number>> {
    const counts: Record<string, number> = { Unschedulable: 0, Pending: 0, Running: 0, Failed: 0, Succeeded: 0, Unknown: 0 };
    for (const p of await this.opts.kube.listPods(LAB_POD_SELECTOR)) {
      const key = p.phase === 'Pending' && p.reason === 'Unschedulable' ? 'Unschedulable' : p.phase;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  async delete(name: string): Promise<void> {
    assertName(name, 'cluster name');
    const pod = labPodName(name);
    const state = await this.opts.kube.readPod(pod);
    // The lab image's teardown hook (e.g. AppArmor profiles loaded into the node's kernel) runs first.
    if (state?.phase === 'Running' && !state.deleting) {
      await this.kindFor(name).delete(name).catch((e: unknown) => this.opts.logger.warn('kind delete in the lab pod failed', { cluster: name, err: e }));
    }
    await this.opts.kube.deletePod(pod);
    this.kindFor(name).forget(name);
    this.kinds.delete(name);
  }

  /** Clusters that exist: lab pods not being deleted and not ended (a Failed pod's engine and cluster are gone). */
  async list(): Promise<string[]> {
    const pods = await this.opts.kube.listPods(LAB_POD_SELECTOR);
    return pods
      .filter((p) => !p.deleting && p.phase !== 'Failed' && p.phase !== 'Succeeded')
      .map((p) => p.labels[LAB_POD_LABELS.cluster] ?? '')
      .filter((n) => NAME_LABEL.test(n));
  }

  kubeconfig(name: string): Promise<string> {
    assertName(name, 'cluster name');
    return this.kindFor(name).kubeconfig(name);
  }

  internalApiServer(name: string): Promise<string> {
    assertName(name, 'cluster name');
    return this.kindFor(name).internalApiServer(name);
  }

  nodeExec(name: string, argv: string[], opts: NodeExecOptions = {}): Promise<ExecOutcome> {
    assertName(name, 'cluster name');
    return this.kindFor(name).nodeExec(name, argv, opts);
  }

  /** kubectl exec into the lab pod, then docker exec into the kind node: no Docker socket on this side. */
  nodeShellArgv(name: string, node?: string): string[] {
    assertName(name, 'cluster name');
    const kubectl = this.opts.kubectl ?? ['kubectl'];
    return [...kubectl, 'exec', '-i', '-t', '-n', this.opts.settings.namespace, labPodName(name), '-c', ENGINE_CONTAINER, '--', ...this.kindFor(name).nodeShellArgv(name, node)];
  }
}

/** `https://<host>:<port>` with the host replaced (the port kind published is kept). */
export function withHost(server: string, host: string): string {
  const u = new URL(server);
  return `https://${host.includes(':') ? `[${host}]` : host}:${u.port || '443'}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function podWhy(s: LabPodState): string {
  return [s.phase, s.reason, s.message].filter(Boolean).join(': ');
}
