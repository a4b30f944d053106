/**
 * Structural schemas of CustomResourceDefinitions (apiextensions.k8s.io/v1 openAPIV3Schema) as
 * kube-apiserver applies them to a custom object: pruning of fields the schema does not declare
 * (unless `x-kubernetes-preserve-unknown-fields`), defaulting (`default`), then validation with the
 * real field errors (`spec.x: Invalid value: "string": spec.x in body must be of type integer:
 * "string"`, `Required value`, `Unsupported value: "a": supported values: "b", "c"`).
 *
 * Validated: type (object, array, string, integer, number, boolean), nullable, required, enum,
 * properties, additionalProperties (schema or false), items, x-kubernetes-int-or-string,
 * minimum/maximum, minLength/maxLength, minItems/maxItems, pattern. Not simulated: format,
 * oneOf/anyOf/allOf/not, x-kubernetes-validations (CEL), list-type/map-type uniqueness,
 * embedded resources — a CRD using them is served, those keywords are not checked.
 */
import type { StatusCause } from '../status.js';

/** A JSON schema node as a CRD's openAPIV3Schema holds it. */
export type Schema = Record<string, any>;

const goType = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
};

const preserves = (s: Schema | undefined): boolean => s?.['x-kubernetes-preserve-unknown-fields'] === true;

/**
 * Drops every field the schema does not declare, in place, and returns their paths (for the
 * `unknown field "spec.foo"` warnings, or the strict decoding error). Root apiVersion, kind and
 * metadata always stay.
 */
export function prune(obj: Record<string, any>, schema: Schema | undefined): string[] {
  const out: string[] = [];
  if (!schema || preserves(schema)) return out;
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    const sub = schema.properties?.[key] as Schema | undefined;
    if (!sub && !schema.additionalProperties) {
      out.push(key);
      delete obj[key];
      continue;
    }
    pruneValue(obj[key], sub ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined), key, out);
  }
  return out;
}

function pruneValue(v: unknown, s: Schema | undefined, path: string, out: string[]): void {
  if (!s || preserves(s) || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => pruneValue(x, s.items as Schema | undefined, `${path}[${i}]`, out));
    return;
  }
  const o = v as Record<string, unknown>;
  if (s.type !== 'object' && !s.properties) return; // `type: object` without properties keeps nothing (structural pruning)
  for (const key of Object.keys(o)) {
    const sub = s.properties?.[key] as Schema | undefined;
    const add = s.additionalProperties;
    if (sub) pruneValue(o[key], sub, `${path}.${key}`, out);
    else if (add && typeof add === 'object') pruneValue(o[key], add as Schema, `${path}.${key}`, out);
    else if (add !== true) {
      out.push(`${path}.${key}`);
      delete o[key];
    }
  }
}

/** Applies `default` values of absent properties, in place (structural defaulting). */
export function applySchemaDefaults(v: unknown, s: Schema | undefined): void {
  if (!s || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) applySchemaDefaults(x, s.items as Schema | undefined);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    if (o[key] === undefined && sub.default !== undefined) o[key] = structuredClone(sub.default);
    applySchemaDefaults(o[key], sub);
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const key of Object.keys(o)) if (!s.properties?.[key]) applySchemaDefaults(o[key], s.additionalProperties as Schema);
  }
}

const quote = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** The field errors of `obj` against the schema (metadata is validated by the API server itself). */
export function validateSchema(obj: Record<string, any>, schema: Schema | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!schema) return causes;
  const root = { ...obj };
  delete root.metadata;
  delete root.apiVersion;
  delete root.kind;
  const rootSchema: Schema = { ...schema, required: ((schema.required ?? []) as string[]).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(r)) };
  if (rootSchema.properties) {
    rootSchema.properties = { ...rootSchema.properties };
    delete rootSchema.properties.metadata;
  }
  check(root, rootSchema, '', causes);
  return causes;
}

function check(v: unknown, s: Schema, path: string, causes: StatusCause[]): void {
  const at = path === '' ? '<root>' : path;
  const add = (reason: string, message: string): void => void causes.push({ reason, message, field: at });
  if (v === null) {
    if (s.nullable !== true && s.type !== undefined) add('FieldValueTypeInvalid', `Invalid value: "null": ${at} in body must be of type ${String(s.type)}: "null"`);
    return;
  }
  const t = goType(v);
  if (s['x-kubernetes-int-or-string'] === true) {
    if (t !== 'integer' && t !== 'string') add('FieldValueTypeInvalid', `Invalid value: "${t}": ${at} in body must be of type integer,string: "${t}"`);
  } else if (s.type !== undefined && s.type !== t && !(s.type === 'number' && t === 'integer')) {
    add('FieldValueTypeInvalid', `Invalid value: "${t}": ${at} in body must be of type ${String(s.type)}: "${t}"`);
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(v))) {
    add('FieldValueNotSupported', `Unsupported value: ${quote(v)}: supported values: ${s.enum.map(quote).join(', ')}`);
  }
  if (typeof v === 'string') {
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) add('FieldValueTooLong', `Too long: may not be more than ${s.maxLength} bytes`);
    if (typeof s.minLength === 'number' && v.length < s.minLength) add('FieldValueInvalid', `Invalid value: ${quote(v)}: ${at} in body should be at least ${s.minLength} chars long`);
    if (typeof s.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(v)) add('FieldValueInvalid', `Invalid value: ${quote(v)}: ${at} in body should match '${s.pattern}'`);
    }
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) add('FieldValueInvalid', `Invalid value: ${v}: ${at} in body should be greater than or equal to ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) add('FieldValueInvalid', `Invalid value: ${v}: ${at} in body should be less than or equal to ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) add('FieldValueTooMany', `Too many: ${v.length}: must have at most ${s.maxItems} items`);
    if (typeof s.minItems === 'number' && v.length < s.minItems) add('FieldValueInvalid', `Invalid value: ${v.length}: ${at} in body should have at least ${s.minItems} items`);
    if (s.items) v.forEach((x, i) => check(x, s.items as Schema, `${path}[${i}]`, causes));
    return;
  }
  if (t !== 'object') return;
  const o = v as Record<string, unknown>;
  for (const r of (s.required ?? []) as string[]) {
    if (o[r] === undefined) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: path === '' ? r : `${path}.${r}` });
  }
  for (const [key, x] of Object.entries(o)) {
    const sub = (s.properties?.[key] as Schema | undefined) ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as Schema) : undefined);
    if (sub) check(x, sub, path === '' ? key : `${path}.${key}`, causes);
  }
}
