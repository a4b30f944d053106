/**
 * kube-scheduler's verdict on a new Pod the fake kubelet would place on `target` (its one
 * scheduling node): a cordoned node (spec.unschedulable, the node.kubernetes.io/unschedulable
 * taint) takes no new Pods unless they tolerate it, so the Pod stays Pending with
 * PodScheduled=False/Unschedulable and the scheduler's message until the node is uncordoned.
 * Simplified: only the target node is considered (the fake schedules onto one node), the other
 * nodes of a multi-node cluster are reported as the control plane's taint, as kind leaves them.
 */
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const NODES = findResource('', 'v1', 'nodes')!;
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

function tolerates(pod: KubeObject, key: string): boolean {
  return ((pod.spec?.tolerations ?? []) as Record<string, unknown>[]).some(
    (t) => (t.operator === 'Exists' && (t.key === undefined || t.key === '' || t.key === key)) || (t.key === key && (t.effect === undefined || t.effect === '' || t.effect === 'NoSchedule')),
  );
}

/** The scheduler's FailedScheduling message when `pod` cannot go to `target` now, else null. */
export function unschedulableReason(store: ObjectStore, pod: KubeObject, target: string, nodeNames: readonly string[]): string | null {
  if (pod.spec?.nodeName) return null;
  const node = store.get(NODES, '', target);
  if (!node?.spec?.unschedulable || tolerates(pod, UNSCHEDULABLE_TAINT)) return null;
  const total = Math.max(1, new Set([target, ...nodeNames]).size);
  const others = total - 1;
  const parts = [...(others > 0 ? [`${others} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }`] : []), '1 node(s) were unschedulable'];
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

/** The status of a Pod the scheduler could not place (written once per new message). */
export function markUnschedulable(store: ObjectStore, pods: NonNullable<ReturnType<typeof findResource>>, ns: string, name: string, uid: string, message: string): void {
  const pod = store.get(pods, ns, name);
  if (!pod || pod.metadata.uid !== uid) return;
  const current = (pod.status?.conditions ?? []).find((c: Record<string, unknown>) => c.type === 'PodScheduled');
  if (current?.message === message && pod.status?.phase === 'Pending') return;
  pod.status = { ...(pod.status ?? {}), phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'Unschedulable', message }] };
  store.update(pods, pod);
}
