/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`) so
 * `kubectl get` shows the familiar columns.
 */
import type { KubeObject } from './store.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  cell: (o: KubeObject) => unknown;
}

/** Like apimachinery's duration.HumanDuration. */
export function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Names of the pod's native sidecars (init containers with restartPolicy Always). */
const sidecarNames = (o: KubeObject): Set<string> =>
  new Set(((o.spec?.initContainers ?? []) as Record<string, any>[]).filter((c) => c.restartPolicy === 'Always').map((c) => String(c.name)));

/** kubectl's READY for a pod: ready containers, native sidecars that started and are ready included. */
function podReady(o: KubeObject): string {
  const sidecars = sidecarNames(o);
  const ready = ((o.status?.containerStatuses ?? []) as Record<string, any>[]).filter((c) => c.ready).length
    + ((o.status?.initContainerStatuses ?? []) as Record<string, any>[]).filter((c) => sidecars.has(String(c.name)) && c.started === true && c.ready).length;
  return `${ready}/${((o.spec?.containers ?? []) as unknown[]).length + sidecars.size}`;
}

/** The STATUS column kubectl shows for a pod (`Init:CrashLoopBackOff`, `Running`, …). */
export function podDisplayStatus(o: KubeObject): string {
  const st = o.status ?? {};
  const inits: Record<string, any>[] = st.initContainerStatuses ?? [];
  const sidecars = sidecarNames(o);
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    if (c.state?.terminated?.exitCode === 0) continue;
    if (sidecars.has(String(c.name)) && c.started === true) continue; // a started native sidecar does not hold initialization
    if (c.state?.terminated) return `Init:${c.state.terminated.reason ?? 'Error'}`;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') return `Init:${c.state.waiting.reason}`;
    return `Init:${i}/${inits.length}`;
  }
  let reason: string = st.phase ?? 'Pending';
  for (const c of (st.containerStatuses ?? []) as Record<string, any>[]) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  return reason;
}

/** kubectl's CONDITION of a CSR: its condition types joined (`Approved,Issued`), or `Pending`. */
function csrCondition(o: KubeObject): string {
  const types = ((o.status?.conditions ?? []) as Record<string, unknown>[]).map((c) => String(c.type));
  if (o.status?.certificate) types.push('Issued');
  return types.length > 0 ? types.join(',') : 'Pending';
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const ageCol: Column = { name: 'Age', type: 'string', cell: (o) => age(o.metadata.creationTimestamp) };

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    { name: 'Ready', type: 'string', cell: podReady },
    { name: 'Status', type: 'string', cell: podDisplayStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0)) },
    ageCol,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? '' }, ageCol],
  Node: [
    name,
    { name: 'Status', type: 'string', cell: (o) => ((o.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady') + (o.spec?.unschedulable ? ',SchedulingDisabled' : '') },
    { name: 'Roles', type: 'string', cell: (o) => Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.split('/')[1]).join(',') || '<none>' },
    ageCol,
    { name: 'Version', type: 'string', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
  RuntimeClass: [name, { name: 'Handler', type: 'string', cell: (o) => o.handler ?? '' }, ageCol],
  Secret: [name, { name: 'Type', type: 'string', cell: (o) => o.type ?? '' }, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, ageCol],
  ConfigMap: [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, ageCol],
  ResourceQuota: [name, ageCol, { name: 'Request', type: 'string', cell: (o) => quotaCell(o, false) }, { name: 'Limit', type: 'string', cell: (o) => quotaCell(o, true) }],
  LimitRange: [name, { name: 'Created At', type: 'date', cell: (o) => String(o.metadata.creationTimestamp ?? '') }],
  CertificateSigningRequest: [
    name,
    ageCol,
    { name: 'SignerName', type: 'string', cell: (o) => o.spec?.signerName ?? '' },
    { name: 'Requestor', type: 'string', cell: (o) => o.spec?.username ?? '' },
    { name: 'RequestedDuration', type: 'string', cell: (o) => (typeof o.spec?.expirationSeconds === 'number' ? age(new Date(Date.now() - o.spec.expirationSeconds * 1000).toISOString()) : '<none>') },
    { name: 'Condition', type: 'string', cell: csrCondition },
  ],
};

/** printResourceQuota's REQUEST / LIMIT cells: `name: used/hard` for each resource in status.hard, sorted. */
function quotaCell(o: KubeObject, limits: boolean): string {
  const hard = (o.status?.hard ?? {}) as Record<string, string>;
  const used = (o.status?.used ?? {}) as Record<string, string>;
  return Object.keys(hard).sort().filter((k) => k.startsWith('limits') === limits).map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
}

/** A meta.k8s.io/v1 Table for `objects`. */
export function toTable(kind: string, objects: KubeObject[], resourceVersion: string): Record<string, unknown> {
  const cols = COLUMNS[kind] ?? [name, ageCol];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: 0 })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
