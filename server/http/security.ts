import type { NextFunction, Request, Response } from 'express';

/**
 * The page's Content-Security-Policy. Scripts only from our own files (no inline script, no
 * eval); styles from our files plus inline, because xterm.js (DOM renderer) writes its theme
 * and cell sizes into `<style>` elements it creates at run time, which CSP cannot allow by hash
 * or nonce. `connect-src 'self'` covers fetch and the same-origin socket.io websocket.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every response; `Cache-Control: no-store` on the API (it hands out tokens). */
export function securityHeaders() {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.path.startsWith('/api/') || req.path === '/metrics') res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
