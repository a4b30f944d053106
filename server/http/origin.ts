import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import { SESSION_TOKEN_HEADER } from '../wire/types.js';

/**
 * Which origins may change state: the request's own host (what the browser used to reach us)
 * and CKS_PUBLIC_URL's origin (the address behind a proxy that rewrites Host).
 */
export class OriginPolicy {
  private readonly publicOrigin: string | undefined;

  constructor(publicUrl: string | undefined) {
    this.publicOrigin = publicUrl ? safeOrigin(publicUrl) : undefined;
  }

  /** True when `origin` (an Origin header value) is this server's own. */
  allows(origin: string, host: string | undefined): boolean {
    const o = safeOrigin(origin);
    if (!o) return false;
    if (this.publicOrigin && o === this.publicOrigin) return true;
    return host !== undefined && new URL(o).host === host.toLowerCase();
  }

  /**
   * Why a request may not change state, or undefined when it may. A request from another site
   * (Origin, or Sec-Fetch-Site from browsers that send it) is refused outright. Without an
   * Origin (curl, the CLI, old browsers) a body a plain HTML form can send (urlencoded,
   * multipart, text/plain) must come with a token header, which a form cannot set.
   */
  refusal(req: IncomingMessage): string | undefined {
    const origin = header(req, 'origin');
    if (origin !== undefined) return this.allows(origin, header(req, 'host')) ? undefined : 'another site';
    const site = header(req, 'sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') return 'another site';
    if (header(req, SESSION_TOKEN_HEADER) || header(req, 'authorization')) return undefined;
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (FORM_TYPES.has(type)) return 'a form';
    return undefined;
  }
}

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses state-changing requests from other sites with 403 and the usual JSON error. */
export function originGuard(policy: OriginPolicy) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const why = policy.refusal(req);
    if (!why) {
      next();
      return;
    }
    next(
      new AppError(
        'forbidden',
        why === 'a form'
          ? 'CKS Lab accepts changes as JSON (Content-Type: application/json) or with a token header, not as a form post.'
          : 'This request came from another web site. CKS Lab only accepts changes from its own pages: open it at its own address.',
      ),
    );
  };
}

/**
 * socket.io `allowRequest`: a handshake that carries an Origin must be our own (websockets are
 * not covered by CORS, so another site's page could otherwise open one with the learner's cookie).
 */
export function socketOriginCheck(policy: OriginPolicy) {
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = header(req, 'origin');
    if (origin === undefined || policy.allows(origin, header(req, 'host'))) callback(null, true);
    else callback('This connection came from another web site.', false);
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
