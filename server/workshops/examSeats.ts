/**
 * Workshops whose content is a mock exam: every seat gets its own attempt (its own clusters, as
 * ExamManager provisions them) on one clock shared by the whole workshop — it opens at the
 * workshop's `startsAt` and closes at `examEndsAt` (the exam's duration from that start) for
 * everyone, so a learner who joins late gets less time. Results reach the board and the export
 * only once a seat's exam has ended.
 */
import { AppError } from '../errors.js';
import type { ExamManager } from '../exams/index.js';
import type { SessionManager } from '../sessions/index.js';
import type { ExamAttemptRecord } from '../store/examTables.js';
import type { SeatRecord, SessionRecord, WorkshopRecord } from '../store/types.js';
import type { ExportRow, SeatExamDto, WorkshopExamDto } from '../wire/workshop.js';

/** What a workshop needs of the exams module. */
export type WorkshopExams = Pick<
  ExamManager,
  'list' | 'clockEnd' | 'listForSeat' | 'start' | 'get' | 'endForWorkshop' | 'onChange' | 'planOf' | 'resultOf' | 'remainingMs'
>;

const OPEN_STATES: readonly string[] = ['provisioning', 'running', 'grading'];

/** The exam page of an attempt. */
export const examUrl = (attemptId: string): string => `/exam/${attemptId}`;

/** The workshop's exam as the board and the list show it (null when its definition is gone). */
export function workshopExam(exams: WorkshopExams, w: WorkshopRecord): WorkshopExamDto | undefined {
  if (!w.examId || !w.examEndsAt) return undefined;
  const entry = exams.list().find((e) => e.exam.id === w.examId);
  return {
    id: w.examId,
    title: entry?.exam.title ?? w.examId,
    durationMinutes: entry?.exam.durationMinutes ?? 0,
    passPercent: entry?.exam.passPercent ?? 67,
    questions: entry?.plan?.questions.length ?? 0,
    startsAt: w.startsAt,
    endsAt: w.examEndsAt,
  };
}

/**
 * The seat's attempt — its newest, or a new one when it has none or its last one failed while the
 * exam still runs — with the session of its first cluster (the seat's `sessionId` in JoinDto).
 */
export function seatAttempt(
  exams: WorkshopExams,
  sessions: SessionManager,
  w: WorkshopRecord,
  seat: SeatRecord,
  now = Date.now(),
): { attempt: ExamAttemptRecord; session: SessionRecord; token: string } {
  let attempt = exams.listForSeat(seat.id)[0];
  if (!attempt || attempt.state === 'failed') {
    if (now >= Date.parse(w.examEndsAt ?? '')) {
      if (!attempt) throw new AppError('gone', `The exam of "${w.title}" has ended: there is no time left to take it.`, { field: 'joinCode' });
    } else {
      attempt = exams.start(seat.learnerId, w.examId, { seatId: seat.id, opensAt: w.startsAt, closesAt: w.examEndsAt as string });
    }
  }
  const plan = exams.planOf(attempt);
  const first = plan.clusters[0] ? sessions.get(plan.sessions[plan.clusters[0].name] ?? '') : null;
  if (!first) throw new AppError('conflict', attempt.error ?? 'The clusters of your exam could not be prepared. Ask your instructor.');
  return { attempt, session: first, token: sessions.tokenFor(first) };
}

/** One seat's exam on the board: state and clock; the result only once it ended. */
export function seatExam(exams: WorkshopExams, sessions: SessionManager, seat: SeatRecord): SeatExamDto | null {
  const a = exams.listForSeat(seat.id)[0];
  if (!a) return null;
  const plan = exams.planOf(a);
  const result = exams.resultOf(a);
  return {
    attemptId: a.id,
    state: a.state,
    error: a.error,
    endsAt: a.endsAt,
    remainingMs: exams.remainingMs(a),
    clustersReady: Object.values(plan.sessions).filter((id) => sessions.get(id)?.state === 'ready').length,
    clusters: plan.clusters.length,
    ...(result
      ? {
          result: {
            score: result.score,
            maxScore: result.maxScore,
            percent: result.percent,
            passPercent: result.passPercent,
            passed: result.passed,
            endedBy: result.endedBy,
            questions: result.questions.map((q) => ({ number: q.number, scenarioId: q.scenarioId, domain: q.domain, weight: q.weight, score: q.score, passed: q.passed })),
          },
        }
      : {}),
  };
}

/** Every attempt of the workshop's seats that has not ended yet. */
export function openAttempts(exams: WorkshopExams, seats: SeatRecord[]): ExamAttemptRecord[] {
  return seats.flatMap((seat) => exams.listForSeat(seat.id).filter((a) => OPEN_STATES.includes(a.state)));
}

/** The sessions (clusters) of the seats' attempts that are still up. */
export function liveExamSessions(exams: WorkshopExams, sessions: SessionManager, seats: SeatRecord[]): string[] {
  return seats.flatMap((seat) =>
    exams.listForSeat(seat.id).flatMap((a) =>
      Object.values(exams.planOf(a).sessions).filter((id) => {
        const st = sessions.get(id)?.state;
        return st === 'provisioning' || st === 'ready';
      }),
    ),
  );
}

/** One row per seat per question (points and verdict), with the seat's exam result once it ended. */
export function examExportRows(exams: WorkshopExams, w: WorkshopRecord, seats: SeatRecord[]): ExportRow[] {
  return seats.flatMap((seat) => {
    const a = exams.listForSeat(seat.id)[0];
    if (!a) return [];
    const r = exams.resultOf(a);
    return exams.planOf(a).questions.map((q): ExportRow => {
      const qr = r?.questions.find((x) => x.number === q.number);
      return {
        workshop: w.title,
        learner: seat.displayName,
        scenario: q.scenarioId,
        task: `q${q.number}`,
        passed: qr?.passed ?? false,
        score: qr?.score ?? 0,
        attempts: 0,
        timeSeconds: qr?.seconds ?? 0,
        question: q.number,
        maxPoints: q.weight,
        examState: a.state,
        examScore: r?.score ?? null,
        examMaxScore: r?.maxScore ?? null,
        examPercent: r?.percent ?? null,
        examPassed: r?.passed ?? null,
      };
    });
  });
}

/** Warm clusters one exam attempt needs, per lab (its planned clusters). */
export function clustersPerLab(exams: WorkshopExams, examId: string): Map<string, number> {
  const out = new Map<string, number>();
  const plan = exams.list().find((e) => e.exam.id === examId)?.plan;
  for (const c of plan?.clusters ?? []) out.set(c.lab, (out.get(c.lab) ?? 0) + 1);
  return out;
}
