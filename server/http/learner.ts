import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LEARNER_COOKIE } from '../wire/types.js';

const LEARNER_ID = /^[A-Za-z0-9_-]{32,64}$/;

/** The learner id from the request's cookie, if it has a well-formed one (anything else: undefined, never a throw). */
export function learnerFromCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === LEARNER_COOKIE) {
      // Ids are base64url: nothing to decode. A malformed or foreign value counts as no cookie, so
      // the next start issues a fresh one instead of breaking this browser for good.
      const value = part.slice(eq + 1).trim();
      if (LEARNER_ID.test(value)) return value;
    }
  }
  return undefined;
}

/** The caller's learner id, issuing a new cookie (httpOnly, SameSite=Strict) when it has none. */
export function ensureLearner(req: IncomingMessage, res: ServerResponse, secure: boolean): string {
  const existing = learnerFromCookie(req.headers.cookie);
  if (existing) return existing;
  const id = randomBytes(32).toString('base64url');
  const attrs = [`${LEARNER_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=31536000'];
  if (secure) attrs.push('Secure');
  res.appendHeader('Set-Cookie', attrs.join('; '));
  return id;
}
