/**
 * The cluster's Nodes as kind creates them: `<cluster>-control-plane` (tainted when the cluster
 * has workers, as kubeadm leaves it and kind keeps it then) and `<cluster>-worker…`; the Ready
 * condition turns True after a delay (like a kubelet finishing start-up).
 */
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';
import { KUBE_VERSION } from './discovery.js';

const NODES = findResource('', 'v1', 'nodes')!;
export const NODE_IP = '172.18.0.2';

function readyCondition(ready: boolean, since: string): Record<string, string> {
  return ready
    ? { type: 'Ready', status: 'True', lastHeartbeatTime: since, lastTransitionTime: since, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { type: 'Ready', status: 'False', lastHeartbeatTime: since, lastTransitionTime: since, reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' };
}

export interface NodeShape {
  role?: 'control-plane' | 'worker';
  /** InternalIP (default NODE_IP). */
  ip?: string;
  /** node-role.kubernetes.io/control-plane:NoSchedule (kind removes it on single-node clusters). */
  taint?: boolean;
}

function nodeObject(name: string, ready: boolean, shape: NodeShape = {}): KubeObject {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const controlPlane = (shape.role ?? 'control-plane') === 'control-plane';
  const roleLabels: Record<string, string> = controlPlane ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {};
  const cluster = name.replace(/-(control-plane|worker)\d*$/, '');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...roleLabels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      podCIDR: `10.244.${podSubnet(name)}.0/24`, podCIDRs: [`10.244.${podSubnet(name)}.0/24`], providerID: `kind://docker/${cluster}/${name}`,
      ...(shape.taint ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      addresses: [{ type: 'InternalIP', address: shape.ip || NODE_IP }, { type: 'Hostname', address: name }],
      capacity: { cpu: '2', 'ephemeral-storage': '263174212Ki', memory: '8131776Ki', pods: '110' },
      allocatable: { cpu: '2', 'ephemeral-storage': '263174212Ki', memory: '8131776Ki', pods: '110' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'DiskPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
        { type: 'PIDPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
        readyCondition(ready, now),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64', bootID: '', containerRuntimeVersion: 'containerd://2.1.1', kernelVersion: '6.8.0', kubeProxyVersion: '',
        kubeletVersion: KUBE_VERSION, machineID: '', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)', systemUUID: '',
      },
    },
  };
}

/** kind's pod CIDRs: the control plane 10.244.0.0/24, worker N 10.244.N.0/24. */
function podSubnet(name: string): number {
  const m = /-worker(\d*)$/.exec(name);
  return m ? Number(m[1] || 1) : 0;
}

/** Creates the node if missing and schedules its Ready transition; returns a cancel function. */
export function ensureNode(store: ObjectStore, name: string, readyDelayMs: number, shape: NodeShape = {}): () => void {
  const existing = store.get(NODES, '', name);
  if (existing) return () => undefined;
  store.create(NODES, nodeObject(name, readyDelayMs <= 0, shape));
  if (readyDelayMs <= 0) return () => undefined;
  const t = setTimeout(() => {
    const node = store.get(NODES, '', name);
    if (!node) return;
    node.status.conditions = node.status.conditions.map((c: Record<string, string>) => (c.type === 'Ready' ? readyCondition(true, new Date().toISOString().replace(/\.\d+Z$/, 'Z')) : c));
    store.update(NODES, node);
  }, readyDelayMs);
  return () => clearTimeout(t);
}
