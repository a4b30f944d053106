/** Why a scenario's HTTP probe URL (`nodeHttp` checks) is refused, or undefined when curl may get it. */
export function httpUrlProblem(url: string): string | undefined {
  if (url.length > 2048) return 'is longer than 2048 characters';
  if (/[\s"'`\\]/.test(url)) return 'contains spaces, quotes or backslashes';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be http:// or https://';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (parsed.hostname === '') return 'has no host';
  return undefined;
}
