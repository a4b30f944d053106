import { toGradeJson } from '../grading/index.js';
import type { SessionManager } from '../sessions/index.js';
import type { SessionRecord } from '../store/types.js';
import type { Store } from '../store/types.js';
import type { SessionDto } from '../wire/types.js';

/** The wire view of a session: state, progress so far, and the latest grade. */
export function sessionDto(s: SessionRecord, sessions: SessionManager, store: Store): SessionDto {
  const attempts = store.listAttempts(s.id);
  const last = attempts[attempts.length - 1];
  return {
    id: s.id,
    scenarioId: s.scenarioId,
    state: s.state,
    error: s.error,
    progress: sessions.progress(s.id),
    createdAt: s.createdAt,
    lastGrade: last ? toGradeJson(last.result) : null,
    attempts: attempts.length,
    // Background checks (workshops, live auto-check) do not unlock the solution: the learner's own Check does.
    solutionAvailable: attempts.some((a) => a.source === 'learner'),
    autoCheck: s.autoCheck,
    ...(s.seatId ? workshopOf(s.seatId, store) : {}),
  };
}

function workshopOf(seatId: string, store: Store): { workshopId?: string } {
  const seat = store.getSeat(seatId);
  return seat ? { workshopId: seat.workshopId } : {};
}
