/**
 * The instructor's HTTP client: every call carries `Authorization: Bearer <token>`; the token is
 * kept in sessionStorage (this tab only) once GET /api/instructor/check accepted it.
 */
import { ApiError, createRequester, type Requester } from '../api.js';
import { INSTRUCTOR_TOKEN_KEY, type BoardDto, type CreateWorkshopBody, type CreateWorkshopDto, type WorkshopSummaryDto } from '../../server/wire/workshop.js';

export interface InstructorApi {
  check(): Promise<void>;
  workshops(): Promise<{ workshops: WorkshopSummaryDto[] }>;
  create(body: CreateWorkshopBody): Promise<CreateWorkshopDto>;
  board(id: string): Promise<BoardDto>;
  broadcast(id: string, message: string): Promise<void>;
  resetSeat(id: string, seatId: string): Promise<void>;
  extendSeat(id: string, seatId: string, minutes: number): Promise<void>;
  end(id: string): Promise<void>;
  /** Downloads the CSV or JSON export (a Blob: the Bearer header rules out a plain link). */
  exportFile(id: string, format: 'csv' | 'json'): Promise<Blob>;
}

/** The stored instructor token, or '' when this tab has none. */
export function storedInstructorToken(): string {
  try {
    return sessionStorage.getItem(INSTRUCTOR_TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function storeInstructorToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(INSTRUCTOR_TOKEN_KEY);
    else sessionStorage.setItem(INSTRUCTOR_TOKEN_KEY, token);
  } catch {
    // No storage: the token lives as long as the page.
  }
}

/** Builds the client for `token`; `fetchImpl` is swappable for tests. */
export function createInstructorApi(token: string, fetchImpl: typeof fetch = (...args) => fetch(...args)): InstructorApi {
  const request: Requester = createRequester(fetchImpl);
  const auth = { authorization: `Bearer ${token}` };
  const call = <T>(method: string, path: string, body?: unknown): Promise<T> => request<T>(method, path, body === undefined ? { headers: auth } : { headers: auth, body });
  const ws = (id: string): string => `/api/workshops/${encodeURIComponent(id)}`;
  return {
    check: () => call('GET', '/api/instructor/check'),
    workshops: () => call('GET', '/api/workshops'),
    create: (body) => call('POST', '/api/workshops', body),
    board: (id) => call('GET', `${ws(id)}/board`),
    broadcast: (id, message) => call('POST', `${ws(id)}/broadcast`, { message }),
    resetSeat: (id, seatId) => call('POST', `${ws(id)}/seats/${encodeURIComponent(seatId)}/reset`),
    extendSeat: (id, seatId, minutes) => call('POST', `${ws(id)}/seats/${encodeURIComponent(seatId)}/extend`, { minutes }),
    end: (id) => call('POST', `${ws(id)}/end`),
    async exportFile(id, format) {
      let res: Response;
      try {
        res = await fetchImpl(`${ws(id)}/export.${format}`, { headers: auth, credentials: 'same-origin' });
      } catch {
        throw new ApiError('Cannot reach the CKS Lab server. Check that it is running, then try again.', 0, 'NETWORK');
      }
      if (!res.ok) {
        const payload = (await res.json().catch(() => undefined)) as { error?: { message?: string; code?: string } } | undefined;
        throw new ApiError(payload?.error?.message ?? `The export failed (HTTP ${res.status}).`, res.status, payload?.error?.code ?? 'HTTP');
      }
      return res.blob();
    },
  };
}

/** Is this error the server refusing the instructor token? */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}
