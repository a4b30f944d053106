/** Turns client-node failures into null (404) or a ProbeError with a plain reason. */
import { ApiException } from '@kubernetes/client-node';
import { ProbeError } from '../grading/types.js';

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
};

/** `connection refused`, `TLS verification failed (…)`, … for a transport error; its first line otherwise. */
export function networkReason(e: unknown): string {
  const code = errorCode(e);
  if (code !== undefined) return NETWORK_REASONS[code] ?? (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/i.test(code) ? `TLS verification failed (${code})` : code);
  return e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
}

/** True when the error is the API's "no such object" (or "no such API group/version"). */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

/** A ProbeError saying, in plain words, why the API at `server` could not answer. */
export function toProbeError(e: unknown, server: string): ProbeError {
  if (e instanceof ProbeError) return e;
  if (e instanceof ApiException) return new ProbeError(httpReason(e, server), { cause: e });
  if (errorCode(e) !== undefined) return new ProbeError(`cannot reach the cluster API at ${server}: ${networkReason(e)}`, { cause: e });
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new ProbeError(`cluster API request failed (${server}): ${message}`, { cause: e });
}

function httpReason(e: ApiException<unknown>, server: string): string {
  const detail = statusMessage(e.body);
  const suffix = detail ? `: ${detail}` : '';
  if (e.code === 401) return `the cluster API at ${server} rejected our credentials (401 Unauthorized)`;
  if (e.code === 403) return `the cluster API at ${server} refused access (403 Forbidden)${suffix}`;
  return `the cluster API at ${server} answered HTTP ${e.code}${suffix}`;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string' && body.trimStart().startsWith('{')) {
    try {
      return statusMessage(JSON.parse(body) as unknown);
    } catch {
      // not JSON after all: fall through and show the text
    }
  }
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : undefined;
}

/** `code` of the error or of one of its causes (node-fetch FetchError, ws errors, system errors). */
function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True for the failures a restarting kube-apiserver produces (the learner just edited its static
 * pod manifest): refused or reset connections, 502/503/504 and 429, and the etcd hiccups of a
 * fresh start (a 500 saying `etcdserver: request timed out` or `leader changed`). Worth waiting
 * for, not a fail.
 */
export function isRestarting(e: unknown): boolean {
  if (e instanceof ApiException) {
    if (e.code === 503 || e.code === 504 || e.code === 429 || e.code === 502) return true;
    return e.code === 500 && /etcdserver: (request timed out|leader changed|no leader|too many requests)/.test(statusMessage(e.body) ?? '');
  }
  const code = errorCode(e);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

/**
 * An admission denial (or a validation failure) as a dry-run create answers it: 400, 403, 409, 422
 * with the API's Status message; undefined for anything else (not found, auth, transport, 5xx).
 */
export function denialOf(e: unknown): { code: number; reason?: string; message: string } | undefined {
  if (!(e instanceof ApiException) || ![400, 403, 409, 422].includes(e.code)) return undefined;
  const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
  const reason = typeof body === 'object' && body !== null && typeof (body as { reason?: unknown }).reason === 'string' ? (body as { reason: string }).reason : undefined;
  return { code: e.code, ...(reason ? { reason } : {}), message: statusMessage(e.body) ?? `HTTP ${e.code}` };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
