import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GradeResult } from '../grading/types.js';
import { ExamTables } from './examTables.js';
import { MIGRATIONS } from './migrations.js';
import type { AttemptRecord, AttemptSource, SessionRecord, SessionState, Store } from './types.js';
import { WorkshopTables } from './workshopTables.js';

interface SessionRow {
  id: string;
  learner_id: string;
  scenario_id: string;
  cluster_name: string;
  state: SessionState;
  secret_hash: string;
  error: string | null;
  created_at: string;
  last_activity_at: string;
  ended_at: string | null;
  seat_id: string | null;
  params: string | null;
  exam_attempt_id: string | null;
  auto_check: number;
}

interface AttemptRow {
  id: number;
  session_id: string;
  created_at: string;
  score: number;
  max_score: number;
  passed: number;
  result_json: string;
  source: AttemptSource;
}

/** Store on better-sqlite3 (WAL, foreign keys, migrations on open). `:memory:` for tests. */
export class SqliteStore extends WorkshopTables implements Store {

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    super(new Database(file));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.exams = new ExamTables(this.db);
  }

  /** Mock exam attempts. */
  readonly exams: ExamTables;

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i] as string);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  createLearner(id: string): void {
    this.db.prepare('INSERT OR IGNORE INTO learners (id, created_at) VALUES (?, ?)').run(id, now());
  }

  learnerExists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM learners WHERE id = ?').get(id) !== undefined;
  }

  createSession(
    rec: Omit<SessionRecord, 'createdAt' | 'lastActivityAt' | 'endedAt' | 'error' | 'seatId' | 'params' | 'examAttemptId' | 'autoCheck'> & {
      seatId?: string | null;
      params?: Record<string, string> | null;
      examAttemptId?: string | null;
    },
  ): SessionRecord {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO sessions (id, learner_id, scenario_id, cluster_name, state, secret_hash, error, created_at, last_activity_at, seat_id, params, exam_attempt_id)
         VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
      )
      .run(rec.id, rec.learnerId, rec.scenarioId, rec.clusterName, rec.state, rec.secretHash, t, t, rec.seatId ?? null, rec.params ? JSON.stringify(rec.params) : null, rec.examAttemptId ?? null);
    return this.getSession(rec.id) as SessionRecord;
  }

  setAutoCheck(id: string, on: boolean): void {
    this.db.prepare('UPDATE sessions SET auto_check = ? WHERE id = ?').run(on ? 1 : 0, id);
  }

  setSessionCluster(id: string, clusterName: string): void {
    this.db.prepare('UPDATE sessions SET cluster_name = ? WHERE id = ?').run(clusterName, id);
  }

  getSession(id: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  listSessions(filter: { learnerId?: string; states?: SessionState[]; seatId?: string } = {}): SessionRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.seatId !== undefined) {
      where.push('seat_id = ?');
      args.push(filter.seatId);
    }
    if (filter.learnerId !== undefined) {
      where.push('learner_id = ?');
      args.push(filter.learnerId);
    }
    if (filter.states && filter.states.length > 0) {
      where.push(`state IN (${filter.states.map(() => '?').join(',')})`);
      args.push(...filter.states);
    }
    const sql = `SELECT * FROM sessions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, rowid DESC`;
    return (this.db.prepare(sql).all(...args) as SessionRow[]).map(toSession);
  }

  updateSessionState(id: string, state: SessionState, error: string | null = null): void {
    this.db
      .prepare(
        `UPDATE sessions SET state = ?, error = ?, ended_at = CASE WHEN ? = 'ended' THEN ? ELSE ended_at END WHERE id = ?`,
      )
      .run(state, error, state, now(), id);
  }

  touchSession(id: string, at: Date = new Date()): void {
    this.db.prepare('UPDATE sessions SET last_activity_at = ? WHERE id = ?').run(at.toISOString(), id);
  }

  addAttempt(sessionId: string, result: GradeResult, source: AttemptSource = 'learner'): AttemptRecord {
    const info = this.db
      .prepare(
        'INSERT INTO attempts (session_id, created_at, score, max_score, passed, result_json, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(sessionId, result.gradedAt, result.score, result.maxScore, result.passed ? 1 : 0, JSON.stringify(result), source);
    const row = this.db.prepare('SELECT * FROM attempts WHERE id = ?').get(info.lastInsertRowid) as AttemptRow;
    return toAttempt(row);
  }

  listAttempts(sessionId: string): AttemptRecord[] {
    return (this.db.prepare('SELECT * FROM attempts WHERE session_id = ? ORDER BY id').all(sessionId) as AttemptRow[]).map(toAttempt);
  }

  latestAttempt(sessionId: string): AttemptRecord | null {
    const row = this.db.prepare('SELECT * FROM attempts WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sessionId) as
      | AttemptRow
      | undefined;
    return row ? toAttempt(row) : null;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function now(): string {
  return new Date().toISOString();
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    learnerId: r.learner_id,
    scenarioId: r.scenario_id,
    clusterName: r.cluster_name,
    state: r.state,
    secretHash: r.secret_hash,
    error: r.error,
    createdAt: r.created_at,
    lastActivityAt: r.last_activity_at,
    endedAt: r.ended_at,
    seatId: r.seat_id,
    params: parseParams(r.params),
    examAttemptId: r.exam_attempt_id,
    autoCheck: r.auto_check === 1,
  };
}

/** The stored parameter values (written by us as a JSON object of strings); null when absent or unreadable. */
function parseParams(text: string | null): Record<string, string> | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return null;
  }
}

function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    createdAt: r.created_at,
    score: r.score,
    maxScore: r.max_score,
    passed: r.passed === 1,
    result: JSON.parse(r.result_json) as GradeResult,
    source: r.source,
  };
}
