/**
 * Routes of the single-page UI: `/` (catalog), `/s/:sessionId` (a lab session), `/join[/:code]`
 * (a learner joins a workshop), `/instructor` (workshops) and `/instructor/w/:id` (live board).
 */
export type Route =
  | { name: 'catalog' }
  | { name: 'session'; sessionId: string }
  | { name: 'join'; code: string }
  | { name: 'instructor' }
  | { name: 'board'; workshopId: string }
  | { name: 'exam'; attemptId: string }
  | { name: 'not-found' };

const PATTERNS: [RegExp, (id: string) => Route][] = [
  [/^\/s\/([^/]+)\/?$/, (sessionId) => ({ name: 'session', sessionId })],
  [/^\/join(?:\/([^/]*))?\/?$/, (code) => ({ name: 'join', code })],
  [/^\/instructor\/?$/, () => ({ name: 'instructor' })],
  [/^\/instructor\/w\/([^/]+)\/?$/, (workshopId) => ({ name: 'board', workshopId })],
  [/^\/exam\/([^/]+)\/?$/, (attemptId) => ({ name: 'exam', attemptId })],
];

/** Parses a location pathname into a route. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'catalog' };
  for (const [pattern, route] of PATTERNS) {
    const match = pattern.exec(pathname);
    if (match) return route(safeDecode(match[1] ?? ''));
  }
  return { name: 'not-found' };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The path of a session page. */
export function sessionPath(sessionId: string): string {
  return `/s/${encodeURIComponent(sessionId)}`;
}

/** The path of a workshop's live board. */
export function boardPath(workshopId: string): string {
  return `/instructor/w/${encodeURIComponent(workshopId)}`;
}
