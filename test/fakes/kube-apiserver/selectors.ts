/**
 * Label and field selectors as list and watch requests send them
 * (`app=web,tier!=db,env in (a,b),!legacy`, `metadata.name=web`).
 */
import type { KubeObject } from './store.js';
import { badRequest } from './status.js';

type Test = (get: (key: string) => string | undefined) => boolean;

function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function parse(selector: string): Test[] {
  return splitTerms(selector).map((term): Test => {
    let m = /^(\S+?)\s*(!=|==|=)\s*(\S*)$/.exec(term);
    if (m) {
      const [, k, op, v] = m;
      return (get) => (op === '!=' ? get(k!) !== v : get(k!) === v);
    }
    m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (m) {
      const [, k, op, list] = m;
      const values = list!.split(',').map((x) => x.trim());
      return (get) => {
        const v = get(k!);
        return op === 'in' ? v !== undefined && values.includes(v) : v === undefined || !values.includes(v);
      };
    }
    m = /^(!?)([A-Za-z0-9._/-]+)$/.exec(term);
    if (m) {
      const [, not, k] = m;
      return (get) => (get(k!) !== undefined) === (not !== '!');
    }
    throw badRequest(`unable to parse requirement: ${term}`);
  });
}

/** A predicate over objects for the `labelSelector` and `fieldSelector` query parameters. */
export function selectorFilter(labelSelector?: string | null, fieldSelector?: string | null): (o: KubeObject) => boolean {
  const labels = labelSelector ? parse(labelSelector) : [];
  const fields = fieldSelector ? parse(fieldSelector) : [];
  return (o) => {
    const lbl = (o.metadata.labels ?? {}) as Record<string, string>;
    if (!labels.every((t) => t((k) => lbl[k]))) return false;
    const field = (path: string): string | undefined => {
      let cur: any = o;
      for (const p of path.split('.')) cur = cur?.[p];
      return cur === undefined || cur === null ? (path === 'metadata.namespace' ? '' : undefined) : String(cur);
    };
    return fields.every((t) => t(field));
  };
}
