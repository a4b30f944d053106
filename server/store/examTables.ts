import type Database from 'better-sqlite3';

export type ExamAttemptState = 'provisioning' | 'running' | 'grading' | 'finished' | 'failed';

/** One learner's attempt at a mock exam. `plan`, `result` and `flags` are JSON the exams module owns. */
export interface ExamAttemptRecord {
  id: string;
  learnerId: string;
  examId: string;
  state: ExamAttemptState;
  /** The attempt's ExamPlan plus the session of each planned cluster (JSON). */
  plan: string;
  error: string | null;
  createdAt: string;
  /** When every cluster was ready and the clock started. */
  startedAt: string | null;
  /** The server-owned deadline. */
  endsAt: string | null;
  finishedAt: string | null;
  /** The graded result (JSON), once finished. */
  result: string | null;
  /** Flagged question numbers (JSON array). */
  flags: string;
  /** `[question, epoch ms]` pairs: which question the candidate opened when (JSON array). */
  views: string;
  /** The workshop seat this attempt belongs to (null: a learner's own exam). */
  seatId: string | null;
  /** A shared clock (workshop exams): the clock starts no earlier than this… */
  opensAt: string | null;
  /** …and ends at this moment for everyone, whenever the attempt's clusters were ready. */
  closesAt: string | null;
}

interface Row {
  id: string;
  learner_id: string;
  exam_id: string;
  state: ExamAttemptState;
  plan: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  ends_at: string | null;
  finished_at: string | null;
  result: string | null;
  flags: string;
  views: string;
  seat_id: string | null;
  opens_at: string | null;
  closes_at: string | null;
}

/** The exam_attempts table. State changes that must happen once are compare-and-set. */
export class ExamTables {
  constructor(private readonly db: Database.Database) {}

  /** A new attempt in `provisioning` (the learner is recorded if this is their first visit). */
  create(rec: Pick<ExamAttemptRecord, 'id' | 'learnerId' | 'examId' | 'plan'> & Partial<Pick<ExamAttemptRecord, 'seatId' | 'opensAt' | 'closesAt'>>): ExamAttemptRecord {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO learners (id, created_at) VALUES (?, ?)').run(rec.learnerId, at);
      this.db
        .prepare(`INSERT INTO exam_attempts (id, learner_id, exam_id, state, plan, created_at, flags, seat_id, opens_at, closes_at) VALUES (?, ?, ?, 'provisioning', ?, ?, '[]', ?, ?, ?)`)
        .run(rec.id, rec.learnerId, rec.examId, rec.plan, at, rec.seatId ?? null, rec.opensAt ?? null, rec.closesAt ?? null);
    })();
    return this.get(rec.id) as ExamAttemptRecord;
  }

  get(id: string): ExamAttemptRecord | null {
    const row = this.db.prepare('SELECT * FROM exam_attempts WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  list(filter: { learnerId?: string; seatId?: string; states?: ExamAttemptState[] } = {}): ExamAttemptRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.seatId) {
      where.push('seat_id = ?');
      args.push(filter.seatId);
    }
    if (filter.learnerId) {
      where.push('learner_id = ?');
      args.push(filter.learnerId);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(',')})`);
      args.push(...filter.states);
    }
    const sql = `SELECT * FROM exam_attempts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toRecord);
  }

  setPlan(id: string, plan: string): void {
    this.db.prepare('UPDATE exam_attempts SET plan = ? WHERE id = ?').run(plan, id);
  }

  setFlags(id: string, flags: number[]): void {
    this.db.prepare('UPDATE exam_attempts SET flags = ? WHERE id = ?').run(JSON.stringify(flags), id);
  }

  /** Note that the candidate opened `question` at `at` (kept while the exam runs, at most 5000 entries). */
  addView(id: string, question: number, at: number): void {
    this.db
      .prepare(`UPDATE exam_attempts SET views = json_insert(views, '$[#]', json_array(?, ?)) WHERE id = ? AND state = 'running' AND json_array_length(views) < 5000`)
      .run(question, at, id);
  }

  /** provisioning → running with the clock set; false when the attempt was not provisioning. */
  startClock(id: string, startedAt: Date, endsAt: Date): boolean {
    return this.db.prepare(`UPDATE exam_attempts SET state = 'running', started_at = ?, ends_at = ? WHERE id = ? AND state = 'provisioning'`).run(startedAt.toISOString(), endsAt.toISOString(), id).changes === 1;
  }

  /** running → grading, exactly once (a timer and a Finish racing: one wins). */
  beginGrading(id: string): boolean {
    return this.db.prepare(`UPDATE exam_attempts SET state = 'grading' WHERE id = ? AND state = 'running'`).run(id).changes === 1;
  }

  finish(id: string, result: string): void {
    this.db.prepare(`UPDATE exam_attempts SET state = 'finished', result = ?, finished_at = ? WHERE id = ? AND state = 'grading'`).run(result, new Date().toISOString(), id);
  }

  fail(id: string, error: string): void {
    this.db.prepare(`UPDATE exam_attempts SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state IN ('provisioning', 'running')`).run(error, new Date().toISOString(), id);
  }
}

function toRecord(r: Row): ExamAttemptRecord {
  return {
    id: r.id,
    learnerId: r.learner_id,
    examId: r.exam_id,
    state: r.state,
    plan: r.plan,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endsAt: r.ends_at,
    finishedAt: r.finished_at,
    result: r.result,
    flags: r.flags,
    views: r.views,
    seatId: r.seat_id,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
  };
}
