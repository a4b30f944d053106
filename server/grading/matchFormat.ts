/** Short renderings of values and paths for match messages. */

/** Marks a key or element that does not exist (distinct from `null`). */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

const MAX = 60;

/** `"text"`, `3`, `true`, `null`, `missing`, compact JSON for objects (truncated). */
export function describeValue(v: unknown, expectedForTypeHint?: unknown): string {
  if (v === MISSING || v === undefined) return 'missing';
  const text = truncate(JSON.stringify(v) ?? String(v));
  const wantType = typeOf(expectedForTypeHint);
  const gotType = typeOf(v);
  if (expectedForTypeHint !== undefined && wantType !== gotType && isScalarType(wantType) && isScalarType(gotType)) {
    return `${text} (a ${gotType}, not a ${wantType})`;
  }
  return text;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

function isScalarType(t: string): boolean {
  return t === 'string' || t === 'number' || t === 'boolean';
}

function truncate(s: string): string {
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s;
}

/** `spec.containers`, or `metadata.annotations["a.b/c"]` for keys that would read ambiguously. */
export function joinKey(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** `[name=prepare]` for named list items (from the actual or the expected element), else `[i]`. */
export function elementLabel(actual: unknown, expected: unknown, index: number): string {
  const name = nameOf(actual) ?? nameOf(expected);
  return name !== undefined ? `[name=${name}]` : `[${index}]`;
}

function nameOf(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const n = (v as Record<string, unknown>)['name'];
  return typeof n === 'string' ? n : undefined;
}

/**
 * A one-line reading of an expected shape for people: `spec.runtimeClassName = "gvisor",
 * spec.volumes contains [{"name":"content","emptyDir":{}}]`, cut to `max` characters.
 */
export function describeShape(shape: unknown, max = 160): string {
  const parts: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const entries = Object.entries(v);
      const [first] = entries;
      if (entries.length === 1 && first && first[0].startsWith('$')) {
        parts.push(`${path || 'object'} ${operatorText(first[0], first[1])}`);
        return;
      }
      if (entries.length === 0) parts.push(`${path || 'object'} present`);
      for (const [k, sub] of entries) walk(sub, joinKey(path, k));
      return;
    }
    parts.push(`${path || 'object'} = ${describeValue(v)}`);
  };
  walk(shape, '');
  const text = parts.join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function operatorText(op: string, arg: unknown): string {
  switch (op) {
    case '$absent':
      return arg === false ? 'present' : 'absent';
    case '$regex':
      return `matching /${String(arg)}/`;
    case '$oneOf':
      return `one of ${Array.isArray(arg) ? arg.map((a) => describeValue(a)).join(', ') : describeValue(arg)}`;
    case '$contains':
      return `contains ${describeValue(arg)}`;
    case '$each':
      return `each ${describeValue(arg)}`;
    case '$exact':
      return `exactly ${describeValue(arg)}`;
    default:
      return `${op} ${describeValue(arg)}`;
  }
}
