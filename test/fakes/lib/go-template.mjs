// A small subset of Go text/template, enough for `docker … --format`:
// literal text, {{.A.B}}, {{.Label "k"}}, {{index .X "k"}}, {{json .X}}, {{upper|lower|title …}}, {{.}}, \t \n escapes.

function resolvePath(ctx, expr) {
  if (expr === '.') return ctx;
  let v = ctx;
  for (const part of expr.split('.').slice(1)) {
    if (v === null || v === undefined) return undefined;
    v = v[part];
  }
  return v;
}

function tokenize(s) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? { str: JSON.parse(`"${m[1]}"`) } : { word: m[2] });
  return out;
}

function value(ctx, tok) {
  return tok.str !== undefined ? tok.str : resolvePath(ctx, tok.word);
}

/** Go's fmt %v for the few shapes docker prints. */
export function goString(v) {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k])}`).join(' ')}]`;
  return String(v);
}

function evalAction(ctx, action) {
  const toks = tokenize(action.trim());
  if (toks.length === 0) return '';
  const [head, ...rest] = toks;
  if (head.word === 'json') return JSON.stringify(value(ctx, rest[0] ?? { word: '.' }) ?? null);
  if (head.word === 'index') {
    const base = value(ctx, rest[0]);
    const v = base?.[value(ctx, rest[1])];
    return v === undefined ? '' : goString(v);
  }
  if (['upper', 'lower', 'title'].includes(head.word)) {
    const s = goString(value(ctx, rest[0]));
    return head.word === 'upper' ? s.toUpperCase() : head.word === 'lower' ? s.toLowerCase() : s.replace(/\b\w/g, (c) => c.toUpperCase());
  }
  if (head.word === 'println') return `${rest.map((t) => goString(value(ctx, t))).join(' ')}\n`;
  if (head.word?.startsWith('.')) {
    const fn = resolvePath(ctx, head.word);
    if (typeof fn === 'function') return goString(fn.call(ctx, ...rest.map((t) => value(ctx, t))));
    return goString(fn);
  }
  throw new Error(`template: :1: function "${head.word}" not defined`);
}

/** Render `template` against `ctx` (docker also expands \\t and \\n written literally). */
export function renderTemplate(template, ctx) {
  const t = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return t.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action) => evalAction(ctx, action));
}
