/**
 * The wire contract of workshops (instructor API, join, live board), typed once for server and web.
 * Instructor calls carry `Authorization: Bearer <instructor token>`; the `/workshop` socket.io
 * namespace takes it as `auth: { token }`.
 */
import type { ProvisionProgress } from '../clusters/types.js';

/** ⚑ POST /api/workshops body. */
export interface CreateWorkshopBody {
  title: string;
  /** Scenario ids, in the order learners take them. */
  scenarios: string[];
  seats: number;
  /** ISO time; default now. */
  startsAt?: string;
  /** ISO time; default startsAt + 2 h. */
  endsAt?: string;
  /** Optional per-scenario time limit. */
  timeLimitMinutes?: number;
  /** Periodic background check of every learner, in seconds (off when absent). */
  backgroundCheckSeconds?: number;
  /** Clusters to have ready before learners arrive (default: seats, bounded by the host's capacity). */
  warmClusters?: number;
}

/** ⚑ POST /api/workshops answer (201). */
export interface CreateWorkshopDto {
  id: string;
  joinCode: string;
  joinUrl: string;
  /** Set when the host cannot pre-provision every seat (memory), saying how many it can. */
  capacityNote?: string | null;
}

export interface WorkshopSummaryDto {
  id: string;
  title: string;
  joinCode: string;
  joinUrl: string;
  scenarios: { id: string; title: string }[];
  seats: number;
  seatsTaken: number;
  startsAt: string;
  endsAt: string;
  timeLimitMinutes: number | null;
  backgroundCheckSeconds: number | null;
  state: 'open' | 'ended';
}

/** One learner row of the board. */
export interface BoardLearnerDto {
  seatId: string;
  displayName: string;
  /** Current scenario id and its session. */
  scenarioId: string | null;
  sessionId: string | null;
  sessionState: 'provisioning' | 'ready' | 'failed' | 'ended' | null;
  /** Latest provisioning step while the seat's cluster is being prepared. */
  progress: ProvisionProgress | null;
  /** Seconds spent per scenario id. */
  timeSpent: Record<string, number>;
  /** Seconds since the learner last typed or pressed Check. */
  idleSeconds: number | null;
  /** Minutes added by the instructor. */
  extraMinutes: number;
  score: number;
  maxScore: number;
  /** Learner-pressed Checks per scenario id. */
  attempts: Record<string, number>;
}

/** One learner × task cell. `passed` null = not checked yet. */
export interface BoardCellDto {
  seatId: string;
  scenarioId: string;
  taskId: string;
  passed: boolean | null;
}

export interface BoardDto {
  workshop: WorkshopSummaryDto;
  /** Columns: every task of every scenario, in order. */
  columns: { scenarioId: string; taskId: string; title: string; weight: number }[];
  learners: BoardLearnerDto[];
  cells: BoardCellDto[];
  pool: { capacity: number; ready: number; provisioning: number; waiting: number };
}

/** POST /api/join body; the answer is JoinDto (and the learner cookie). */
export interface JoinBody {
  joinCode: string;
  displayName: string;
}

export interface JoinDto {
  workshopId: string;
  seatId: string;
  displayName: string;
  sessionId: string;
  token: string;
  /** True when this learner already had the seat (another tab, a reload): same seat, same shell. */
  rejoined: boolean;
}

/** GET /api/join/:code — public facts about a workshop before joining. */
export interface JoinInfoDto {
  title: string;
  state: 'open' | 'ended' | 'not-started';
  startsAt: string;
  endsAt: string;
  seatsLeft: number;
  scenarios: { id: string; title: string }[];
}

/** GET /api/workshops/:id/me (learner cookie): the learner's own seat, and at the end their summary. */
export interface SeatDto {
  workshopId: string;
  title: string;
  state: 'open' | 'ended';
  seatId: string;
  displayName: string;
  scenarioIndex: number;
  scenarios: { id: string; title: string }[];
  sessionId: string | null;
  token: string | null;
  /** Deadline of the current scenario (time limit + extensions), if any. */
  scenarioDeadline: string | null;
  endsAt: string;
  summary: { scenarioId: string; taskId: string; title: string; weight: number; passed: boolean }[];
}

/** One row of the CSV/JSON export (one per learner per task). */
export interface ExportRow {
  workshop: string;
  learner: string;
  scenario: string;
  task: string;
  passed: boolean;
  score: number;
  attempts: number;
  timeSeconds: number;
}

/** socket.io namespace `/workshop` (instructor). */
export interface WorkshopServerToClient {
  board: (b: BoardDto) => void;
  /** Read-only terminal of a learner: replay first, then live output. */
  shadowReplay: (e: { sessionId: string; data: string }) => void;
  shadowOutput: (e: { sessionId: string; data: string }) => void;
  shadowEnded: (e: { sessionId: string; reason: string }) => void;
  problem: (e: { code: string; message: string }) => void;
}

export interface WorkshopClientToServer {
  /** Subscribe to a workshop's board. */
  watch: (e: { workshopId: string }) => void;
  shadow: (e: { sessionId: string }) => void;
  unshadow: (e: { sessionId: string }) => void;
  shadowAck: (e: { sessionId: string; chars: number }) => void;
}

export const WORKSHOP_NAMESPACE = '/workshop';
export const INSTRUCTOR_TOKEN_KEY = 'cks-instructor-token';
