/**
 * The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota) and the quota
 * controller's status (kube-controller-manager's resourcequota controller), for the resources a
 * lab uses: Pods (`pods`, `count/pods`, `requests.cpu`/`cpu`, `requests.memory`/`memory`,
 * `limits.cpu`, `limits.memory`, `requests.ephemeral-storage`, `limits.ephemeral-storage`) and
 * object counts (`count/<resource>[.<group>]`, and the legacy `services`, `secrets`, `configmaps`,
 * `resourcequotas`, `persistentvolumeclaims`). A create that would take a namespace over a quota's
 * `hard` is refused with "exceeded quota: <name>, requested: …, used: …, limited: …"; a Pod whose
 * containers do not state a cpu/memory request or limit a quota tracks is refused with "failed
 * quota: <name>: must specify …". Both also on a server-side dry run (admission runs in full,
 * nothing is charged). Usage is what the namespace holds now (terminal Pods do not count), which
 * is what the controller's `status.used` converges to; the controller writes `status.hard` and
 * `status.used` so `kubectl describe quota` is real. Not simulated: quota scopes and
 * scopeSelector, extended resources, PVC storage, updates that change a Pod's resources.
 */
import { add, compare, formatQuantity, parseQuantity, zero, type Quantity } from './quantity.js';
import { findResource, RESOURCE_TYPES, type ResourceType } from './resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from './store.js';

const QUOTAS = findResource('', 'v1', 'resourcequotas')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEGACY: Record<string, string> = { services: 'services', secrets: 'secrets', configmaps: 'configmaps', resourcequotas: 'resourcequotas', persistentvolumeclaims: 'persistentvolumeclaims', pods: 'pods' };
/** The resources a Pod's containers must name when a quota tracks them (the pods evaluator's validationSet). */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

type Usage = Record<string, Quantity>;
const one = (): Quantity => ({ nanos: 1_000_000_000n, format: 'DecimalSI' });

const countKey = (rt: ResourceType): string => `count/${rt.resource}${rt.group ? `.${rt.group}` : ''}`;

/** The compute usage of one container's requests and limits (podComputeUsageHelper). */
function containerUsage(c: Record<string, any>): Usage {
  const u: Usage = {};
  for (const [bucket, list] of [['requests', c.resources?.requests], ['limits', c.resources?.limits]] as const) {
    for (const [k, v] of Object.entries((list as Record<string, unknown>) ?? {})) {
      const q = parseQuantity(v);
      if (!q || !['cpu', 'memory', 'ephemeral-storage'].includes(k)) continue;
      u[`${bucket}.${k}`] = q;
      if (bucket === 'requests' && k !== 'ephemeral-storage') u[k] = q;
    }
  }
  return u;
}

const sum = (a: Usage, b: Usage): Usage => {
  const out = { ...a };
  for (const [k, q] of Object.entries(b)) out[k] = add(out[k] ?? zero(q.format), q);
  return out;
};
const max = (a: Usage, b: Usage): Usage => {
  const out = { ...a };
  for (const [k, q] of Object.entries(b)) if (!out[k] || compare(q, out[k]!) > 0) out[k] = q;
  return out;
};

const terminal = (pod: KubeObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** A Pod's usage: the sum of its containers, or its largest init container when that is larger. */
export function podUsage(pod: KubeObject): Usage {
  if (terminal(pod)) return {};
  const containers = ((pod.spec?.containers as Record<string, any>[]) ?? []).map(containerUsage).reduce(sum, {});
  const inits = ((pod.spec?.initContainers as Record<string, any>[]) ?? []).map(containerUsage).reduce(max, {});
  return { ...max(containers, inits), pods: one(), 'count/pods': one() };
}

/** What creating one object of type `rt` adds. */
function objectUsage(rt: ResourceType, obj: KubeObject): Usage {
  if (rt === PODS) return podUsage(obj);
  const u: Usage = { [countKey(rt)]: one() };
  if (rt.group === '' && LEGACY[rt.resource]) u[LEGACY[rt.resource]!] = one();
  return u;
}

/** What a namespace uses now of the resources `hard` names. */
export function namespaceUsage(store: ObjectStore, ns: string, hard: Record<string, unknown>): Usage {
  const used: Usage = {};
  for (const key of Object.keys(hard)) used[key] = zero(parseQuantity(hard[key])?.format);
  const wanted = new Set(Object.keys(hard));
  for (const rt of RESOURCE_TYPES) {
    if (!rt.namespaced || rt.review) continue;
    const counts = wanted.has(countKey(rt)) || (rt.group === '' && LEGACY[rt.resource] !== undefined && wanted.has(LEGACY[rt.resource]!));
    const compute = rt === PODS && [...wanted].some((k) => MUST_SPECIFY.has(k) || k.endsWith('ephemeral-storage'));
    if (!counts && !compute) continue;
    for (const o of store.list(rt, ns)) {
      for (const [k, q] of Object.entries(objectUsage(rt, o))) if (wanted.has(k)) used[k] = add(used[k]!, q);
    }
  }
  return used;
}

const pretty = (u: Usage, keys: string[]): string => keys.map((k) => `${k}=${formatQuantity(u[k] ?? zero())}`).join(',');

/** Refusal message for creating `obj`, or undefined when every quota in its namespace admits it. */
export function admitResourceQuota(store: ObjectStore, rt: ResourceType, obj: KubeObject): string | undefined {
  if (!rt.namespaced) return undefined;
  const ns = String(obj.metadata.namespace);
  const quotas = store.list(QUOTAS, ns).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  const delta = objectUsage(rt, obj);
  for (const quota of quotas) {
    const hard = (quota.spec?.hard as Record<string, unknown>) ?? {};
    if (rt === PODS) {
      const missing = podConstraints(obj, Object.keys(hard));
      if (missing) return `failed quota: ${quota.metadata.name}: ${missing}`;
    }
    const keys = Object.keys(hard).filter((k) => delta[k] !== undefined).sort();
    if (keys.length === 0) continue;
    const used = namespaceUsage(store, ns, hard);
    const exceeded = keys.filter((k) => {
      const limit = parseQuantity(hard[k]);
      return limit !== undefined && compare(add(used[k] ?? zero(), delta[k]!), limit) > 0;
    });
    if (exceeded.length === 0) continue;
    const limits: Usage = Object.fromEntries(exceeded.map((k) => [k, parseQuantity(hard[k])!]));
    return `exceeded quota: ${quota.metadata.name}, requested: ${pretty(delta, exceeded)}, used: ${pretty(used, exceeded)}, limited: ${pretty(limits, exceeded)}`;
  }
  return undefined;
}

/** The pods evaluator's Constraints: each container names every cpu/memory resource the quota tracks. */
function podConstraints(pod: KubeObject, tracked: string[]): string | undefined {
  const required = tracked.filter((k) => MUST_SPECIFY.has(k));
  if (required.length === 0) return undefined;
  const missing = new Map<string, string[]>();
  for (const c of [...((pod.spec?.containers as Record<string, any>[]) ?? []), ...((pod.spec?.initContainers as Record<string, any>[]) ?? [])]) {
    const has = containerUsage(c);
    for (const r of required) if (!has[r]) missing.set(r, [...(missing.get(r) ?? []), String(c.name)]);
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()].sort().map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`).join('; ')}`;
}

/** The quota controller: keeps every ResourceQuota's `status.hard` and `status.used` current. */
export function startQuotaController(store: ObjectStore): () => void {
  const pending = new Set<string>();
  let timer: NodeJS.Immediate | undefined;
  const refresh = (ns: string): void => {
    for (const quota of store.list(QUOTAS, ns)) {
      const hard = (quota.spec?.hard as Record<string, unknown>) ?? {};
      const used = namespaceUsage(store, ns, hard);
      const status = {
        hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, parseQuantity(v) ? formatQuantity(parseQuantity(v)!) : String(v)])),
        used: Object.fromEntries(Object.keys(hard).map((k) => [k, formatQuantity(used[k] ?? zero())])),
      };
      if (JSON.stringify(quota.status ?? {}) !== JSON.stringify(status)) store.update(QUOTAS, { ...quota, status });
    }
  };
  const onChange = (ev: StoreEvent): void => {
    if (!ev.rt.namespaced || !ev.object.metadata.namespace) return;
    pending.add(String(ev.object.metadata.namespace));
    timer ??= setImmediate(() => {
      timer = undefined;
      const list = [...pending];
      pending.clear();
      for (const ns of list) refresh(ns);
    });
  };
  store.events.on('change', onChange);
  for (const q of store.list(QUOTAS)) pending.add(String(q.metadata.namespace));
  for (const ns of pending) refresh(ns);
  pending.clear();
  return () => {
    store.events.off('change', onChange);
    if (timer) clearImmediate(timer);
  };
}
