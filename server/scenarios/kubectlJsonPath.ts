/**
 * Syntax check for one kubectl-style JSONPath expression such as
 * `{.status.initContainerStatuses[?(@.name=="prepare")].state.terminated.exitCode}`.
 * Returns what is wrong, or undefined when it parses. `{range}`/`{end}` templates are not supported:
 * a check reads one value.
 */
export function jsonPathProblem(expr: string): string | undefined {
  if (!expr.startsWith('{') || !expr.endsWith('}')) return "must be wrapped in braces, e.g. '{.status.phase}'";
  const inner = expr.slice(1, -1).trim();
  if (inner === '') return 'is empty';
  if (/^(range|end)\b/.test(inner)) return 'range/end templates are not supported: give one expression per path';
  if (!/^[.[$@]/.test(inner)) return `must start with '.', e.g. '{.${inner}}'`;
  const closers: Record<string, string> = { '[': ']', '(': ')', '{': '}' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charAt(i);
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c in closers) stack.push(closers[c] ?? '');
    else if (c === ']' || c === ')' || c === '}') {
      const want = stack.pop();
      if (want !== c) return `has an unexpected '${c}' at character ${i + 2}${want ? ` (expected '${want}')` : ''}`;
    }
  }
  if (quote !== undefined) return `has an unterminated ${quote} quote`;
  if (stack.length > 0) return `is missing '${stack.reverse().join('')}'`;
  if (/\.\.\.|\[\]/.test(inner)) return 'has an empty segment';
  const filter = /\[\?\(([^)]*)\)\]/g;
  for (const m of inner.matchAll(filter)) {
    if (!(m[1] ?? '').includes('@')) return `filter '${m[0]}' must refer to the element with '@', e.g. [?(@.name=="x")]`;
  }
  if (/\[\?[^(]/.test(inner)) return "filters are written [?(@.field==\"value\")]";
  return undefined;
}
