import type { ExecOutcome } from '../grading/types.js';
import type { EngineIsolation } from './engine.js';

/** kind's own creation phases, in order, as printed on stderr. */
export const KIND_PHASES = [
  'Ensuring node image',
  'Preparing nodes',
  'Writing configuration',
  'Starting control-plane',
  'Installing CNI',
  'Installing StorageClass',
] as const;
export type KindPhase = (typeof KIND_PHASES)[number];

/** Progress of provisioning, streamed to the learner's page. */
export interface ProvisionProgress {
  /** Our own steps around kind's phases: building a lab's node image, node readiness, lab bootstrap, scenario setup. */
  step: KindPhase | 'Scheduling lab pod' | 'Building node image' | 'Waiting for node Ready' | 'Bootstrapping lab' | 'Running scenario setup' | 'Ready';
  state: 'started' | 'done' | 'failed';
  /** 0..1 over the whole provisioning. */
  fraction: number;
  detail?: string;
}

/**
 * What a lab may need from the Docker host, checked before a cluster is created (btf: a host kernel
 * with BTF, /sys/kernel/btf/vmlinux, Linux 5.8 or newer, which Falco's modern eBPF probe needs).
 */
export const HOST_CAPABILITIES = ['apparmor', 'kvm', 'rootful', 'cgroup2', 'btf'] as const;
export type HostCapability = (typeof HOST_CAPABILITIES)[number];

export interface Lab {
  id: string;
  /** Absolute path of labs/<lab>/kind-config.yaml. */
  kindConfig: string;
  /** Pinned node image (also in the kind config): kindest/node by digest, or a lab image built from it. */
  nodeImage: string;
  description: string;
  /** Absolute path of a folder with a Dockerfile that builds `nodeImage` (built once when missing). */
  buildContext?: string;
  /** Absolute path of a script run on the node (bash -s) once it is Ready, before any scenario setup. */
  bootstrapScript?: string;
  /** Host capabilities the lab cannot work without; a host lacking one refuses to start it. */
  requires: HostCapability[];
  /**
   * Most clusters of this lab one host runs at once (e.g. 1 when the lab changes host-global
   * kernel state such as AppArmor profiles); learners beyond it wait in the pool's queue.
   */
  maxClustersPerHost?: number;
  /** Why the limit exists, in a learner's words: what a learner waiting for it is told. */
  hostLimitReason?: string;
  /**
   * The cluster's nodes from the kind config, by short name (`control-plane`, `worker`, `worker2` …),
   * the control plane first. Absent: the control-plane node alone.
   */
  nodes?: string[];
}

export interface ClusterInfo {
  name: string;
  /** The control-plane node's container name (`<name>-control-plane`). */
  controlPlaneNode: string;
  /** Every node's container name, the control plane first (one-node labs: just it). */
  nodes?: string[];
}

/** Options of a command run on a node. */
export interface NodeExecOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Which node (`control-plane`, `worker`, `worker2` …); default the control plane. */
  node?: string;
}

/**
 * The port to whatever runs learner clusters. The `KindProvider` adapter drives the kind and
 * docker CLIs; tests put fakes of both first on PATH.
 */
export interface ClusterProvider {
  /** Create the cluster and wait until its node is Ready. Throws AppError with a learner-fit message. */
  create(name: string, lab: Lab, onProgress: (p: ProvisionProgress) => void, signal?: AbortSignal): Promise<ClusterInfo>;
  /** Idempotent. */
  delete(name: string): Promise<void>;
  /** Names of existing clusters. */
  list(): Promise<string[]>;
  /** Kubeconfig YAML to reach the cluster's API from this host. */
  kubeconfig(name: string): Promise<string>;
  /** Run argv on a node, the control plane unless `opts.node` names another (`docker exec [-i] <cluster>-<node> argv…`). */
  nodeExec(name: string, argv: string[], opts?: NodeExecOptions): Promise<ExecOutcome>;
  /** argv (command first) that opens an interactive login shell on a node (default the control plane), for node-pty. */
  nodeShellArgv(name: string, node?: string): string[];
  /** Is the tool chain usable at all? Resolves with a learner-fit problem, or null when fine. */
  preflight(): Promise<string | null>;
  /** Can this host run `lab` (its `requires`)? A learner-fit reason when not, else null. */
  labSupport(lab: Lab): Promise<string | null>;
  /**
   * The API server address other nodes on the engine's network reach this cluster at (kind:
   * `https://<cluster>-control-plane:6443`), for kubeconfigs written onto nodes (a mock exam's contexts).
   */
  internalApiServer?(name: string): Promise<string>;
  /** What root in a node can reach on the host (reported by /api/ready); absent where the provider cannot tell. */
  isolation?(): Promise<EngineIsolation>;
  /**
   * Why a cluster that `list()` no longer shows is gone, in a learner's words (e.g. its lab pod was
   * evicted), or undefined when the provider cannot tell.
   */
  whyGone?(name: string): Promise<string | undefined>;
  /** Counts of the provider's own units by state for /metrics (the kubernetes provider: lab pods by phase). */
  unitsByPhase?(): Promise<Record<string, number>>;
}
