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
}

export interface AttemptRecord {
  id: number;
  sessionId: string;
  createdAt: string;
  score: number;
  maxScore: number;
  passed: boolean;
  result: GradeResult;
}

/** Everything durable. SQLite by default (migrations in code). */
export interface Store {
  createLearner(id: string): void;
  learnerExists(id: string): boolean;
  createSession(rec: Omit<SessionRecord, 'createdAt' | 'lastActivityAt' | 'endedAt' | 'error'>): SessionRecord;
  getSession(id: string): SessionRecord | null;
  listSessions(filter?: { learnerId?: string; states?: SessionState[] }): SessionRecord[];
  updateSessionState(id: string, state: SessionState, error?: string | null): void;
  touchSession(id: string, at?: Date): void;
  addAttempt(sessionId: string, result: GradeResult): AttemptRecord;
  listAttempts(sessionId: string): AttemptRecord[];
  latestAttempt(sessionId: string): AttemptRecord | null;
  close(): void;
}
