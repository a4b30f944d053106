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
  /**
   * A mock exam id (`GET /api/exams`) instead of `scenarios`: every learner who joins takes that
   * exam on their own clusters, on one clock — its duration counted from `startsAt` (default now).
   */
  exam?: string;
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
  /** Exam workshops only: the mock exam every seat takes and its shared clock. */
  exam?: WorkshopExamDto;
}

/** The mock exam of an exam workshop: one clock for everyone, from the workshop's start. */
export interface WorkshopExamDto {
  id: string;
  title: string;
  durationMinutes: number;
  passPercent: number;
  /** Questions per attempt. */
  questions: number;
  /** The shared clock: it starts at the workshop's `startsAt` and ends here for every seat. */
  startsAt: string;
  endsAt: string;
}

/** One seat's exam attempt on the board: its state; results only once that attempt ended. */
export interface SeatExamDto {
  attemptId: string;
  /** provisioning (clusters being prepared, or waiting for the start) → running → grading → finished; or failed. */
  state: 'provisioning' | 'running' | 'grading' | 'finished' | 'failed';
  error: string | null;
  /** The shared deadline once the seat's clock runs. */
  endsAt: string | null;
  remainingMs: number | null;
  /** Clusters ready / planned (while provisioning). */
  clustersReady: number;
  clusters: number;
  /** Only after the seat's exam ended. */
  result?: {
    score: number;
    maxScore: number;
    percent: number;
    passPercent: number;
    passed: boolean;
    endedBy: 'finish' | 'timeout' | 'workshop';
    questions: { number: number; scenarioId: string; domain: string; weight: number; score: number; passed: boolean }[];
  };
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
  /** Exam workshops only: the seat's exam attempt (null until one was started). */
  exam?: SeatExamDto | null;
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
  /**
   * Exam workshops only: the seat's exam attempt and its page (`/exam/<attemptId>`); then
   * `sessionId`/`token` are those of the attempt's first cluster.
   */
  exam?: { attemptId: string; url: string };
}

/** GET /api/join/:code — public facts about a workshop before joining. */
export interface JoinInfoDto {
  title: string;
  state: 'open' | 'ended' | 'not-started';
  startsAt: string;
  endsAt: string;
  seatsLeft: number;
  scenarios: { id: string; title: string }[];
  /** Exam workshops only: the mock exam every seat takes, and its shared clock. */
  exam?: WorkshopExamDto;
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
  /** Exam workshops only: the seat's exam attempt and its page. */
  exam?: { attemptId: string; url: string } | null;
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
  /**
   * Exam workshops: one row per seat per question (`scenario` is the question's scenario, `task`
   * is `q<number>`, `passed`/`score` the question's verdict and points, `timeSeconds` the time on
   * it), with the seat's exam result; null until the seat's exam ended.
   */
  question?: number;
  maxPoints?: number;
  examState?: string;
  examScore?: number | null;
  examMaxScore?: number | null;
  examPercent?: number | null;
  examPassed?: boolean | null;
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
