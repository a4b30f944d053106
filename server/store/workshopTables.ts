import type Database from 'better-sqlite3';
import type { PoolClusterRecord, SeatRecord, WorkshopRecord, WorkshopStore } from './types.js';

interface WorkshopRow {
  id: string;
  title: string;
  join_code: string;
  scenarios_json: string;
  seats: number;
  starts_at: string;
  ends_at: string;
  time_limit_minutes: number | null;
  background_check_seconds: number | null;
  exam_id: string | null;
  exam_ends_at: string | null;
  state: 'open' | 'ended';
  created_at: string;
  ended_at: string | null;
}

interface SeatRow {
  id: string;
  workshop_id: string;
  learner_id: string;
  display_name: string;
  joined_at: string;
  scenario_index: number;
  extra_minutes: number;
}

interface PoolRow {
  name: string;
  lab: string;
  state: PoolClusterRecord['state'];
  created_at: string;
  error: string | null;
}

/** The workshop, seat, settings and pool tables of the SQLite store. */
export class WorkshopTables implements WorkshopStore {
  constructor(protected readonly db: Database.Database) {}

  getSetting(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  createWorkshop(rec: Omit<WorkshopRecord, 'createdAt' | 'endedAt' | 'state' | 'examId' | 'examEndsAt'> & { examId?: string | null; examEndsAt?: string | null }): WorkshopRecord {
    this.db
      .prepare(
        `INSERT INTO workshops (id, title, join_code, scenarios_json, seats, starts_at, ends_at, time_limit_minutes, background_check_seconds, exam_id, exam_ends_at, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      )
      .run(rec.id, rec.title, rec.joinCode, JSON.stringify(rec.scenarios), rec.seats, rec.startsAt, rec.endsAt, rec.timeLimitMinutes, rec.backgroundCheckSeconds, rec.examId ?? null, rec.examEndsAt ?? null, new Date().toISOString());
    return this.getWorkshop(rec.id) as WorkshopRecord;
  }

  getWorkshop(id: string): WorkshopRecord | null {
    const row = this.db.prepare('SELECT * FROM workshops WHERE id = ?').get(id) as WorkshopRow | undefined;
    return row ? toWorkshop(row) : null;
  }

  getWorkshopByCode(code: string): WorkshopRecord | null {
    const row = this.db.prepare('SELECT * FROM workshops WHERE join_code = ?').get(code) as WorkshopRow | undefined;
    return row ? toWorkshop(row) : null;
  }

  listWorkshops(): WorkshopRecord[] {
    return (this.db.prepare('SELECT * FROM workshops ORDER BY created_at DESC, rowid DESC').all() as WorkshopRow[]).map(toWorkshop);
  }

  endWorkshop(id: string): void {
    this.db.prepare(`UPDATE workshops SET state = 'ended', ended_at = ? WHERE id = ? AND state <> 'ended'`).run(new Date().toISOString(), id);
  }

  createSeat(rec: Omit<SeatRecord, 'joinedAt' | 'scenarioIndex' | 'extraMinutes'>): SeatRecord {
    this.db
      .prepare('INSERT INTO seats (id, workshop_id, learner_id, display_name, joined_at) VALUES (?, ?, ?, ?, ?)')
      .run(rec.id, rec.workshopId, rec.learnerId, rec.displayName, new Date().toISOString());
    return this.getSeat(rec.id) as SeatRecord;
  }

  getSeat(id: string): SeatRecord | null {
    const row = this.db.prepare('SELECT * FROM seats WHERE id = ?').get(id) as SeatRow | undefined;
    return row ? toSeat(row) : null;
  }

  findSeat(workshopId: string, learnerId: string): SeatRecord | null {
    const row = this.db.prepare('SELECT * FROM seats WHERE workshop_id = ? AND learner_id = ?').get(workshopId, learnerId) as SeatRow | undefined;
    return row ? toSeat(row) : null;
  }

  findSeatByName(workshopId: string, displayName: string): SeatRecord | null {
    const row = this.db.prepare('SELECT * FROM seats WHERE workshop_id = ? AND display_name = ? COLLATE NOCASE').get(workshopId, displayName) as SeatRow | undefined;
    return row ? toSeat(row) : null;
  }

  listSeats(workshopId: string): SeatRecord[] {
    return (this.db.prepare('SELECT * FROM seats WHERE workshop_id = ? ORDER BY joined_at, rowid').all(workshopId) as SeatRow[]).map(toSeat);
  }

  updateSeat(id: string, patch: Partial<Pick<SeatRecord, 'scenarioIndex' | 'extraMinutes'>>): void {
    if (patch.scenarioIndex !== undefined) this.db.prepare('UPDATE seats SET scenario_index = ? WHERE id = ?').run(patch.scenarioIndex, id);
    if (patch.extraMinutes !== undefined) this.db.prepare('UPDATE seats SET extra_minutes = ? WHERE id = ?').run(patch.extraMinutes, id);
  }

  savePoolCluster(rec: Omit<PoolClusterRecord, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO pool_clusters (name, lab, state, created_at, error) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET state = excluded.state, error = excluded.error`,
      )
      .run(rec.name, rec.lab, rec.state, new Date().toISOString(), rec.error);
  }

  listPoolClusters(): PoolClusterRecord[] {
    return (this.db.prepare('SELECT * FROM pool_clusters ORDER BY created_at, rowid').all() as PoolRow[]).map((r) => ({
      name: r.name,
      lab: r.lab,
      state: r.state,
      createdAt: r.created_at,
      error: r.error,
    }));
  }

  deletePoolCluster(name: string): void {
    this.db.prepare('DELETE FROM pool_clusters WHERE name = ?').run(name);
  }
}

function toWorkshop(r: WorkshopRow): WorkshopRecord {
  return {
    id: r.id,
    title: r.title,
    joinCode: r.join_code,
    scenarios: JSON.parse(r.scenarios_json) as string[],
    seats: r.seats,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    timeLimitMinutes: r.time_limit_minutes,
    backgroundCheckSeconds: r.background_check_seconds,
    examId: r.exam_id,
    examEndsAt: r.exam_ends_at,
    state: r.state,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

function toSeat(r: SeatRow): SeatRecord {
  return {
    id: r.id,
    workshopId: r.workshop_id,
    learnerId: r.learner_id,
    displayName: r.display_name,
    joinedAt: r.joined_at,
    scenarioIndex: r.scenario_index,
    extraMinutes: r.extra_minutes,
  };
}
