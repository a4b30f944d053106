import type { GradeResult } from '../grading/types.js';

export type SessionState = 'provisioning' | 'ready' | 'failed' | 'ended';

export interface SessionRecord {
  id: string;
  learnerId: string;
  scenarioId: string;
  clusterName: string;
  state: SessionState;
  /** sha256 hex of the per-session secret; the secret itself is never stored. */
  secretHash: string;
  /** Learner-fit reason when failed/ended abnormally. */
  error: string | null;
  createdAt: string;
  lastActivityAt: string;
  endedAt: string | null;
  /** The workshop seat this session belongs to (null for self-paced labs). */
  seatId: string | null;
  /** Scenario parameter values this session runs with (null: the scenario's defaults). */
  params: Record<string, string> | null;
  /** The mock exam attempt this session is a cluster of (null otherwise). */
  examAttemptId: string | null;
  /** Live auto-check: graded in the background while the learner works, results pushed (opt-in). */
  autoCheck: boolean;
}

export interface AttemptRecord {
  id: number;
  sessionId: string;
  createdAt: string;
  score: number;
  maxScore: number;
  passed: boolean;
  result: GradeResult;
  /** Who asked: the learner pressing Check, or the workshop's periodic background check. */
  source: AttemptSource;
}

export type AttemptSource = 'learner' | 'background';

export interface WorkshopRecord {
  id: string;
  title: string;
  joinCode: string;
  scenarios: string[];
  seats: number;
  startsAt: string;
  endsAt: string;
  timeLimitMinutes: number | null;
  /** Periodic background check interval, null = off. */
  backgroundCheckSeconds: number | null;
  /** The mock exam every seat takes (`exams/<id>.yaml`), instead of `scenarios`; null for practice workshops. */
  examId: string | null;
  /** The exam's shared end: its duration counted from `startsAt`, the same for every seat. */
  examEndsAt: string | null;
  state: 'open' | 'ended';
  createdAt: string;
  endedAt: string | null;
}

export interface SeatRecord {
  id: string;
  workshopId: string;
  learnerId: string;
  displayName: string;
  joinedAt: string;
  /** Index into the workshop's scenarios of the one the learner is on. */
  scenarioIndex: number;
  extraMinutes: number;
}

export interface PoolClusterRecord {
  name: string;
  lab: string;
  state: 'provisioning' | 'ready' | 'failed';
  createdAt: string;
  error: string | null;
}

/** Workshops, seats, settings and the warm pool (same SQLite file). */
export interface WorkshopStore {
  getSetting(key: string): string | null;
  setSetting(key: string, value: string): void;
  createWorkshop(rec: Omit<WorkshopRecord, 'createdAt' | 'endedAt' | 'state' | 'examId' | 'examEndsAt'> & { examId?: string | null; examEndsAt?: string | null }): WorkshopRecord;
  getWorkshop(id: string): WorkshopRecord | null;
  getWorkshopByCode(code: string): WorkshopRecord | null;
  listWorkshops(): WorkshopRecord[];
  endWorkshop(id: string): void;
  createSeat(rec: Omit<SeatRecord, 'joinedAt' | 'scenarioIndex' | 'extraMinutes'>): SeatRecord;
  getSeat(id: string): SeatRecord | null;
  findSeat(workshopId: string, learnerId: string): SeatRecord | null;
  findSeatByName(workshopId: string, displayName: string): SeatRecord | null;
  listSeats(workshopId: string): SeatRecord[];
  updateSeat(id: string, patch: Partial<Pick<SeatRecord, 'scenarioIndex' | 'extraMinutes'>>): void;
  savePoolCluster(rec: Omit<PoolClusterRecord, 'createdAt'>): void;
  listPoolClusters(): PoolClusterRecord[];
  deletePoolCluster(name: string): void;
}

/** Everything durable. SQLite by default (migrations in code). */
export interface Store extends WorkshopStore {
  createLearner(id: string): void;
  learnerExists(id: string): boolean;
  createSession(
    rec: Omit<SessionRecord, 'createdAt' | 'lastActivityAt' | 'endedAt' | 'error' | 'seatId' | 'params' | 'examAttemptId' | 'autoCheck'> & {
      seatId?: string | null;
      params?: Record<string, string> | null;
      examAttemptId?: string | null;
    },
  ): SessionRecord;
  getSession(id: string): SessionRecord | null;
  listSessions(filter?: { learnerId?: string; states?: SessionState[]; seatId?: string }): SessionRecord[];
  /** A session moves to another cluster (taken from the warm pool, or a reset). */
  setSessionCluster(id: string, clusterName: string): void;
  updateSessionState(id: string, state: SessionState, error?: string | null): void;
  touchSession(id: string, at?: Date): void;
  setAutoCheck(id: string, on: boolean): void;
  addAttempt(sessionId: string, result: GradeResult, source?: AttemptSource): AttemptRecord;
  listAttempts(sessionId: string): AttemptRecord[];
  latestAttempt(sessionId: string): AttemptRecord | null;
  close(): void;
}
