/**
 * kubectl-style JSONPath (`{.status.initContainerStatuses[?(@.name=="prepare")].state.terminated.exitCode}`)
 * evaluated with jsonpath-plus. Supported: `.key`, `..key` (recursive), `\.` escaped dots in keys
 * (`.metadata.annotations.container\.apparmor\.security\.beta\.kubernetes\.io/writer`), `['key']`,
 * `[n]`, `[a:b]`, `[*]`, `.*`, `[?(filter)]`. Templates with several `{…}` or `{range}` are not.
 */
import { JSONPath } from 'jsonpath-plus';

/** The expression cannot be understood; `message` says where and why. */
export class JsonPathError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'JsonPathError';
  }
}

/** All values the expression selects in `json`, in document order (empty when nothing matches). */
export function evaluateJsonPath(expression: string, json: unknown): unknown[] {
  const path = toJsonPathPlus(expression);
  try {
    const result: unknown = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' });
    return Array.isArray(result) ? result : [];
  } catch (e) {
    throw new JsonPathError(`invalid JSONPath ${expression}: ${(e as Error).message}`, { cause: e });
  }
}

/** Converts a kubectl JSONPath to jsonpath-plus syntax (`$['status']['phase']`); throws JsonPathError. */
export function toJsonPathPlus(expression: string): string {
  const body = stripTemplate(expression);
  const fail = (why: string, at: number): never => {
    throw new JsonPathError(`invalid JSONPath ${expression}: ${why} at character ${at + 1} of "${body}"`);
  };
  let out = '$';
  let i = body.startsWith('$') ? 1 : 0;
  if (i >= body.length) return out;
  while (i < body.length) {
    const c = body[i];
    if (c === '.') {
      const recursive = body[i + 1] === '.';
      i += recursive ? 2 : 1;
      if (recursive) out += '..';
      if (body[i] === '[') continue;
      const { key, end } = readKey(body, i);
      if (key === '') fail('expected a field name after "."', i);
      out += key === '*' ? (recursive ? '*' : '[*]') : quoteKey(key);
      i = end;
    } else if (c === '[') {
      const end = findClosingBracket(body, i);
      if (end < 0) fail('unclosed "["', i);
      out += convertBracket(body.slice(i + 1, end), (why) => fail(why, i));
      i = end + 1;
    } else {
      fail(`unexpected "${c}" (segments start with "." or "[")`, i);
    }
  }
  return out;
}

function stripTemplate(expression: string): string {
  const t = expression.trim();
  if (t === '') throw new JsonPathError('invalid JSONPath: the expression is empty');
  if (!t.startsWith('{')) return t;
  if (!t.endsWith('}')) throw new JsonPathError(`invalid JSONPath ${expression}: missing closing "}"`);
  const inner = t.slice(1, -1).trim();
  if (inner.includes('{') || inner.includes('}') || /^(range|end)\b/.test(inner)) {
    throw new JsonPathError(`invalid JSONPath ${expression}: only a single {…} expression is supported (no range/templates)`);
  }
  if (inner === '') throw new JsonPathError(`invalid JSONPath ${expression}: the expression is empty`);
  return inner;
}

/** A dotted key up to the next unescaped `.` or `[`; `\.` stands for a literal dot. */
function readKey(body: string, start: number): { key: string; end: number } {
  let key = '';
  let i = start;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      key += body[i + 1];
      i += 2;
      continue;
    }
    if (c === '.' || c === '[') break;
    key += c;
    i++;
  }
  return { key, end: i };
}

function quoteKey(key: string): string {
  if (/['\\]/.test(key)) throw new JsonPathError(`invalid JSONPath: field names with quotes or backslashes are not supported (${key})`);
  return `['${key}']`;
}

/** Index of the `]` that closes the `[` at `open`, skipping quoted strings and nested brackets. */
function findClosingBracket(body: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function convertBracket(inner: string, fail: (why: string) => never): string {
  const t = inner.trim();
  if (t === '*') return '[*]';
  if (/^-?\d+$/.test(t)) return `[${t}]`;
  if (/^-?\d*:-?\d*(:-?\d+)?$/.test(t)) return `[${t}]`;
  if (/^\?\(.*\)$/s.test(t)) return `[${t}]`;
  const quoted = /^(['"])(.*)\1$/s.exec(t);
  if (quoted) return quoteKey(quoted[2]!);
  if (t.includes(',')) return fail('unions ("[a,b]") are not supported');
  return fail(`cannot read "[${inner}]" (use [n], [a:b], [*], [?(@.x=="y")] or ['key'])`);
}
