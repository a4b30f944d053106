/**
 * Kyverno's wildcard matching (ext/wildcard, i.e. github.com/IGLOU-EU/go-wildcard v1.0.3, the
 * version Kyverno v1.18.2 pins): `*` matches any run of characters (also none), `?` exactly one
 * character; every other character matches itself. An empty pattern matches only the empty string.
 */
export function wildcardMatch(pattern: string, s: string): boolean {
  if (pattern === '') return s === '';
  if (pattern === '*' || pattern === s) return true;
  const p = [...pattern];
  const str = [...s];
  // Iterative glob with backtracking to the last '*' (same language as go-wildcard's recursion).
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < str.length) {
    if (j < p.length && (p[j] === '?' || (p[j] !== '*' && p[j] === str[i]))) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

/** Does the string hold a wildcard character? */
export const containsWildcard = (s: string): boolean => s.includes('*') || s.includes('?');
