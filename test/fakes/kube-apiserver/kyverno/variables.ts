/**
 * Kyverno variables (`{{ … }}`) and conditions (preconditions, validate.deny) as v1.18.2 evaluates
 * them, for the JMESPath a policy realistically writes: field access, `.`, `[]` flatten, `[*]` and
 * `.*` projections, `[n]`, multi-select lists (`spec.[containers, initContainers][]`), `||`, `|`,
 * literals (`` `x` ``, `'x'`), `@`. A missing field outside a projection is Kyverno's
 * `Unknown key "x" in path` error (the rule errors). JMESPath functions and filters are not
 * simulated: such an expression makes the rule error with "fake kyverno: … not simulated".
 * Operators: Equals, NotEquals, AnyIn, AllIn, AnyNotIn, AllNotIn (wildcards in either side).
 */
import { wildcardMatch } from './wildcard.js';

type Json = unknown;

export class VariableError extends Error {}

interface Tok {
  t: 'id' | 'num' | 'lit' | 'op';
  v: string;
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ t: 'id', v: m });
      i += m.length;
    } else if (c === '"') {
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(src.slice(i));
      if (!m) throw new VariableError(`fake kyverno: JMESPath ${JSON.stringify(src)} is not simulated`);
      out.push({ t: 'id', v: JSON.parse(m[0]) as string });
      i += m[0].length;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+/.exec(src.slice(i));
      if (!m) throw new VariableError(`fake kyverno: JMESPath ${JSON.stringify(src)} is not simulated`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (c === '`' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new VariableError(`fake kyverno: JMESPath ${JSON.stringify(src)} is not simulated`);
      const body = src.slice(i + 1, end);
      out.push({ t: 'lit', v: c === '`' ? body : JSON.stringify(body) });
      i = end + 1;
    } else if (src.startsWith('||', i)) {
      out.push({ t: 'op', v: '||' });
      i += 2;
    } else if (src.startsWith('[]', i) || src.startsWith('[*]', i)) {
      const v = src.startsWith('[]', i) ? '[]' : '[*]';
      out.push({ t: 'op', v });
      i += v.length;
    } else if ('.[],|*@'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
    } else {
      throw new VariableError(`fake kyverno: JMESPath ${JSON.stringify(src)} is not simulated`);
    }
  }
  return out;
}

/** A value and whether it is a projection (later steps apply to each element, nulls dropped). */
interface V {
  v: Json;
  proj: boolean;
}

const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evaluates a JMESPath expression (the subset above) against `data`. */
export function jmespath(expr: string, data: Json): Json {
  const toks = lex(expr);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const unsupported = (): never => {
    throw new VariableError(`fake kyverno: JMESPath ${JSON.stringify(expr)} is not simulated`);
  };

  const field = (cur: Json, name: string, inProj: boolean): Json => {
    if (isObj(cur) && Object.prototype.hasOwnProperty.call(cur, name)) return cur[name];
    if (!inProj && isObj(cur)) throw new VariableError(`Unknown key "${name}" in path`);
    return null;
  };

  // Applies `step` to a value, mapping over a projection.
  const apply = (cur: V, step: (x: Json, inProj: boolean) => V): V => {
    if (!cur.proj) return step(cur.v, false);
    if (!Array.isArray(cur.v)) return { v: null, proj: false };
    const out: Json[] = [];
    for (const el of cur.v) {
      const r = step(el, true);
      if (r.v !== null && r.v !== undefined) {
        if (r.proj && Array.isArray(r.v)) out.push(r.v);
        else out.push(r.v);
      }
    }
    return { v: out, proj: true };
  };

  const multiselect = (cur: Json, inProj: boolean): V => {
    const items: Json[] = [];
    for (;;) {
      const sub = parsePipeFrom(cur, inProj, true);
      items.push(sub.v);
      const t = toks[pos++];
      if (t?.v === ']') break;
      if (t?.v !== ',') unsupported();
    }
    return { v: items, proj: false };
  };

  const primary = (cur: Json, inProj: boolean): V => {
    const t = toks[pos++];
    if (!t) return unsupported();
    if (t.t === 'id') return { v: field(cur, t.v, inProj), proj: false };
    if (t.t === 'lit') return { v: JSON.parse(t.v) as Json, proj: false };
    if (t.v === '@') return { v: cur, proj: false };
    if (t.v === '*') return { v: isObj(cur) ? Object.values(cur) : null, proj: true };
    if (t.v === '[') return multiselect(cur, inProj);
    if (t.v === '[]') return flatten({ v: cur, proj: false });
    if (t.v === '[*]') return { v: Array.isArray(cur) ? cur : null, proj: true };
    return unsupported();
  };

  const flatten = (cur: V): V => {
    const base = cur.v;
    if (!Array.isArray(base)) return { v: null, proj: false };
    const out: Json[] = [];
    for (const el of base) {
      if (Array.isArray(el)) out.push(...el);
      else if (el !== null && el !== undefined) out.push(el);
    }
    return { v: out, proj: true };
  };

  const chain = (cur: Json, inProj: boolean): V => {
    let v = primary(cur, inProj);
    for (;;) {
      const t = peek();
      if (!t) break;
      if (t.v === '.') {
        pos++;
        const n = toks[pos];
        if (n?.t === 'id') {
          pos++;
          v = apply(v, (x, ip) => ({ v: field(x, n.v, ip), proj: false }));
        } else if (n?.v === '*') {
          pos++;
          if (v.proj) unsupported();
          v = { v: isObj(v.v) ? Object.values(v.v) : null, proj: true };
        } else if (n?.v === '[') {
          pos++;
          const start = pos;
          let depth = 1;
          let end = pos;
          while (end < toks.length && depth > 0) {
            const tv = toks[end++]!.v;
            if (tv === '[') depth++;
            else if (tv === ']') depth--;
          }
          v = apply(v, (x, ip) => {
            pos = start;
            return multiselect(x, ip);
          });
          pos = end;
        } else unsupported();
      } else if (t.v === '[]') {
        pos++;
        v = flatten(v.proj ? { v: v.v, proj: false } : v);
      } else if (t.v === '[*]') {
        pos++;
        v = { v: Array.isArray(v.v) ? v.v : null, proj: true };
      } else if (t.v === '[') {
        pos++;
        const n = toks[pos++];
        if (n?.t !== 'num' || toks[pos++]?.v !== ']') unsupported();
        const idx = Number(n!.v);
        v = apply(v, (x) => ({ v: Array.isArray(x) ? (x[idx < 0 ? x.length + idx : idx] ?? null) : null, proj: false }));
      } else break;
    }
    return v;
  };

  const orExpr = (cur: Json, inProj: boolean): V => {
    let v: V;
    const start = pos;
    try {
      v = chain(cur, inProj);
    } catch (e) {
      // `a.missing || b`: an unknown key on the left is an empty value for ||.
      if (!(e instanceof VariableError) || /not simulated/.test(e.message) || !toks.slice(start).some((t) => t.v === '||')) throw e;
      pos = start;
      let depth = 0;
      while (pos < toks.length && !(depth === 0 && toks[pos]!.v === '||')) {
        if (toks[pos]!.v === '[') depth++;
        if (toks[pos]!.v === ']') depth--;
        pos++;
      }
      v = { v: null, proj: false };
    }
    while (peek()?.v === '||') {
      pos++;
      const empty = v.v === null || v.v === undefined || v.v === false || v.v === '' || (Array.isArray(v.v) && !v.v.length) || (isObj(v.v) && !Object.keys(v.v).length);
      let rhs: V;
      try {
        rhs = chain(cur, true);
      } catch (e) {
        if (!empty) continue;
        throw e;
      }
      if (empty) v = rhs;
    }
    return v;
  };

  function parsePipeFrom(cur: Json, inProj: boolean, inList: boolean): V {
    let v = orExpr(cur, inProj || inList);
    while (peek()?.v === '|') {
      pos++;
      v = orExpr(v.v, false);
    }
    return v;
  }

  const result = parsePipeFrom(data, false, false);
  if (pos < toks.length) unsupported();
  return result.v ?? null;
}

const VAR = /\{\{\s*(.*?)\s*\}\}/g;

/** Substitutes `{{ … }}` in a value; a string that is one variable becomes the variable's value. */
export function substitute(value: Json, data: Json): Json {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*(.*?)\s*\}\}$/.exec(value);
    if (whole && !whole[1]!.includes('{{')) return resolve(whole[1]!, data);
    return value.replace(VAR, (_m, e: string) => {
      const r = resolve(e, data);
      return typeof r === 'string' ? r : JSON.stringify(r);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, data));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, data)]));
  return value;
}

function resolve(expr: string, data: Json): Json {
  const r = jmespath(expr, data);
  if (r === null || r === undefined) throw new VariableError(`failed to resolve ${expr}: JMESPath query failed: Unknown key in path`);
  return r;
}

const str = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));
const matches = (a: Json, b: Json): boolean => {
  if (typeof a === 'string' || typeof b === 'string') return wildcardMatch(str(b), str(a)) || wildcardMatch(str(a), str(b));
  return JSON.stringify(a) === JSON.stringify(b);
};
const list = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);

/** One condition `{key, operator, value}` after substitution. */
export function evalCondition(cond: Record<string, Json>, data: Json): boolean {
  const key = substitute(cond.key, data);
  const value = substitute(cond.value, data);
  const op = String(cond.operator ?? '');
  switch (op) {
    case 'Equals':
    case 'Equal':
      return Array.isArray(key) || Array.isArray(value) ? JSON.stringify(key) === JSON.stringify(value) : matches(key, value);
    case 'NotEquals':
    case 'NotEqual':
      return !(Array.isArray(key) || Array.isArray(value) ? JSON.stringify(key) === JSON.stringify(value) : matches(key, value));
    case 'AnyIn':
      return list(key).some((k) => list(value).some((v) => matches(k, v)));
    case 'AllIn':
      return list(key).every((k) => list(value).some((v) => matches(k, v)));
    case 'AnyNotIn':
      return list(key).some((k) => !list(value).some((v) => matches(k, v)));
    case 'AllNotIn':
      return list(key).every((k) => !list(value).some((v) => matches(k, v)));
    default:
      throw new VariableError(`fake kyverno: condition operator ${JSON.stringify(op)} is not simulated`);
  }
}

/** `{any: [...], all: [...]}` or a plain list (all); true when the conditions hold. */
export function evalConditions(conditions: Json, data: Json): boolean {
  if (conditions === undefined || conditions === null) return true;
  if (Array.isArray(conditions)) return conditions.every((c) => evalCondition(c as Record<string, Json>, data));
  if (!isObj(conditions)) return true;
  const any = Array.isArray(conditions.any) ? (conditions.any as Record<string, Json>[]) : undefined;
  const all = Array.isArray(conditions.all) ? (conditions.all as Record<string, Json>[]) : undefined;
  const anyOk = any ? any.some((c) => evalCondition(c, data)) : true;
  const allOk = all ? all.every((c) => evalCondition(c, data)) : true;
  return anyOk && allOk;
}
