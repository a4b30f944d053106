/**
 * The patch flavours `kubectl` and client libraries send: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and a strategic merge patch good enough for the built-in kinds
 * (lists merged by their patchMergeKey, `$setElementOrder`, `$patch: delete|replace`).
 */
import { badRequest } from './status.js';

type Json = any;
const isObj = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** patchMergeKey of list fields in the built-in types (by field name). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  env: 'name',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  ownerReferences: 'uid',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  secrets: 'name',
  volumeDevices: 'devicePath',
  finalizers: '',
  webhooks: 'name', // Validating- and MutatingWebhookConfiguration
};

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const k = MERGE_KEYS[field];
  if (k === undefined) return undefined;
  // Service ports merge by `port`, container ports by `containerPort`.
  if (field === 'ports' && items.some((i) => isObj(i) && 'port' in i && !('containerPort' in i))) return 'port';
  return k;
}

function mergeList(field: string, current: Json[], patch: Json[], order: Json[] | undefined): Json[] {
  const key = mergeKeyFor(field, [...current, ...patch]);
  if (key === undefined) return structuredClone(patch);
  if (key === '') {
    // A set of primitives.
    const out = [...current];
    for (const p of patch) if (!out.includes(p)) out.push(p);
    return out;
  }
  const out: Json[] = structuredClone(current);
  for (const item of patch) {
    if (!isObj(item)) continue;
    const idx = out.findIndex((c) => isObj(c) && c[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item);
    else out.push(strategicMerge({}, item));
  }
  if (order) {
    const rank = (v: Json): number => {
      const i = order.findIndex((o) => isObj(o) && isObj(v) && o[key] === v[key]);
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

/** Strategic merge patch over the built-in kinds. */
export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return strategicMerge({}, rest);
  }
  const out: Record<string, Json> = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const order = patch[`$setElementOrder/${k}`] as Json[] | undefined;
      out[k] = mergeList(k, Array.isArray(out[k]) ? out[k] : [], v, order);
      continue;
    }
    out[k] = isObj(v) ? strategicMerge(out[k], v) : v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = out[field].filter((x: Json) => !v.includes(x));
    }
    if (k.startsWith('$setElementOrder/')) {
      const field = k.slice('$setElementOrder/'.length);
      if (!(field in patch) && Array.isArray(out[field]) && Array.isArray(v)) {
        out[field] = mergeList(field, out[field], [], v);
      }
    }
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch path must start with '/': ${path}`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: Json; last: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObj(cur) ? cur[p] : undefined;
    if (cur === undefined) throw badRequest(`the server rejected our request due to an error in our request: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, last: parts[parts.length - 1] ?? '' };
}

function getAt(doc: Json, path: string): Json {
  let cur = doc;
  for (const p of pointer(path)) cur = Array.isArray(cur) ? cur[Number(p)] : isObj(cur) ? cur[p] : undefined;
  return cur;
}

function removeAt(doc: Json, path: string): Json {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) return parent.splice(Number(last), 1)[0];
  if (!isObj(parent) || !(last in parent)) throw badRequest(`the server rejected our request due to an error in our request: doc is missing key: ${path}: missing value`);
  const v = parent[last];
  delete parent[last];
  return v;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): void {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObj(parent)) {
    if (replace && !(last in parent)) throw badRequest(`the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${path}: missing value`);
    parent[last] = value;
  }
}

/** RFC 6902. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const op of ops as Record<string, Json>[]) {
    const path = String(op.path ?? '');
    switch (op.op) {
      case 'add':
        if (path === '') doc = structuredClone(op.value);
        else addAt(doc, path, structuredClone(op.value), false);
        break;
      case 'replace':
        if (path === '') doc = structuredClone(op.value);
        else addAt(doc, path, structuredClone(op.value), true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        addAt(doc, path, removeAt(doc, String(op.from)), false);
        break;
      case 'copy':
        addAt(doc, path, structuredClone(getAt(doc, String(op.from))), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw new Error('testPatch');
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}
