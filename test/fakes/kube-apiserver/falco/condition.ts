/**
 * Falco's condition language, the subset the fake Falco evaluates: `and`/`or`/`not`, parentheses,
 * macros by name, lists inside `in (...)`/`intersects`/`pmatch`, and the comparison operators
 * = == != < <= > >= contains icontains startswith endswith glob in intersects pmatch exists, on the
 * fields of FIELDS (the ones the fake's process/file sampling can fill). Values are quoted strings
 * or bare words as libsinsp's parser reads them (a bare word stops at blanks, parentheses, commas,
 * quotes and '='). An unknown field, an undefined macro or a syntax error is a compile error in
 * Falco's wording; nothing unknown is ever evaluated as true.
 */

/** A value an event has for a field; undefined renders as <NA> and matches nothing. */
export type FieldValue = string | number | boolean | undefined;

/** An event: a field name (with its `[arg]`, if any) → its value. */
export type Event = (field: string) => FieldValue;

export type Condition = (e: Event) => boolean;
export type Lists = Map<string, string[]>;
export type Macros = Map<string, string>;

/** The fields the fake fills; `num` fields compare numerically, `bool` ones against true/false. */
export const FIELDS: Record<string, 'str' | 'num' | 'bool'> = {
  'evt.type': 'str',
  'evt.dir': 'str',
  'evt.time': 'str',
  'evt.time.s': 'str',
  'evt.time.iso8601': 'str',
  'evt.datetime': 'str',
  'evt.rawtime': 'num',
  'evt.num': 'num',
  'evt.is_open_read': 'bool',
  'evt.is_open_write': 'bool',
  'evt.is_open_exec': 'bool',
  'evt.res': 'str',
  'evt.rawres': 'num',
  'proc.name': 'str',
  'proc.exe': 'str',
  'proc.exepath': 'str',
  'proc.cmdline': 'str',
  'proc.args': 'str',
  'proc.pid': 'num',
  'proc.vpid': 'num',
  'proc.ppid': 'num',
  'proc.pname': 'str',
  'proc.pcmdline': 'str',
  'proc.pexe': 'str',
  'proc.aname': 'str',
  'proc.apid': 'num',
  'proc.cwd': 'str',
  'proc.tty': 'num',
  'thread.tid': 'num',
  'fd.num': 'num',
  'fd.name': 'str',
  'fd.directory': 'str',
  'fd.filename': 'str',
  'fd.typechar': 'str',
  'fd.type': 'str',
  'user.name': 'str',
  'user.uid': 'num',
  'user.loginuid': 'num',
  'group.name': 'str',
  'group.gid': 'num',
  'container.id': 'str',
  'container.name': 'str',
  'container.image': 'str',
  'container.image.repository': 'str',
  'container.image.tag': 'str',
  'k8s.ns.name': 'str',
  'k8s.pod.name': 'str',
};

/** Fields that take an `[n]` argument. */
const INDEXED = new Set(['proc.aname', 'proc.apid']);

const BINARY = ['==', '=', '!=', '<=', '<', '>=', '>', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'in', 'intersects', 'pmatch'];
const LIST_OPS = new Set(['in', 'intersects', 'pmatch']);

type Tok = { t: 'word' | 'str' | 'op' | '(' | ')' | ','; v: string; at: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c, at: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          j++;
        }
        v += src[j];
        j++;
      }
      if (j >= src.length) throw new Error(`unexpected token after '${src.slice(Math.max(0, i - 20), i)}', expecting a closing quote`);
      out.push({ t: 'str', v, at: i });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      out.push({ t: 'op', v: two, at: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    let j = i;
    let depth = 0;
    while (j < src.length) {
      const d = src[j]!;
      if (d === '[') depth++;
      else if (d === ']') depth = Math.max(0, depth - 1);
      else if (depth === 0 && (/\s/.test(d) || '(),="\''.includes(d))) break;
      else if (depth === 0 && d === '!' && src[j + 1] === '=') break;
      else if (depth === 0 && (d === '<' || d === '>') && /^[a-z]/i.test(src[i]!)) break;
      j++;
    }
    if (j === i) {
      // a lone '!' not followed by '=' is no token of Falco's grammar
      throw new Error(`unexpected token after '${src.slice(Math.max(0, i - 20), i)}'`);
    }
    out.push({ t: 'word', v: src.slice(i, j), at: i });
    i = j;
  }
  return out;
}

/** Compiles `source` with `macros` (name → condition text) and `lists`; throws Falco's compile errors. */
export function compileCondition(source: string, macros: Macros, lists: Lists): Condition {
  return compile(source, macros, lists, []);
}

function compile(source: string, macros: Macros, lists: Lists, stack: string[]): Condition {
  const toks = tokenize(source);
  let p = 0;
  const peek = () => toks[p];
  const after = () => {
    const t = toks[p - 1];
    return t ? source.slice(0, t.at + t.v.length).slice(-40).trim() : '';
  };
  const fail = (expect: string): never => {
    throw new Error(p === 0 ? `unexpected token, expecting ${expect}` : `unexpected token after '${after()}', expecting ${expect}`);
  };
  const isKw = (t: Tok | undefined, kw: string) => t?.t === 'word' && t.v === kw;

  function orExpr(): Condition {
    const parts = [andExpr()];
    while (isKw(peek(), 'or')) {
      p++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0]! : (e) => parts.some((c) => c(e));
  }
  function andExpr(): Condition {
    const parts = [notExpr()];
    while (isKw(peek(), 'and')) {
      p++;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0]! : (e) => parts.every((c) => c(e));
  }
  function notExpr(): Condition {
    if (isKw(peek(), 'not')) {
      p++;
      const inner = notExpr();
      return (e) => !inner(e);
    }
    return primary();
  }
  function primary(): Condition {
    const t = peek();
    if (!t) return fail("'(', 'not' or a field or macro name");
    if (t.t === '(') {
      p++;
      const inner = orExpr();
      if (peek()?.t !== ')') fail("')', 'or', 'and'");
      p++;
      return inner;
    }
    if (t.t !== 'word' || ['and', 'or', 'not'].includes(t.v)) return fail("'(', 'not' or a field or macro name");
    p++;
    const next = peek();
    const opWord = next && (next.t === 'op' || (next.t === 'word' && (BINARY.includes(next.v) || next.v === 'exists')));
    if (!opWord) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(t.v)) {
        if (fieldKind(t.v)) return fail('a comparison operator');
        throw new Error(`filter_check called with nonexistent field ${t.v}`);
      }
      const text = macros.get(t.v);
      if (text === undefined) throw new Error(`Undefined macro '${t.v}' used in filter.`);
      if (stack.includes(t.v)) throw new Error(`Reference loop in macro '${t.v}'`);
      return compile(text, macros, lists, [...stack, t.v]);
    }
    const kind = fieldKind(t.v);
    if (!kind) throw new Error(`filter_check called with nonexistent field ${t.v}`);
    if (INDEXED.has(t.v)) throw new Error(`fake falco: ${t.v} without an index (any ancestor) is not simulated; use ${t.v}[1], ${t.v}[2], ...`);
    const field = t.v;
    const op = next.v;
    p++;
    if (op === 'exists') return (e) => e(field) !== undefined;
    if (LIST_OPS.has(op)) {
      if (peek()?.t !== '(') {
        // `in list_name` without parentheses is not Falco syntax
        fail("'('");
      }
      p++;
      const values: string[] = [];
      while (peek() && peek()!.t !== ')') {
        const v = peek()!;
        if (v.t !== 'word' && v.t !== 'str') fail("a value or ')'");
        p++;
        if (v.t === 'word' && lists.has(v.v)) values.push(...expandList(v.v, lists, []));
        else values.push(v.v);
        if (peek()?.t === ',') p++;
        else if (peek()?.t !== ')') fail("',' or ')'");
      }
      if (peek()?.t !== ')') fail("')'");
      p++;
      return listOp(field, kind, op, values);
    }
    const v = peek();
    if (!v || (v.t !== 'word' && v.t !== 'str' && !(v.t === 'op' && v.v !== '=' && v.v !== '=='))) return fail('a value');
    p++;
    return compare(field, kind, op, v.v);
  }

  const cond = orExpr();
  if (p < toks.length) fail("'or', 'and'");
  return cond;
}

function expandList(name: string, lists: Lists, stack: string[]): string[] {
  if (stack.includes(name)) return [name];
  // an item written '"75-system-updat"' in YAML is a quoted string of the condition language
  return lists.get(name)!.flatMap((v) => (lists.has(v) ? expandList(v, lists, [...stack, name]) : [/^"(.*)"$/s.exec(v)?.[1] ?? v]));
}

/** A known field's kind (with its `[n]` argument stripped), or undefined. */
export function fieldKind(name: string): 'str' | 'num' | 'bool' | undefined {
  const m = /^([a-z0-9_.]+)(\[[^\]]*\])?$/i.exec(name);
  if (!m) return undefined;
  if (m[2] && !INDEXED.has(m[1]!)) return undefined;
  return FIELDS[m[1]!];
}

function norm(kind: 'str' | 'num' | 'bool', v: FieldValue): string | number | boolean | undefined {
  if (v === undefined) return undefined;
  if (kind === 'num') return typeof v === 'number' ? v : Number(v);
  if (kind === 'bool') return v === true || v === 'true';
  return String(v);
}

function globToRegExp(g: string, flags = ''): RegExp {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = g.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${g.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, `s${flags}`);
}

function compare(field: string, kind: 'str' | 'num' | 'bool', op: string, raw: string): Condition {
  if (kind === 'num' && ['=', '==', '!=', '<', '<=', '>', '>='].includes(op) && !/^-?\d+$/.test(raw)) {
    throw new Error(`could not parse '${raw}' as a number for field ${field}`);
  }
  if (kind === 'bool' && !['true', 'false'].includes(raw)) throw new Error(`could not parse '${raw}' as a boolean for field ${field}`);
  const want = kind === 'num' ? Number(raw) : kind === 'bool' ? raw === 'true' : raw;
  const glob = op === 'glob' || op === 'iglob' ? globToRegExp(raw, op === 'iglob' ? 'i' : '') : undefined;
  return (e) => {
    const got = norm(kind, e(field));
    if (got === undefined) return false;
    switch (op) {
      case '=':
      case '==':
        return got === want;
      case '!=':
        return got !== want;
      case '<':
        return got < want;
      case '<=':
        return got <= want;
      case '>':
        return got > want;
      case '>=':
        return got >= want;
      case 'contains':
      case 'bcontains':
        return String(got).includes(raw);
      case 'icontains':
        return String(got).toLowerCase().includes(raw.toLowerCase());
      case 'startswith':
      case 'bstartswith':
        return String(got).startsWith(raw);
      case 'endswith':
        return String(got).endsWith(raw);
      default:
        return glob!.test(String(got));
    }
  };
}

function listOp(field: string, kind: 'str' | 'num' | 'bool', op: string, values: string[]): Condition {
  const set = new Set(values.map((v) => (kind === 'num' ? String(Number(v)) : v)));
  return (e) => {
    const got = norm(kind, e(field));
    if (got === undefined) return false;
    if (op === 'pmatch') return values.some((prefix) => String(got) === prefix || String(got).startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
    return set.has(String(got));
  };
}
