/** Routes of the single-page UI: `/` (catalog) and `/s/:sessionId` (a lab session). */
export type Route = { name: 'catalog' } | { name: 'session'; sessionId: string } | { name: 'not-found' };

/** Parses a location pathname into a route. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'catalog' };
  const match = /^\/s\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) return { name: 'session', sessionId: decodeURIComponent(match[1]) };
  return { name: 'not-found' };
}

/** The path of a session page. */
export function sessionPath(sessionId: string): string {
  return `/s/${encodeURIComponent(sessionId)}`;
}
