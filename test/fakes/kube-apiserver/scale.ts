/**
 * The `scale` subresource of Deployments, ReplicaSets and StatefulSets (autoscaling/v1 Scale), what
 * `kubectl scale` PATCHes (a merge patch `{"spec":{"replicas":N}}` on …/deployments/<name>/scale)
 * and the HorizontalPodAutoscaler reads: spec.replicas of the parent, status.replicas and the label
 * selector as a string (registry/apps/deployment/storage ScaleREST).
 */
import type { KubeObject } from './store.js';

/** The parent's Scale as kube-apiserver answers it. */
export function toScale(obj: KubeObject): KubeObject {
  const labels = (obj.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  const exprs = (obj.spec?.selector?.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[];
  const selector = [
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ...exprs.map((e) => (e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${e.operator === 'NotIn' ? 'notin' : 'in'} (${(e.values ?? []).join(',')})`)),
  ].join(',');
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(obj.spec?.replicas ?? 1) },
    status: { replicas: Number(obj.status?.replicas ?? 0), ...(selector ? { selector } : {}) },
  };
}

/** The replica count a Scale sent by a client asks for, or the cause of a 422 Invalid. */
export function requestedReplicas(scale: unknown): number | { field: string; message: string; reason: string } {
  const n = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
  if (n === undefined) return 0; // a Scale without spec.replicas asks for 0, as the API server decodes it
  if (typeof n !== 'number' || !Number.isInteger(n)) return { field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(n)}: must be an integer` };
  if (n < 0) return { field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${n}: must be greater than or equal to 0` };
  return n;
}
