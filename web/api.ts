import type {
  CatalogDto,
  CreateSessionDto,
  ErrorDto,
  GradeJson,
  ScenarioDetailDto,
  SessionDto,
  SessionListDto,
} from '../server/wire/types.js';
import { SESSION_TOKEN_HEADER } from '../server/wire/types.js';

/** An HTTP call failed; `message` is fit to show the learner (the server's ErrorDto message). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Where the per-session token lives (the server shows it once, on creation). */
export function tokenKey(sessionId: string): string {
  return `cks-token:${sessionId}`;
}

/** The stored token of a session, or '' when this browser never got one. */
export function sessionToken(sessionId: string): string {
  try {
    return localStorage.getItem(tokenKey(sessionId)) ?? '';
  } catch {
    return '';
  }
}

/** Typed client of the HTTP API (server/wire/types.ts). Errors are ApiError. */
export interface Api {
  catalog(): Promise<CatalogDto>;
  scenario(id: string): Promise<ScenarioDetailDto>;
  createSession(scenarioId: string): Promise<CreateSessionDto>;
  sessions(): Promise<SessionListDto>;
  session(id: string): Promise<SessionDto>;
  grade(id: string): Promise<GradeJson>;
  stop(id: string): Promise<void>;
  retry(id: string): Promise<SessionDto>;
  solution(id: string): Promise<{ markdown: string }>;
}

/** Builds the API client; `fetchImpl` is swappable for tests. */
export function createApi(fetchImpl: typeof fetch = (...args) => fetch(...args)): Api {
  async function call<T>(method: string, path: string, opts: { body?: unknown; sessionId?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.sessionId) headers[SESSION_TOKEN_HEADER] = sessionToken(opts.sessionId);
    let res: Response;
    try {
      res = await fetchImpl(path, {
        method,
        headers,
        credentials: 'same-origin',
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError('Cannot reach the CKS Lab server. Check that it is running, then try again.', 0, 'NETWORK');
    }
    if (res.status === 204) return undefined as T;
    const payload: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw toApiError(res.status, payload);
    return payload as T;
  }

  const enc = encodeURIComponent;
  return {
    catalog: () => call('GET', '/api/scenarios'),
    scenario: (id) => call('GET', `/api/scenarios/${enc(id)}`),
    createSession: (scenarioId) => call('POST', '/api/sessions', { body: { scenarioId } }),
    sessions: () => call('GET', '/api/sessions'),
    session: (id) => call('GET', `/api/sessions/${enc(id)}`, { sessionId: id }),
    grade: (id) => call('POST', `/api/sessions/${enc(id)}/grade`, { sessionId: id }),
    stop: (id) => call('DELETE', `/api/sessions/${enc(id)}`, { sessionId: id }),
    retry: (id) => call('POST', `/api/sessions/${enc(id)}/retry`, { sessionId: id }),
    solution: (id) => call('GET', `/api/sessions/${enc(id)}/solution`, { sessionId: id }),
  };
}

function toApiError(status: number, payload: unknown): ApiError {
  const error = (payload as Partial<ErrorDto> | undefined)?.error;
  if (error && typeof error.message === 'string') return new ApiError(error.message, status, error.code ?? 'ERROR');
  return new ApiError(`The server could not answer (HTTP ${status}). Try again in a moment.`, status, 'HTTP');
}

/** A learner-fit message for anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong in the page. Reload it to try again.';
}
