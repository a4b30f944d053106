import type { Scenario } from '../scenarios/types.js';
import type { SessionManager } from '../sessions/index.js';
import type { AttemptRecord, SeatRecord, SessionRecord, Store, WorkshopRecord } from '../store/types.js';
import type { BoardCellDto, BoardLearnerDto, ExportRow } from '../wire/workshop.js';

/** What one seat did in one scenario: its sessions, the latest grade, attempts and time. */
export interface SeatScenarioFacts {
  sessions: SessionRecord[];
  latest: AttemptRecord | null;
  learnerAttempts: number;
  seconds: number;
}

/** Facts per seat per scenario, read from the store (the board and the export share them). */
export function seatFacts(store: Store, seat: SeatRecord, scenarioId: string, now = Date.now()): SeatScenarioFacts {
  const sessions = store.listSessions({ seatId: seat.id }).filter((s) => s.scenarioId === scenarioId).reverse();
  let latest: AttemptRecord | null = null;
  let learnerAttempts = 0;
  let seconds = 0;
  for (const s of sessions) {
    const attempts = store.listAttempts(s.id);
    learnerAttempts += attempts.filter((a) => a.source === 'learner').length;
    const last = attempts[attempts.length - 1];
    if (last && (!latest || last.createdAt >= latest.createdAt)) latest = last;
    const end = s.endedAt ? Date.parse(s.endedAt) : now;
    seconds += Math.max(0, Math.round((end - Date.parse(s.createdAt)) / 1000));
  }
  return { sessions, latest, learnerAttempts, seconds };
}

/** The board's rows and cells for a workshop. */
export function boardRows(
  store: Store,
  sessions: SessionManager,
  workshop: WorkshopRecord,
  scenarios: Scenario[],
  now = Date.now(),
): { learners: BoardLearnerDto[]; cells: BoardCellDto[] } {
  const learners: BoardLearnerDto[] = [];
  const cells: BoardCellDto[] = [];
  for (const seat of store.listSeats(workshop.id)) {
    const timeSpent: Record<string, number> = {};
    const attempts: Record<string, number> = {};
    let score = 0;
    let maxScore = 0;
    for (const scenario of scenarios) {
      const facts = seatFacts(store, seat, scenario.id, now);
      timeSpent[scenario.id] = facts.seconds;
      attempts[scenario.id] = facts.learnerAttempts;
      maxScore += scenario.tasks.reduce((n, t) => n + t.weight, 0);
      score += facts.latest?.score ?? 0;
      for (const task of scenario.tasks) {
        const result = facts.latest?.result.tasks.find((t) => t.id === task.id);
        cells.push({ seatId: seat.id, scenarioId: scenario.id, taskId: task.id, passed: result ? result.passed : null });
      }
    }
    const currentId = workshop.scenarios[seat.scenarioIndex] ?? null;
    const current = currentId ? store.listSessions({ seatId: seat.id }).find((s) => s.scenarioId === currentId) ?? null : null;
    const progress = current ? sessions.progress(current.id) : [];
    learners.push({
      seatId: seat.id,
      displayName: seat.displayName,
      scenarioId: currentId,
      sessionId: current?.id ?? null,
      sessionState: current?.state ?? null,
      progress: current?.state === 'provisioning' || current?.state === 'failed' ? (progress[progress.length - 1] ?? null) : null,
      timeSpent,
      idleSeconds: current && current.state === 'ready' ? Math.max(0, Math.round((now - Date.parse(current.lastActivityAt)) / 1000)) : null,
      extraMinutes: seat.extraMinutes,
      score,
      maxScore,
      attempts,
    });
  }
  return { learners, cells };
}

/** One row per learner per task: passed, score, attempts, time (the CSV/JSON export). */
export function exportRows(store: Store, workshop: WorkshopRecord, scenarios: Scenario[], now = Date.now()): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const seat of store.listSeats(workshop.id)) {
    for (const scenario of scenarios) {
      const facts = seatFacts(store, seat, scenario.id, now);
      for (const task of scenario.tasks) {
        const passed = facts.latest?.result.tasks.find((t) => t.id === task.id)?.passed ?? false;
        rows.push({
          workshop: workshop.title,
          learner: seat.displayName,
          scenario: scenario.id,
          task: task.id,
          passed,
          score: passed ? task.weight : 0,
          attempts: facts.learnerAttempts,
          timeSeconds: facts.seconds,
        });
      }
    }
  }
  return rows;
}

/**
 * RFC 4180 CSV; cells that a spreadsheet would run as a formula are defused with a quote. An exam
 * workshop's export (`exam`) adds, per question row, the question, its points and the seat's exam result.
 */
export function toCsv(rows: ExportRow[], opts: { exam?: boolean } = {}): string {
  const base = ['workshop', 'learner', 'scenario', 'task', 'passed', 'score', 'attempts', 'time_seconds'];
  const examColumns = ['question', 'max_points', 'exam_state', 'exam_score', 'exam_max_score', 'exam_percent', 'exam_passed'];
  const header = opts.exam ? [...base, ...examColumns] : base;
  const cell = (v: string | number | boolean | null | undefined): string => {
    let s = v === null || v === undefined ? '' : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(',')];
  for (const r of rows) {
    const values: (string | number | boolean | null | undefined)[] = [r.workshop, r.learner, r.scenario, r.task, r.passed, r.score, r.attempts, r.timeSeconds];
    if (opts.exam) values.push(r.question, r.maxPoints, r.examState, r.examScore, r.examMaxScore, r.examPercent, r.examPassed);
    lines.push(values.map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
