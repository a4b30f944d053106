/**
 * The wire contract between server and web, typed once (imported by both).
 * HTTP: JSON bodies; errors are `ErrorDto` with a learner-fit message and, for bad input, the field.
 * Session-scoped calls need the learner cookie (`cks_learner`, set by the server) AND the
 * per-session token (header `x-session-token`, socket.io `auth.token`).
 */
import type { ProvisionProgress } from '../clusters/types.js';
import type { GradeJson } from '../grading/types.js';
import type { ScenarioSummary } from '../scenarios/types.js';

export type { ProvisionProgress, GradeJson, ScenarioSummary };

export interface ErrorDto {
  error: { code: string; message: string; field?: string };
}

/** One card of the catalog (GET /api/scenarios). */
export interface CatalogScenarioDto extends ScenarioSummary {
  /**
   * Some parameter has choices to draw from: a start may ask `POST /api/sessions` for
   * `randomize: true`, so names and values differ from the defaults.
   */
  randomizable: boolean;
  /** The curriculum competencies it practises (server/scenarios/competencies.ts): the topics a search finds it by. */
  competencies: string[];
  /** What its lab needs, in a learner's words ("2 nodes", "an AppArmor host"). */
  labNeeds: string[];
}

/** GET /api/scenarios */
export interface CatalogDto {
  scenarios: CatalogScenarioDto[];
}

/** GET /api/scenarios/:id */
export interface ScenarioDetailDto extends ScenarioSummary {
  /** Markdown; the page renders it sanitized. */
  instructions: string;
  tasks: { id: string; title: string; weight: number }[];
  /** The parameter values the text is rendered with (scenarios that declare parameters). */
  params?: Record<string, string>;
}

export type SessionStateDto = 'provisioning' | 'ready' | 'failed' | 'ended';

export interface SessionDto {
  id: string;
  scenarioId: string;
  state: SessionStateDto;
  /** Learner-fit reason when failed. */
  error: string | null;
  /** Provisioning steps seen so far (latest last). */
  progress: ProvisionProgress[];
  createdAt: string;
  /** Latest grade, if any (survives reloads and restarts). */
  lastGrade: GradeJson | null;
  attempts: number;
  /** Is the reference solution available (after the learner's first Check)? */
  solutionAvailable: boolean;
  /** Live auto-check is on: results arrive as `graded` on the terminal socket. */
  autoCheck?: boolean;
  /** The session token; only in the owner's own session list (GET /api/sessions). */
  token?: string;
  /** Set when the session is a workshop seat's lab. */
  workshopId?: string;
}

/** POST /api/sessions body */
export interface CreateSessionBody {
  scenarioId: string;
  /** Values for some of the scenario's parameters (the rest: defaults, or drawn with `randomize`). */
  params?: Record<string, string>;
  /** Draw the parameters not given from their declared choices. */
  randomize?: boolean;
}

/** POST /api/sessions answer (201); `token` is shown only here: keep it (the page stores it). */
export interface CreateSessionDto {
  session: SessionDto;
  token: string;
}

/** GET /api/sessions: the caller's sessions (by cookie), newest first. */
export interface SessionListDto {
  sessions: SessionDto[];
}

/** socket.io namespace `/terminal`, handshake `auth: { sessionId, token }`. */
export interface TerminalServerToClient {
  /** Session state changes (provisioning → ready/failed → ended). */
  state: (s: SessionDto) => void;
  progress: (p: ProvisionProgress) => void;
  /** Screen + scrollback to write before live output (sent on every attach). */
  replay: (data: string) => void;
  output: (data: string) => void;
  exit: (info: { code: number | null }) => void;
  /** A problem with a message (bad payload, not ready yet); the connection stays up. */
  problem: (e: { code: string; message: string }) => void;
  /** A new grade of this lab (the learner's Check, or a background/live check). */
  graded: (g: GradeJson) => void;
  /** A message from the workshop's instructor (broadcast). */
  notice: (e: { message: string; at: string }) => void;
  /** The learner's workshop seat changed (next scenario, time extended, workshop ended). */
  seat: (e: { workshopId: string; state: 'open' | 'ended'; reason: string }) => void;
}

export interface TerminalClientToServer {
  input: (data: string) => void;
  resize: (size: { cols: number; rows: number }) => void;
  /** The client has written `chars` more characters of output to its xterm (flow control). */
  ack: (chars: number) => void;
}

export const TERMINAL_NAMESPACE = '/terminal';
export const LEARNER_COOKIE = 'cks_learner';
export const SESSION_TOKEN_HEADER = 'x-session-token';
/** The client acks after writing this many characters (flow control granularity). */
export const ACK_EVERY_CHARS = 16_384;
