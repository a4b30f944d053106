/**
 * The pod that holds one learner cluster when CKS Lab runs on Kubernetes: a privileged
 * Docker-in-Docker container (pinned image with the kind, docker and kubectl CLIs) in which kind
 * creates the cluster's nodes, as CI systems such as Prow run kind in pods. Kubernetes schedules
 * it by its requests (derived from the lab: memory and CPU per kind node), queues it (Pending)
 * when the pool is full, and places it on the dedicated node pool the operator names.
 */
import { AppError } from '../../errors.js';
import { CONTROL_PLANE } from '../nodes.js';
import type { Lab } from '../types.js';

/** Labels every lab pod carries: how the provider finds, adopts and deletes them. */
export const LAB_POD_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  cluster: 'cks-lab.io/cluster',
  lab: 'cks-lab.io/lab',
} as const;
export const MANAGED_BY = 'cks-lab';
export const LAB_COMPONENT = 'lab-cluster';
/** Selects the lab pods of this platform (one namespace holds one platform). */
export const LAB_POD_SELECTOR = `${LAB_POD_LABELS.managedBy}=${MANAGED_BY},${LAB_POD_LABELS.component}=${LAB_COMPONENT}`;

/** The container kind and the engine run in. */
export const ENGINE_CONTAINER = 'engine';
/** Where kind writes its kubeconfig and the provider writes the kind config, inside the pod. */
export const POD_WORK_DIR = '/var/lib/cks-lab';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** What the operator decides about lab pods (CKS_K8S_* settings). */
export interface LabPodSettings {
  namespace: string;
  /** The lab pod image, pinned by digest (Docker-in-Docker + kind + docker + kubectl). */
  image: string;
  /** Memory Kubernetes reserves per kind node of a lab (MiB); the limit is 1.5× it. */
  nodeMemoryMiB: number;
  /** CPU Kubernetes reserves per kind node (millicores). */
  nodeCpuMillis: number;
  /** Node labels lab pods must land on (the dedicated node pool). */
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** Host capabilities the operator vouches for on that node pool (e.g. AppArmor, /dev/kvm). */
  poolCapabilities: string[];
  /** Registry the operator pushed the lab node images CKS Lab builds to (e.g. registry.example.com). */
  imageRegistry?: string;
  /** The pod's work directory (default POD_WORK_DIR; the fakes, whose pods share the test host's files, use a temp dir). */
  workDir?: string;
  /**
   * A registry mirror dockerd in every lab pod pulls through (CKS_K8S_REGISTRY_MIRROR): each lab pod
   * starts with empty Docker storage, so without one every cold start pulls the lab's node image.
   */
  registryMirror?: string;
}

/** The pod's name for a cluster (a cluster name is already a valid DNS label). */
export function labPodName(cluster: string): string {
  return `cks-${cluster}`;
}

/** Requests and limits for a lab of `nodes` kind nodes. */
export function labPodResources(lab: Pick<Lab, 'nodes'>, s: Pick<LabPodSettings, 'nodeMemoryMiB' | 'nodeCpuMillis'>): { requests: Record<string, string>; limits: Record<string, string> } {
  const n = (lab.nodes ?? [CONTROL_PLANE]).length;
  return {
    requests: { cpu: `${s.nodeCpuMillis * n}m`, memory: `${s.nodeMemoryMiB * n}Mi` },
    // Memory is the resource kind nodes run out of; CPU stays burstable (a kubeadm start is spiky).
    limits: { memory: `${Math.ceil(s.nodeMemoryMiB * n * 1.5)}Mi` },
  };
}

/** The v1 Pod object for `cluster` of `lab`. */
export function labPodManifest(cluster: string, lab: Pick<Lab, 'id' | 'nodes'> & Partial<Pick<Lab, 'maxClustersPerHost'>>, s: LabPodSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: labPodName(cluster),
      namespace: s.namespace,
      labels: {
        [LAB_POD_LABELS.managedBy]: MANAGED_BY,
        [LAB_POD_LABELS.component]: LAB_COMPONENT,
        [LAB_POD_LABELS.cluster]: cluster,
        [LAB_POD_LABELS.lab]: lab.id,
      },
    },
    spec: {
      // A lab pod that dies is not restarted in place: its cluster is gone, the learner is told.
      restartPolicy: 'Never',
      // The learner is root in the kind nodes inside: nothing of the host cluster is mounted in.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 20,
      ...(Object.keys(s.nodeSelector).length > 0 ? { nodeSelector: s.nodeSelector } : {}),
      ...(s.tolerations.length > 0 ? { tolerations: s.tolerations } : {}),
      // A lab that changes host-global kernel state (AppArmor profiles) runs once per *host*: on
      // Kubernetes the host is the node, so the limit is an anti-affinity, not platform-wide.
      ...(lab.maxClustersPerHost === 1 ? { affinity: onePerNode(lab.id) } : {}),
      containers: [
        {
          name: ENGINE_CONTAINER,
          image: s.image,
          imagePullPolicy: 'IfNotPresent',
          // kind nodes are privileged containers; Docker-in-Docker needs the pod privileged too.
          securityContext: { privileged: true },
          // dockerd on its unix socket only (no TCP, no TLS certificates to generate).
          env: [{ name: 'DOCKER_TLS_CERTDIR', value: '' }],
          args: ['dockerd', '--host=unix:///var/run/docker.sock', ...(s.registryMirror ? [`--registry-mirror=${s.registryMirror}`] : [])],
          resources: labPodResources(lab, s),
          readinessProbe: { exec: { command: ['docker', 'version', '--format', '{{.Server.Version}}'] }, periodSeconds: 2, failureThreshold: 60 },
          volumeMounts: [
            { name: 'engine', mountPath: '/var/lib/docker' },
            { name: 'work', mountPath: s.workDir ?? POD_WORK_DIR },
            { name: 'modules', mountPath: '/lib/modules', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'engine', emptyDir: {} },
        { name: 'work', emptyDir: {} },
        { name: 'modules', hostPath: { path: '/lib/modules', type: 'Directory' } },
      ],
    },
  };
}

/** At most one lab pod of lab `labId` per Kubernetes node. */
function onePerNode(labId: string): Record<string, unknown> {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LAB_POD_LABELS.managedBy]: MANAGED_BY, [LAB_POD_LABELS.lab]: labId } } },
      ],
    },
  };
}

/**
 * The lab's kind config as the pod runs it: the API server listens on the pod's address (so the
 * platform reaches it at the pod IP) and its certificate names that address. Everything else of
 * the lab's own config is kept; a lab that sets its own `networking` keys other than these keeps them.
 */
export function podKindConfig(labConfig: Record<string, unknown>, podIP: string): Record<string, unknown> {
  if (!/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+$/i.test(podIP)) throw new AppError('cluster_failed', `the lab pod reported an address that is not an IP (${JSON.stringify(podIP.slice(0, 60))})`);
  const networking = { ...((labConfig.networking as Record<string, unknown> | undefined) ?? {}), apiServerAddress: '0.0.0.0', apiServerPort: 6443 };
  const patch = `kind: ClusterConfiguration\napiServer:\n  certSANs:\n  - "${podIP}"\n`;
  const patches = Array.isArray(labConfig.kubeadmConfigPatches) ? [...(labConfig.kubeadmConfigPatches as unknown[])] : [];
  return { ...labConfig, networking, kubeadmConfigPatches: [...patches, patch] };
}

/** `key=value,key2=value2` → labels (CKS_K8S_NODE_SELECTOR). */
export function parseNodeSelector(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]{0,252})=([-A-Za-z0-9_.]{0,63})$/.exec(part);
    if (!m) throw new AppError('bad_request', `CKS_K8S_NODE_SELECTOR must look like "pool=cks-labs,kubernetes.io/os=linux" (got "${part.slice(0, 80)}")`, { field: 'nodeSelector' });
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** `key=value:NoSchedule,key:NoExecute` → tolerations (CKS_K8S_TOLERATIONS). */
export function parseTolerations(raw: string | undefined): Toleration[] {
  return (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([A-Za-z0-9][-A-Za-z0-9_./]{0,252})(?:=([-A-Za-z0-9_.]{0,63}))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
      if (!m) throw new AppError('bad_request', `CKS_K8S_TOLERATIONS must look like "cks-lab=true:NoSchedule" or "dedicated:NoExecute" (got "${part.slice(0, 80)}")`, { field: 'tolerations' });
      const effect = m[3] as Toleration['effect'];
      return m[2] !== undefined ? { key: m[1]!, operator: 'Equal' as const, value: m[2], effect } : { key: m[1]!, operator: 'Exists' as const, effect };
    });
}
