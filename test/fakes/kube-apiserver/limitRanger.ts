/**
 * The LimitRanger admission plugin (plugin/pkg/admission/limitranger), for Pods: every LimitRange
 * in the Pod's namespace first defaults each container's missing limits (`default`) and requests
 * (`defaultRequest`) and records what it set in the `kubernetes.io/limit-ranger` annotation, then
 * validates the containers (`Container` items) and the Pod's sums (`Pod` items) against
 * `min`/`max`, with kube-apiserver's messages ("maximum cpu usage per Container is 500m, but limit
 * is 1"). A LimitRange item is read with the API's defaulting applied (SetDefaults_LimitRangeItem:
 * a missing `default` is `max`, a missing `defaultRequest` is `default`, then `min`), so a
 * LimitRange with only `max` still gives Pods limits — as on a real cluster. Not simulated:
 * maxLimitRequestRatio, PersistentVolumeClaim items.
 */
import { add, canonical, compare, formatQuantity, parseQuantity, zero, type Quantity } from './quantity.js';
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;
type ResourceList = Record<string, unknown>;
interface Item { type?: string; max?: ResourceList; min?: ResourceList; default?: ResourceList; defaultRequest?: ResourceList }

/** SetDefaults_LimitRangeItem: what a stored Container item means. */
export function defaultLimitRangeItem(item: Item): Item {
  for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
    const list = item[key as keyof Item];
    if (list && typeof list === 'object') (item as Record<string, unknown>)[key] = canonicalList(list);
  }
  if (item.type !== 'Container') return item;
  const def = { ...(item.max ?? {}), ...(item.default ?? {}) };
  const defaultRequest = { ...(item.min ?? {}), ...def, ...(item.defaultRequest ?? {}) };
  return { ...item, default: def, defaultRequest };
}

/** Applies SetDefaults_LimitRangeItem to every item of a LimitRange being stored. */
export function defaultLimitRange(obj: KubeObject): void {
  const limits = obj.spec?.limits;
  if (Array.isArray(limits)) obj.spec.limits = limits.map((i: Item) => (i && typeof i === 'object' ? defaultLimitRangeItem(i) : i));
}

/** Quantities come back from the API in their canonical form (`0.5` is stored as `500m`). */
const canonicalList = (list: ResourceList): ResourceList => Object.fromEntries(Object.entries(list).map(([k, v]) => [k, canonical(v)]));

/** SetDefaults_Pod's resources rule: a container with a limit but no request requests its limit. */
function requestsFromLimits(c: Record<string, any>): void {
  const limits = c.resources?.limits;
  if (!limits || typeof limits !== 'object') return;
  c.resources.requests ??= {};
  for (const [k, v] of Object.entries(limits)) c.resources.requests[k] ??= v;
}

const containersOf = (spec: Record<string, any> | undefined): Record<string, any>[] =>
  [...((spec?.initContainers as Record<string, any>[]) ?? []), ...((spec?.containers as Record<string, any>[]) ?? [])];

/** Mutates and validates a new Pod; answers the refusal message, or undefined when admitted. */
export function admitLimitRanger(store: ObjectStore, kind: string, pod: KubeObject): string | undefined {
  if (kind !== 'Pod') return undefined;
  for (const c of containersOf(pod.spec)) {
    requestsFromLimits(c);
    for (const bucket of ['requests', 'limits']) if (c.resources?.[bucket] && typeof c.resources[bucket] === 'object') c.resources[bucket] = canonicalList(c.resources[bucket]);
  }
  const items = store
    .list(LIMIT_RANGES, String(pod.metadata.namespace))
    .flatMap((lr) => ((lr.spec?.limits as Item[]) ?? []).map(defaultLimitRangeItem));
  const set: string[] = [];
  for (const item of items.filter((i) => i.type === 'Container')) {
    for (const c of containersOf(pod.spec)) {
      const req: string[] = [];
      const lim: string[] = [];
      c.resources ??= {};
      for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
        c.resources.requests ??= {};
        if (c.resources.requests[k] === undefined) (c.resources.requests[k] = v), req.push(k);
      }
      for (const [k, v] of Object.entries(item.default ?? {})) {
        c.resources.limits ??= {};
        if (c.resources.limits[k] === undefined) (c.resources.limits[k] = v), lim.push(k);
      }
      if (req.length > 0) set.push(`${req.sort().join(', ')} request for ${initOr(pod, c)}container ${c.name}`);
      if (lim.length > 0) set.push(`${lim.sort().join(', ')} limit for ${initOr(pod, c)}container ${c.name}`);
    }
  }
  if (set.length > 0) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${set.join('; ')}` };
  const errors: string[] = [];
  for (const item of items) {
    if (item.type === 'Container') for (const c of containersOf(pod.spec)) errors.push(...bounds('Container', item, c.resources?.requests ?? {}, c.resources?.limits ?? {}));
    if (item.type === 'Pod') errors.push(...bounds('Pod', item, podSum(pod, 'requests'), podSum(pod, 'limits')));
  }
  if (errors.length === 0) return undefined;
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`; // utilerrors.NewAggregate
}

const initOr = (pod: KubeObject, c: Record<string, any>): string => (((pod.spec?.initContainers as unknown[]) ?? []).includes(c) ? 'init ' : '');

function podSum(pod: KubeObject, bucket: 'requests' | 'limits'): ResourceList {
  const out: Record<string, Quantity> = {};
  for (const c of (pod.spec?.containers as Record<string, any>[]) ?? []) {
    for (const [k, v] of Object.entries((c.resources?.[bucket] as ResourceList) ?? {})) {
      const q = parseQuantity(v);
      if (q) out[k] = add(out[k] ?? zero(), q);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, q]) => [k, formatQuantity(q)]));
}

/** minConstraint and maxConstraint of the real plugin, for one item and one container (or Pod). */
function bounds(type: string, item: Item, requests: ResourceList, limits: ResourceList): string[] {
  const errors: string[] = [];
  for (const [name, raw] of Object.entries(item.min ?? {})) {
    const min = parseQuantity(raw);
    const req = parseQuantity(requests[name]);
    const lim = parseQuantity(limits[name]);
    if (!min) continue;
    if (requests[name] === undefined) errors.push(`minimum ${name} usage per ${type} is ${formatQuantity(min)}.  No request is specified`);
    else if (req && compare(req, min) < 0) errors.push(`minimum ${name} usage per ${type} is ${formatQuantity(min)}, but request is ${formatQuantity(req)}`);
    else if (lim && compare(lim, min) < 0) errors.push(`minimum ${name} usage per ${type} is ${formatQuantity(min)}, but limit is ${formatQuantity(lim)}`);
  }
  for (const [name, raw] of Object.entries(item.max ?? {})) {
    const max = parseQuantity(raw);
    const req = parseQuantity(requests[name]);
    const lim = parseQuantity(limits[name]);
    if (!max) continue;
    if (limits[name] === undefined) errors.push(`maximum ${name} usage per ${type} is ${formatQuantity(max)}.  No limit is specified`);
    else if (lim && compare(lim, max) > 0) errors.push(`maximum ${name} usage per ${type} is ${formatQuantity(max)}, but limit is ${formatQuantity(lim)}`);
    else if (req && compare(req, max) > 0) errors.push(`maximum ${name} usage per ${type} is ${formatQuantity(max)}, but request is ${formatQuantity(req)}`);
  }
  return errors;
}
