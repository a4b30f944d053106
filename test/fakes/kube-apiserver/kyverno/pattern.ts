/**
 * Kyverno's validate.pattern matching as v1.18.2 evaluates it (pkg/engine/validate, anchor,
 * pattern, operator): the pattern tree is walked against the resource; maps key by key (anchors
 * first, in key order), arrays of maps element by element (every element must match), a scalar
 * pattern against a scalar or against every element of a list. Anchors:
 * - `(key)` conditional: the key must exist and match, else the enclosing element is skipped;
 * - `<(key)` global: a mismatch skips the whole rule;
 * - `=(key)` equality: checked only when the key is present;
 * - `X(key)` negation: the key must be absent;
 * - `^(key)` existence: at least one element of the list matches each pattern map.
 * String patterns: `|` alternatives, `&` conjunctions, operators `!`, `>`, `<`, `>=`, `<=`,
 * ranges `a-b`/`a!-b`, wildcards `*`/`?`; quantities compare numerically (`>=100Mi`).
 * Simplified: durations (`>1h`) are compared as strings; wildcard keys in metadata.labels and
 * annotations are not expanded.
 */
import { compare, parseQuantity } from '../quantity.js';
import { wildcardMatch } from './wildcard.js';

type Obj = Record<string, unknown>;
type ErrKind = 'plain' | 'conditional' | 'global' | 'negation' | 'skip';

interface PErr {
  kind: ErrKind;
  message: string;
  /** Only for kind 'skip': the error wraps anchor errors (a PatternError in Kyverno). */
  wrapped?: boolean;
}

/** The outcome of {@link matchPattern}: pass, fail at a path, skip (a condition not met), or error (no path). */
export type PatternResult = { status: 'pass' } | { status: 'fail'; path: string; message: string } | { status: 'skip'; message: string } | { status: 'error'; message: string };

const ANCHOR = /^([+<=X^])?\((.+)\)$/;

interface Anchor {
  modifier: '' | '<' | '=' | 'X' | '^' | '+';
  key: string;
}

export function parseAnchor(s: string): Anchor | undefined {
  const m = ANCHOR.exec(s.trim());
  if (!m || !m[2]) return undefined;
  return { modifier: (m[1] ?? '') as Anchor['modifier'], key: m[2] };
}

const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSkip = (e: PErr): boolean => e.kind === 'conditional' || e.kind === 'global' || (e.kind === 'skip' && /conditional anchor mismatch|global anchor mismatch/.test(e.message));
const isNegation = (e: PErr): boolean => e.kind === 'negation' || e.message.includes('negation anchor matched in resource');

interface Ctx {
  /** Anchor keys of the pattern and whether the resource ever had them (Kyverno's AnchorMap). */
  anchors: Map<string, boolean>;
}

type Walk = { path: string; err: PErr } | undefined;

/** Matches `resource` against a validate `pattern`. */
export function matchPattern(resource: unknown, pattern: unknown): PatternResult {
  const ctx: Ctx = { anchors: new Map() };
  const r = element(resource, pattern, '/', ctx);
  if (!r) return { status: 'pass' };
  if (isSkip(r.err)) return { status: 'skip', message: r.err.message };
  if (isNegation(r.err)) return { status: 'fail', path: r.path, message: r.err.message };
  const missing = [...ctx.anchors].some(([k, v]) => !v && parseAnchor(k)?.modifier !== 'X');
  if (missing || r.path === '') return { status: 'error', message: r.err.message };
  return { status: 'fail', path: r.path, message: r.err.message };
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

const show = (v: unknown): string => (v === null || v === undefined ? '<nil>' : Array.isArray(v) ? `[${v.map(show).join(' ')}]` : isMap(v) ? 'map[...]' : String(v));

function element(resource: unknown, pattern: unknown, path: string, ctx: Ctx): Walk {
  if (isMap(pattern)) {
    if (!isMap(resource)) {
      return { path, err: { kind: 'plain', message: `pattern and resource have different structures. Path: ${path}. Expected ${goType(pattern)}, found ${goType(resource)}` } };
    }
    for (const key of Object.keys(pattern)) {
      const a = parseAnchor(key);
      if (a && (a.modifier === '' || a.modifier === '^' || a.modifier === 'X')) {
        if (!ctx.anchors.get(key)) ctx.anchors.set(key, Object.prototype.hasOwnProperty.call(resource, a.key));
      }
    }
    return map(resource, pattern, path, ctx);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource)) {
      return { path, err: { kind: 'plain', message: `validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern` } };
    }
    return array(resource, pattern, path, ctx);
  }
  if (Array.isArray(resource)) {
    for (const r of resource) {
      if (!validateScalar(r, pattern)) return { path, err: { kind: 'plain', message: `resource value '${show(resource)}' does not match '${show(pattern)}' at path ${path}` } };
    }
    return undefined;
  }
  if (!validateScalar(resource, pattern)) return { path, err: { kind: 'plain', message: `resource value '${show(resource)}' does not match '${show(pattern)}' at path ${path}` } };
  return undefined;
}

function map(resource: Obj, pattern: Obj, path: string, ctx: Ctx): Walk {
  const anchors: [string, Anchor][] = [];
  const rest: string[] = [];
  for (const key of Object.keys(pattern).sort()) {
    const a = parseAnchor(key);
    if (a && ['', '^', '=', 'X'].includes(a.modifier)) anchors.push([key, a]);
    else rest.push(key);
  }
  const skipErrors: PErr[] = [];
  let applied = 0;
  for (const [key, a] of anchors) {
    const r = anchorHandler(a, pattern[key], resource, path, ctx);
    if (r) {
      if (isSkip(r.err)) {
        skipErrors.push(r.err);
        continue;
      }
      // A direct (not wrapped) skip among the siblings means this element is skipped anyway.
      if (!skipErrors.some((e) => !e.wrapped)) return r;
      continue;
    }
    applied++;
  }
  if (skipErrors.length && (applied === 0 || skipErrors.some((e) => !e.wrapped))) {
    return { path, err: { kind: 'skip', wrapped: true, message: skipErrors.map((e) => e.message).join('; ') } };
  }
  // Keys whose values hold anchors (and global anchors) are evaluated first.
  const front = rest.filter((k) => parseAnchor(k)?.modifier === '<' || hasNestedAnchors(pattern[k])).reverse();
  const back = rest.filter((k) => !(parseAnchor(k)?.modifier === '<' || hasNestedAnchors(pattern[k])));
  for (const key of [...front, ...back]) {
    const a = parseAnchor(key);
    const r = a?.modifier === '<' ? globalHandler(a, pattern[key], resource, path, ctx) : defaultHandler(key, pattern[key], resource, path, ctx);
    if (r) return r;
  }
  return undefined;
}

function hasNestedAnchors(v: unknown): boolean {
  if (isMap(v)) return Object.keys(v).some((k) => parseAnchor(k) && parseAnchor(k)!.modifier !== '+') || Object.values(v).some(hasNestedAnchors);
  if (Array.isArray(v)) return v.some(hasNestedAnchors);
  return false;
}

function defaultHandler(key: string, pattern: unknown, resource: Obj, path: string, ctx: Ctx): Walk {
  const value = resource[key];
  if (pattern === '*') return value !== undefined && value !== null ? undefined : { path, err: { kind: 'plain', message: `${path}/${key} not found` } };
  return element(value, pattern, `${path}${key}/`, ctx);
}

function globalHandler(a: Anchor, pattern: unknown, resource: Obj, path: string, ctx: Ctx): Walk {
  if (!Object.prototype.hasOwnProperty.call(resource, a.key)) return undefined;
  const r = element(resource[a.key], pattern, `${path}${a.key}/`, ctx);
  return r ? { path: r.path, err: { kind: 'global', message: `global anchor mismatch: ${r.err.message}` } } : undefined;
}

function anchorHandler(a: Anchor, pattern: unknown, resource: Obj, path: string, ctx: Ctx): Walk {
  const current = `${path}${a.key}/`;
  const present = Object.prototype.hasOwnProperty.call(resource, a.key);
  switch (a.modifier) {
    case 'X':
      return present ? { path: current, err: { kind: 'negation', message: `negation anchor matched in resource: ${current} is not allowed` } } : undefined;
    case '=':
      return present ? element(resource[a.key], pattern, current, ctx) : undefined;
    case '': {
      if (!present) return { path: current, err: { kind: 'conditional', message: "conditional anchor mismatch: conditional anchor key doesn't exist in the resource" } };
      const r = element(resource[a.key], pattern, current, ctx);
      return r ? { path: r.path, err: { kind: 'conditional', message: `conditional anchor mismatch: ${r.err.message}` } } : undefined;
    }
    case '^': {
      if (!present) return undefined;
      const value = resource[a.key];
      if (!Array.isArray(value)) return { path: current, err: { kind: 'plain', message: `invalid resource type: Existence ^ () anchor can be used only on list/array type resource` } };
      if (!Array.isArray(pattern)) return { path: current, err: { kind: 'plain', message: 'invalid pattern type: Pattern has to be of list to compare against resource' } };
      for (const p of pattern) {
        if (!isMap(p)) return { path: current, err: { kind: 'plain', message: 'invalid pattern type: Pattern has to be of type map to compare against items in resource' } };
        if (!value.some((v, i) => element(v, p, `${current}${i}/`, ctx) === undefined)) {
          return { path: current, err: { kind: 'plain', message: `existence anchor validation failed at path ${current}` } };
        }
      }
      return undefined;
    }
    default:
      return element(resource[a.key], pattern, current, ctx);
  }
}

function array(resource: unknown[], pattern: unknown[], path: string, ctx: Ctx): Walk {
  if (!pattern.length) return { path, err: { kind: 'plain', message: 'pattern Array empty' } };
  const first = pattern[0];
  if (isMap(first)) {
    const skips: PErr[] = [];
    let applied = 0;
    for (let i = 0; i < resource.length; i++) {
      const r = element(resource[i], first, `${path}${i}/`, ctx);
      if (r) {
        if (isSkip(r.err)) {
          skips.push(r.err);
          continue;
        }
        return r;
      }
      applied++;
    }
    if (applied === 0 && skips.length) return { path, err: { kind: 'skip', wrapped: true, message: skips.map((e) => e.message).join('; ') } };
    return undefined;
  }
  if (!Array.isArray(first)) return element(resource, first, path, ctx);
  if (resource.length < pattern.length) {
    return { path: '', err: { kind: 'plain', message: `validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${pattern.length}` } };
  }
  const skips: PErr[] = [];
  let applied = 0;
  for (let i = 0; i < pattern.length; i++) {
    const r = element(resource[i], pattern[i], `${path}${i}/`, ctx);
    if (r) {
      if (isSkip(r.err)) {
        skips.push(r.err);
        continue;
      }
      return r;
    }
    applied++;
  }
  if (applied === 0 && skips.length) return { path, err: { kind: 'skip', wrapped: true, message: skips.map((e) => e.message).join('; ') } };
  return undefined;
}

/** pattern.Validate: a scalar pattern against a value. */
export function validateScalar(value: unknown, pattern: unknown): boolean {
  if (typeof pattern === 'boolean') return typeof value === 'boolean' && value === pattern;
  if (typeof pattern === 'number') {
    if (typeof value === 'number') return value === pattern;
    if (typeof value === 'string') {
      const n = Number.isInteger(pattern) ? (/^[+-]?\d+$/.test(value) ? Number(value) : NaN) : Number(value);
      return n === pattern;
    }
    return false;
  }
  if (pattern === null || pattern === undefined) {
    return value === null || value === undefined || value === 0 || value === '' || value === false;
  }
  if (isMap(pattern)) return isMap(value);
  if (typeof pattern === 'string') return validateStringPatterns(value, pattern);
  return false;
}

function validateStringPatterns(value: unknown, pattern: string): boolean {
  if (value === pattern) return true;
  return pattern.split('|').some((alt) => alt.trim().split('&').every((c) => validateStringPattern(value, c.trim())));
}

const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

function operatorOf(p: string): string {
  if (p.length < 2) return '';
  for (const op of ['>=', '<=', '>', '<', '!']) if (p.startsWith(op)) return op;
  if (NOT_IN_RANGE.test(p)) return '!-';
  if (IN_RANGE.test(p)) return '-';
  return '';
}

function validateStringPattern(value: unknown, pattern: string): boolean {
  const op = operatorOf(pattern);
  if (op === '-') {
    const m = IN_RANGE.exec(pattern)!;
    return validateStringPattern(value, `>= ${m[1]}`) && validateStringPattern(value, `<= ${m[2]}`);
  }
  if (op === '!-') {
    const m = NOT_IN_RANGE.exec(pattern)!;
    return validateStringPattern(value, `< ${m[1]}`) || validateStringPattern(value, `> ${m[2]}`);
  }
  const p = pattern.slice(op.length).trim();
  const q = compareQuantity(value, p, op);
  if (q !== undefined) return q;
  if (op !== '' && op !== '!') return false;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number') s = Number.isInteger(value) ? String(value) : value.toExponential().toUpperCase();
  else if (typeof value === 'boolean') s = String(value);
  else return false;
  const hit = wildcardMatch(p, s);
  return op === '!' ? !hit : hit;
}

function compareQuantity(value: unknown, pattern: string, op: string): boolean | undefined {
  const pq = parseQuantity(pattern);
  if (!pq) return undefined;
  const vs = value === null || value === undefined ? '0' : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
  if (vs === undefined) return undefined;
  const vq = parseQuantity(vs);
  if (!vq) return undefined;
  const c = compare(vq, pq);
  switch (op) {
    case '':
      return c === 0;
    case '!':
      return c !== 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    default:
      return undefined;
  }
}
