import type {
  CatalogDto,
  CreateSessionDto,
  ErrorDto,
  GradeJson,
  ScenarioDetailDto,
  SessionDto,
  SessionListDto,
} from '../server/wire/types.js';
import type { CurriculumDto, ProgressDto } from '../server/wire/catalog.js';
import type { ExamAttemptDto, ExamListDto, StartExamDto } from '../server/wire/exam.js';
import { SESSION_TOKEN_HEADER } from '../server/wire/types.js';
import type { JoinDto, JoinInfoDto, SeatDto } from '../server/wire/workshop.js';

/** An HTTP call failed; `message` is fit to show the learner (the server's ErrorDto message). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
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

/** Keeps a session token for later visits (best effort: private mode may have no storage). */
export function storeSessionToken(sessionId: string, token: string): void {
  try {
    localStorage.setItem(tokenKey(sessionId), token);
  } catch {
    // Without storage the session still works until this tab is closed.
  }
}

/** Typed client of the HTTP API (server/wire/types.ts, server/wire/workshop.ts). Errors are ApiError. */
export interface Api {
  catalog(): Promise<CatalogDto>;
  /** The learner's progress from their stored grades (by cookie). */
  progress(): Promise<ProgressDto>;
  /** Every curriculum competency with the scenarios that practise it. */
  curriculum(): Promise<CurriculumDto>;
  scenario(id: string): Promise<ScenarioDetailDto>;
  /** The scenario as a session runs it (rendered with its parameter values). */
  sessionScenario(id: string): Promise<ScenarioDetailDto>;
  /** Starts a lab; `randomize` draws the scenario's parameters from their choices (catalog `randomizable`). */
  createSession(scenarioId: string, opts?: { randomize?: boolean }): Promise<CreateSessionDto>;
  sessions(): Promise<SessionListDto>;
  session(id: string): Promise<SessionDto>;
  grade(id: string): Promise<GradeJson>;
  stop(id: string): Promise<void>;
  retry(id: string): Promise<SessionDto>;
  solution(id: string): Promise<{ markdown: string }>;
  /** Live auto-check on or off for a practice lab. */
  setAutoCheck(id: string, enabled: boolean): Promise<SessionDto>;
  /** Public facts of a workshop before joining (404/410 for a wrong or expired code). */
  joinInfo(code: string): Promise<JoinInfoDto>;
  join(joinCode: string, displayName: string): Promise<JoinDto>;
  /** The learner's own seat (by cookie). */
  seat(workshopId: string): Promise<SeatDto>;
  /** Moves the learner on to the workshop's next scenario (a new session). */
  nextScenario(workshopId: string): Promise<SeatDto>;
  /** Mock exams (⚑ exam mode). */
  exams(): Promise<ExamListDto>;
  startExam(examId: string): Promise<StartExamDto>;
  examAttempt(id: string): Promise<ExamAttemptDto>;
  flagQuestion(id: string, question: number, flagged: boolean): Promise<{ flags: number[] }>;
  /** The candidate opened a question (time spent per question). */
  viewQuestion(id: string, question: number): Promise<void>;
  finishExam(id: string): Promise<ExamAttemptDto>;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** One JSON call: 204 → undefined, non-2xx → ApiError with the server's message. */
export type Requester = <T>(method: string, path: string, opts?: RequestOptions) => Promise<T>;

/** Builds the JSON requester the API clients share; `fetchImpl` is swappable for tests. */
export function createRequester(fetchImpl: typeof fetch = (...args) => fetch(...args)): Requester {
  return async function call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
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
  };
}

/** Builds the API client; `fetchImpl` is swappable for tests. */
export function createApi(fetchImpl: typeof fetch = (...args) => fetch(...args)): Api {
  const call = createRequester(fetchImpl);
  const bySession = (id: string): RequestOptions => ({ headers: { [SESSION_TOKEN_HEADER]: sessionToken(id) } });
  const enc = encodeURIComponent;
  return {
    catalog: () => call('GET', '/api/scenarios'),
    progress: () => call('GET', '/api/progress'),
    curriculum: () => call('GET', '/api/curriculum'),
    scenario: (id) => call('GET', `/api/scenarios/${enc(id)}`),
    createSession: (scenarioId, opts = {}) => call('POST', '/api/sessions', { body: opts.randomize ? { scenarioId, randomize: true } : { scenarioId } }),
    sessions: () => call('GET', '/api/sessions'),
    session: (id) => call('GET', `/api/sessions/${enc(id)}`, bySession(id)),
    sessionScenario: (id) => call('GET', `/api/sessions/${enc(id)}/scenario`, bySession(id)),
    grade: (id) => call('POST', `/api/sessions/${enc(id)}/grade`, bySession(id)),
    stop: (id) => call('DELETE', `/api/sessions/${enc(id)}`, bySession(id)),
    retry: (id) => call('POST', `/api/sessions/${enc(id)}/retry`, bySession(id)),
    solution: (id) => call('GET', `/api/sessions/${enc(id)}/solution`, bySession(id)),
    setAutoCheck: (id, enabled) => call('POST', `/api/sessions/${enc(id)}/autocheck`, { ...bySession(id), body: { enabled } }),
    joinInfo: (code) => call('GET', `/api/join/${enc(code)}`),
    join: (joinCode, displayName) => call('POST', '/api/join', { body: { joinCode, displayName } }),
    seat: (workshopId) => call('GET', `/api/workshops/${enc(workshopId)}/me`),
    nextScenario: (workshopId) => call('POST', `/api/workshops/${enc(workshopId)}/me/next`),
    exams: () => call('GET', '/api/exams'),
    startExam: (exam) => call('POST', '/api/exams', { body: { exam } }),
    examAttempt: (id) => call('GET', `/api/exams/attempts/${enc(id)}`),
    flagQuestion: (id, question, flagged) => call('POST', `/api/exams/attempts/${enc(id)}/flag`, { body: { question, flagged } }),
    viewQuestion: (id, question) => call('POST', `/api/exams/attempts/${enc(id)}/view`, { body: { question } }),
    finishExam: (id) => call('POST', `/api/exams/attempts/${enc(id)}/finish`),
  };
}

function toApiError(status: number, payload: unknown): ApiError {
  const error = (payload as Partial<ErrorDto> | undefined)?.error;
  if (error && typeof error.message === 'string') return new ApiError(error.message, status, error.code ?? 'ERROR', error.field);
  return new ApiError(`The server could not answer (HTTP ${status}). Try again in a moment.`, status, 'HTTP');
}

/** A learner-fit message for anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong in the page. Reload it to try again.';
}
