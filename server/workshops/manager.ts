import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { WarmPool } from '../clusters/pool.js';
import type { Lab } from '../clusters/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import type { Scenario } from '../scenarios/types.js';
import { newId, type SessionManager } from '../sessions/index.js';
import type { SeatRecord, SessionRecord, Store, WorkshopRecord } from '../store/types.js';
import type { BoardDto, JoinInfoDto, SeatDto, WorkshopSummaryDto } from '../wire/workshop.js';
import { boardRows, exportRows, seatFacts } from './board.js';
import { clustersPerLab, examExportRows, examUrl, liveExamSessions, openAttempts, seatAttempt, seatExam, workshopExam, type WorkshopExams } from './examSeats.js';
import { parseCreateWorkshop, parseDisplayName, parseJoinCode, type WorkshopSpec } from './validate.js';

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** Learners may join this long before the start (their seat is ready by then). */
const EARLY_JOIN_MS = 30 * 60_000;
const ACTIVE = ['provisioning', 'ready'] as const;

export interface WorkshopManagerDeps {
  store: Store;
  sessions: SessionManager;
  catalog: ScenarioCatalog;
  labs: Map<string, Lab>;
  pool: WarmPool;
  logger: Logger;
  /** Base URL of this server, for join links. */
  publicUrl: () => string;
  /** How often timers (end, time limits, background checks) are looked at. */
  tickMs?: number;
  /** Mock exams, for workshops whose content is an exam (absent: only practice workshops). */
  exams?: WorkshopExams;
}

/** Warm clusters a workshop asked for: of `lab` (with `scenario`'s setup done, if set), `perSeat` per learner to come. */
interface WarmAsk {
  lab: string;
  scenario: string | undefined;
  count: number;
  perSeat: number;
}

/**
 * Instructor-led workshops: seats warmed before learners arrive, join codes, the live board's
 * data, help (reset, extend, broadcast), the end with summaries and exports. Everything is in
 * the store, so a restart loses nothing; `resume()` re-arms the timers.
 */
export class WorkshopManager {
  private readonly events = new EventEmitter();
  private readonly log: Logger;
  private readonly lastBackground = new Map<string, number>();
  /** Warm clusters each open workshop asked for, per lab and first scenario (pool targets are their sum). */
  private readonly warmAsks = new Map<string, WarmAsk[]>();
  /** The pool's target per key before any workshop asked (the operator's CKS_WARM_POOL), kept under the asks. */
  private readonly warmBase = new Map<string, number>();
  /** The last reset queued per seat (resets of one seat never overlap). */
  private readonly seatQueue = new Map<string, Promise<void>>();
  private ticker: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: WorkshopManagerDeps) {
    this.log = deps.logger.child({ module: 'workshops' });
    this.events.setMaxListeners(0);
    deps.sessions.on('graded', (sessionId) => this.changedBySession(sessionId));
    deps.sessions.on('state', (sessionId) => this.changedBySession(sessionId));
    deps.sessions.on('progress', (sessionId) => this.changedBySession(sessionId));
    deps.exams?.onChange((attempt) => this.changedBySeat(attempt.seatId));
  }

  /** `changed` fires (debounce it) whenever a workshop's board may look different. */
  onChanged(fn: (workshopId: string) => void): () => void {
    this.events.on('changed', fn);
    return () => this.events.off('changed', fn);
  }

  create(body: unknown): { workshop: WorkshopRecord; capacityNote: string | null } {
    const exams = this.deps.exams;
    const spec = parseCreateWorkshop(body, this.deps.catalog, new Date(), exams && { list: () => exams.list(), clockEnd: (exam, startsAt) => exams.clockEnd(exam, startsAt) });
    const workshop = this.deps.store.createWorkshop({
      id: newId(),
      title: spec.title,
      joinCode: this.uniqueCode(),
      scenarios: spec.scenarios,
      seats: spec.seats,
      startsAt: spec.startsAt,
      endsAt: spec.endsAt,
      timeLimitMinutes: spec.timeLimitMinutes,
      backgroundCheckSeconds: spec.backgroundCheckSeconds,
      examId: spec.exam?.id ?? null,
      examEndsAt: spec.examEndsAt,
    });
    const capacityNote = this.warm(workshop, spec);
    this.log.info('workshop created', { workshop: workshop.id, seats: spec.seats, scenarios: spec.scenarios, exam: spec.exam?.id });
    return { workshop, capacityNote };
  }

  list(): WorkshopSummaryDto[] {
    return this.deps.store.listWorkshops().map((w) => this.summary(w));
  }

  require(id: unknown): WorkshopRecord {
    const w = typeof id === 'string' ? this.deps.store.getWorkshop(id) : null;
    if (!w) throw new AppError('not_found', 'No such workshop.');
    return w;
  }

  summary(w: WorkshopRecord): WorkshopSummaryDto {
    return {
      id: w.id,
      title: w.title,
      joinCode: w.joinCode,
      joinUrl: this.joinUrl(w),
      scenarios: this.scenariosOf(w).map((s) => ({ id: s.id, title: s.title })),
      seats: w.seats,
      seatsTaken: this.deps.store.listSeats(w.id).length,
      startsAt: w.startsAt,
      endsAt: w.endsAt,
      timeLimitMinutes: w.timeLimitMinutes,
      backgroundCheckSeconds: w.backgroundCheckSeconds,
      state: w.state,
      ...(this.deps.exams && w.examId ? { exam: workshopExam(this.deps.exams, w) } : {}),
    };
  }

  joinUrl(w: WorkshopRecord): string {
    return `${this.deps.publicUrl()}/join/${w.joinCode}`;
  }

  board(id: string): BoardDto {
    const w = this.require(id);
    const scenarios = this.scenariosOf(w);
    const { learners, cells } = boardRows(this.deps.store, this.deps.sessions, w, scenarios);
    const pool = this.deps.pool.status();
    const exams = this.deps.exams;
    return {
      workshop: this.summary(w),
      columns: scenarios.flatMap((s) => s.tasks.map((t) => ({ scenarioId: s.id, taskId: t.id, title: t.title, weight: t.weight }))),
      learners: exams && w.examId ? learners.map((l) => ({ ...l, exam: seatExam(exams, this.deps.sessions, this.deps.store.getSeat(l.seatId) as SeatRecord) })) : learners,
      cells,
      pool: {
        capacity: pool.capacity,
        ready: pool.labs.reduce((n, l) => n + l.ready, 0),
        provisioning: pool.labs.reduce((n, l) => n + l.provisioning, 0),
        waiting: pool.labs.reduce((n, l) => n + l.waiting, 0),
      },
    };
  }

  joinInfo(code: unknown): JoinInfoDto {
    const w = this.byCode(code);
    const now = Date.now();
    return {
      title: w.title,
      state: this.isOver(w, now) ? 'ended' : now < Date.parse(w.startsAt) - EARLY_JOIN_MS ? 'not-started' : 'open',
      startsAt: w.startsAt,
      endsAt: w.endsAt,
      seatsLeft: Math.max(0, w.seats - this.deps.store.listSeats(w.id).length),
      scenarios: this.scenariosOf(w).map((s) => ({ id: s.id, title: s.title })),
      ...(this.deps.exams && w.examId ? { exam: workshopExam(this.deps.exams, w) } : {}),
    };
  }

  /** A learner takes a seat (or gets their seat back) and lands in their current scenario. */
  join(learnerId: string, body: unknown): { seat: SeatRecord; session: SessionRecord; token: string; rejoined: boolean; exam: { attemptId: string; url: string } | null } {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const w = this.byCode(b.joinCode);
    const now = Date.now();
    if (this.isOver(w, now)) throw new AppError('gone', `The workshop "${w.title}" has ended. Ask your instructor for a new join code.`, { field: 'joinCode' });
    if (now < Date.parse(w.startsAt) - EARLY_JOIN_MS) {
      throw new AppError('conflict', `The workshop "${w.title}" opens for joining at ${new Date(Date.parse(w.startsAt) - EARLY_JOIN_MS).toISOString().slice(11, 16)} UTC.`, { field: 'joinCode' });
    }
    const existing = this.deps.store.findSeat(w.id, learnerId);
    if (existing) return { seat: existing, ...this.sessionOf(existing, w, learnerId), rejoined: true };
    if (w.examId && now >= Date.parse(w.examEndsAt ?? '')) {
      throw new AppError('gone', `The exam of "${w.title}" has ended: there is no time left to take it.`, { field: 'joinCode' });
    }
    const displayName = parseDisplayName(b.displayName);
    if (this.deps.store.findSeatByName(w.id, displayName)) {
      throw new AppError('conflict', `Someone already joined as "${displayName}". Add your last name or an initial.`, { field: 'displayName' });
    }
    if (this.deps.store.listSeats(w.id).length >= w.seats) {
      throw new AppError('conflict', `All ${w.seats} seats of "${w.title}" are taken. Ask your instructor to add seats.`);
    }
    this.deps.store.createLearner(learnerId);
    let seat: SeatRecord;
    try {
      seat = this.deps.store.createSeat({ id: newId(), workshopId: w.id, learnerId, displayName });
    } catch {
      throw new AppError('conflict', `Someone already joined as "${displayName}". Add your last name or an initial.`, { field: 'displayName' });
    }
    this.log.info('learner joined', { workshop: w.id, seat: seat.id });
    // One seat fewer to keep warm: the pool does not refill beyond the seats left.
    for (const ask of this.warmAsks.get(w.id) ?? []) {
      if (ask.count <= 0) continue;
      ask.count = Math.max(0, ask.count - ask.perSeat);
      this.applyWarm(ask.lab, ask.scenario);
    }
    const started = this.sessionOf(seat, w, learnerId);
    this.changed(w.id);
    return { seat, ...started, rejoined: false };
  }

  /** The learner's own view of their seat (the summary once the workshop ended). */
  seatView(workshopId: unknown, learnerId: string | undefined): SeatDto {
    const w = this.require(workshopId);
    const seat = learnerId ? this.deps.store.findSeat(w.id, learnerId) : null;
    if (!seat) throw new AppError('unauthorized', 'You have no seat in this workshop. Join with the code your instructor gave you.');
    const scenarios = this.scenariosOf(w);
    const current = this.currentSession(seat, w);
    const scenario = scenarios[seat.scenarioIndex];
    const deadline = w.timeLimitMinutes && current ? new Date(Date.parse(current.createdAt) + (w.timeLimitMinutes + seat.extraMinutes) * 60_000).toISOString() : null;
    const attempt = this.deps.exams && w.examId ? (this.deps.exams.listForSeat(seat.id)[0] ?? null) : undefined;
    const examSession = attempt ? this.examSessionOf(attempt.id) : null;
    return {
      workshopId: w.id,
      title: w.title,
      state: this.isOver(w, Date.now()) ? 'ended' : 'open',
      seatId: seat.id,
      displayName: seat.displayName,
      scenarioIndex: seat.scenarioIndex,
      scenarios: scenarios.map((s) => ({ id: s.id, title: s.title })),
      sessionId: current?.id ?? examSession?.id ?? null,
      token: current ? this.deps.sessions.tokenFor(current) : examSession ? this.deps.sessions.tokenFor(examSession) : null,
      scenarioDeadline: scenario ? deadline : null,
      endsAt: w.endsAt,
      summary: scenarios.flatMap((s) => {
        const latest = seatFacts(this.deps.store, seat, s.id).latest;
        return s.tasks.map((t) => ({ scenarioId: s.id, taskId: t.id, title: t.title, weight: t.weight, passed: latest?.result.tasks.find((x) => x.id === t.id)?.passed ?? false }));
      }),
      ...(attempt !== undefined ? { exam: attempt ? { attemptId: attempt.id, url: examUrl(attempt.id) } : null } : {}),
    };
  }

  /** The first cluster's session of an exam attempt. */
  private examSessionOf(attemptId: string): SessionRecord | null {
    const a = this.deps.exams?.get(attemptId);
    if (!a || !this.deps.exams) return null;
    const plan = this.deps.exams.planOf(a);
    return this.deps.sessions.get(plan.sessions[plan.clusters[0]?.name ?? ''] ?? '');
  }

  /** Move a learner on to the workshop's next scenario (their current lab is graded and closed). */
  async next(workshopId: unknown, learnerId: string | undefined): Promise<SeatDto> {
    const w = this.require(workshopId);
    const seat = learnerId ? this.deps.store.findSeat(w.id, learnerId) : null;
    if (!seat) throw new AppError('unauthorized', 'You have no seat in this workshop.');
    if (this.isOver(w, Date.now())) throw new AppError('gone', 'The workshop has ended.');
    if (w.examId) throw new AppError('conflict', 'This workshop is a mock exam: its questions are all on your exam page.');
    if (seat.scenarioIndex + 1 >= w.scenarios.length) throw new AppError('conflict', 'This is the last scenario of the workshop.');
    const current = this.currentSession(seat, w);
    if (current && (ACTIVE as readonly string[]).includes(current.state)) await this.closeSession(current, 'Moved on to the next scenario.');
    this.deps.store.updateSeat(seat.id, { scenarioIndex: seat.scenarioIndex + 1 });
    const moved = this.deps.store.getSeat(seat.id) as SeatRecord;
    this.sessionOf(moved, w, seat.learnerId);
    this.changed(w.id);
    return this.seatView(w.id, learnerId);
  }

  broadcast(workshopId: string, message: unknown): number {
    const w = this.require(workshopId);
    if (typeof message !== 'string' || message.trim() === '' || message.length > 500) {
      throw new AppError('bad_request', 'message must be 1 to 500 characters.', { field: 'message' });
    }
    const seats = this.deps.store.listSeats(w.id);
    const ids = seats.flatMap((seat) => this.deps.store.listSessions({ seatId: seat.id, states: [...ACTIVE] }).map((s) => s.id));
    if (this.deps.exams) ids.push(...liveExamSessions(this.deps.exams, this.deps.sessions, seats));
    this.deps.sessions.notify(ids, message.trim());
    this.log.info('broadcast', { workshop: w.id, to: ids.length });
    return ids.length;
  }

  /**
   * Re-run the learner's current scenario on a clean cluster; a lab that ended (time up, stopped)
   * starts afresh. Resets of one seat run one after the other, so two clicks never leave two clusters.
   */
  async reset(workshopId: string, seatId: unknown): Promise<void> {
    const { w, seat } = this.seatOf(workshopId, seatId);
    if (w.examId) throw new AppError('conflict', 'An exam seat cannot be reset: as in the real exam, the candidate keeps their clusters until the end.');
    const previous = this.seatQueue.get(seat.id) ?? Promise.resolve();
    const run = previous.then(() => this.resetNow(workshopId, seat.id));
    const settled = run.catch(() => undefined);
    this.seatQueue.set(seat.id, settled);
    void settled.then(() => {
      if (this.seatQueue.get(seat.id) === settled) this.seatQueue.delete(seat.id);
    });
    await run;
  }

  private async resetNow(workshopId: string, seatId: string): Promise<void> {
    const { w, seat } = this.seatOf(workshopId, seatId);
    if (this.isOver(w, Date.now())) throw new AppError('gone', `The workshop "${w.title}" has ended; its labs cannot be reset.`);
    const scenarioId = w.scenarios[seat.scenarioIndex];
    if (!scenarioId) throw new AppError('conflict', 'This seat has finished every scenario.');
    const current = this.currentSession(seat, w);
    if (current && current.state !== 'ended') {
      await this.deps.sessions.reset(current.id);
    } else {
      this.deps.sessions.startForSeat(seat.learnerId, scenarioId, seat.id);
      // The learner's page still shows the ended lab: tell it to follow the seat to the new one.
      if (current) this.deps.sessions.seatChanged(current.id, { workshopId: w.id, state: 'open', reason: 'Your instructor started this scenario again on a clean cluster.' });
    }
    this.log.info('seat reset', { workshop: w.id, seat: seat.id, fresh: !current || current.state === 'ended' });
    this.changed(w.id);
  }

  extend(workshopId: string, seatId: unknown, minutes: unknown): SeatRecord {
    const { w, seat } = this.seatOf(workshopId, seatId);
    if (w.examId) throw new AppError('conflict', "The exam's clock is shared by the whole workshop: one seat cannot get more time.");
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      throw new AppError('bad_request', 'minutes must be a whole number from 1 to 240.', { field: 'minutes' });
    }
    this.deps.store.updateSeat(seat.id, { extraMinutes: seat.extraMinutes + minutes });
    const current = this.currentSession(seat, w);
    if (current) this.deps.sessions.seatChanged(current.id, { workshopId: w.id, state: 'open', reason: `Your instructor gave you ${minutes} more minutes.` });
    this.changed(w.id);
    return this.deps.store.getSeat(seat.id) as SeatRecord;
  }

  /** End now: a final check of every running lab, then every cluster is deleted. Idempotent. */
  async end(workshopId: string, reason = 'The workshop has ended.'): Promise<void> {
    const w = this.require(workshopId);
    this.deps.store.endWorkshop(w.id);
    this.releaseWarm(w.id);
    const seats = this.deps.store.listSeats(w.id);
    const running = seats.flatMap((seat) => this.deps.store.listSessions({ seatId: seat.id, states: [...ACTIVE] }));
    const exams = this.deps.exams;
    // Every exam still open is graded once (or called off while its clusters were being prepared).
    const attempts = exams ? openAttempts(exams, seats) : [];
    await Promise.all([
      ...running.map((s) => this.closeSession(s, reason)),
      ...attempts.map((a) => exams?.endForWorkshop(a.id, reason).catch((e: unknown) => this.log.error('exam end failed', { attempt: a.id, err: e }))),
    ]);
    for (const s of running) this.deps.sessions.seatChanged(s.id, { workshopId: w.id, state: 'ended', reason });
    this.log.info('workshop ended', { workshop: w.id, sessions: running.length, exams: attempts.length });
    this.changed(w.id);
  }

  exportRows(workshopId: string) {
    const w = this.require(workshopId);
    if (w.examId && this.deps.exams) return examExportRows(this.deps.exams, w, this.deps.store.listSeats(w.id));
    return exportRows(this.deps.store, w, this.scenariosOf(w));
  }

  /** After a (re)start: warm the pool again for open workshops and start the timers. */
  resume(): void {
    for (const w of this.deps.store.listWorkshops()) {
      if (w.state !== 'open') continue;
      if (this.isOver(w, Date.now())) void this.end(w.id);
      else {
        const taken = this.deps.store.listSeats(w.id).length;
        this.warm(w, { warmClusters: Math.max(0, w.seats - taken) });
      }
    }
    if (!this.ticker) {
      this.ticker = setInterval(() => void this.tick(), this.deps.tickMs ?? 5000);
      this.ticker.unref();
    }
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.events.removeAllListeners();
  }

  /** Ends workshops past their end, closes labs past their time limit, runs background checks. */
  async tick(now = Date.now()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const w of this.deps.store.listWorkshops()) {
        if (w.state !== 'open') continue;
        if (this.isOver(w, now)) {
          await this.end(w.id);
          continue;
        }
        await this.enforceTimeLimits(w, now);
        if (w.backgroundCheckSeconds && now - (this.lastBackground.get(w.id) ?? 0) >= w.backgroundCheckSeconds * 1000) {
          this.lastBackground.set(w.id, now);
          await this.backgroundCheck(w);
        }
      }
    } catch (e) {
      this.log.error('workshop tick failed', { err: e });
    } finally {
      this.ticking = false;
    }
  }

  private async enforceTimeLimits(w: WorkshopRecord, now: number): Promise<void> {
    if (!w.timeLimitMinutes) return;
    for (const seat of this.deps.store.listSeats(w.id)) {
      const current = this.currentSession(seat, w);
      if (!current || current.state !== 'ready') continue;
      const deadline = Date.parse(current.createdAt) + (w.timeLimitMinutes + seat.extraMinutes) * 60_000;
      if (now < deadline) continue;
      await this.closeSession(current, 'Time is up for this scenario. Your results are kept.');
      this.deps.sessions.seatChanged(current.id, { workshopId: w.id, state: 'open', reason: 'Time is up for this scenario.' });
      this.changed(w.id);
    }
  }

  private async backgroundCheck(w: WorkshopRecord): Promise<void> {
    await this.deps.sessions.gradeInBackground(this.deps.store.listSeats(w.id).flatMap((seat) => this.deps.store.listSessions({ seatId: seat.id, states: ['ready'] })));
  }

  private async closeSession(s: SessionRecord, reason: string): Promise<void> {
    if (s.state === 'ready') await this.deps.sessions.grade(s.id, 'background').catch((e: unknown) => this.log.warn('final check failed', { session: s.id, err: e }));
    await this.deps.sessions.stop(s.id, reason).catch((e: unknown) => this.log.error('stop failed', { session: s.id, err: e }));
  }

  /** The seat's session for its current scenario, started when it has none. */
  private sessionOf(seat: SeatRecord, w: WorkshopRecord, learnerId: string): { session: SessionRecord; token: string; exam: { attemptId: string; url: string } | null } {
    if (w.examId) {
      if (!this.deps.exams) throw new AppError('conflict', 'This server has no mock exams: it cannot run this workshop.');
      const { attempt, session, token } = seatAttempt(this.deps.exams, this.deps.sessions, w, seat);
      return { session, token, exam: { attemptId: attempt.id, url: examUrl(attempt.id) } };
    }
    return { ...this.practiceSessionOf(seat, w, learnerId), exam: null };
  }

  private practiceSessionOf(seat: SeatRecord, w: WorkshopRecord, learnerId: string): { session: SessionRecord; token: string } {
    const scenarioId = w.scenarios[seat.scenarioIndex];
    if (!scenarioId) throw new AppError('conflict', 'This seat has finished every scenario.');
    const current = this.currentSession(seat, w);
    if (current && current.state !== 'failed') return { session: current, token: this.deps.sessions.tokenFor(current) };
    return this.deps.sessions.startForSeat(learnerId, scenarioId, seat.id);
  }

  private currentSession(seat: SeatRecord, w: WorkshopRecord): SessionRecord | null {
    const scenarioId = w.scenarios[seat.scenarioIndex];
    return this.deps.store.listSessions({ seatId: seat.id }).find((s) => s.scenarioId === scenarioId) ?? null;
  }

  private seatOf(workshopId: string, seatId: unknown): { w: WorkshopRecord; seat: SeatRecord } {
    const w = this.require(workshopId);
    const seat = typeof seatId === 'string' ? this.deps.store.getSeat(seatId) : null;
    if (!seat || seat.workshopId !== w.id) throw new AppError('not_found', 'No such seat in this workshop.');
    return { w, seat };
  }

  private byCode(code: unknown): WorkshopRecord {
    const c = parseJoinCode(code);
    const w = this.deps.store.getWorkshopByCode(c);
    if (!w) throw new AppError('not_found', `No workshop has the join code ${c}. Check it with your instructor.`, { field: 'joinCode' });
    return w;
  }

  private isOver(w: WorkshopRecord, now: number): boolean {
    return w.state === 'ended' || now >= Date.parse(w.endsAt);
  }

  private scenariosOf(w: WorkshopRecord): Scenario[] {
    return w.scenarios.map((id) => this.deps.catalog.get(id)).filter((s): s is Scenario => s !== undefined);
  }

  private uniqueCode(): string {
    for (;;) {
      const code = Array.from({ length: 6 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
      if (!this.deps.store.getWorkshopByCode(code)) return code;
    }
  }

  /** Ask the pool for warm clusters for the first scenario's lab; say so when the host is too small. */
  private warm(w: WorkshopRecord, spec: Pick<WorkshopSpec, 'warmClusters'>): string | null {
    if (spec.warmClusters <= 0) return null;
    if (w.examId) {
      // An exam attempt takes plain clusters of its labs (each gets the setups of its questions).
      const perLab = this.deps.exams ? clustersPerLab(this.deps.exams, w.examId) : new Map<string, number>();
      const asks = [...perLab].map(([lab, perSeat]) => ({ lab, scenario: undefined, perSeat, count: perSeat * spec.warmClusters }));
      this.warmAsks.set(w.id, asks);
      return asks.map((a) => this.applyWarm(a.lab, a.scenario)).filter((m) => m !== null).join(' ') || null;
    }
    const first = this.deps.catalog.get(w.scenarios[0] ?? '');
    if (!first) return null;
    // Seats are prepared with the first scenario's setup already run: a learner who joins only
    // gets the cluster handed over.
    this.warmAsks.set(w.id, [{ lab: first.lab, scenario: first.id, count: spec.warmClusters, perSeat: 1 }]);
    return this.applyWarm(first.lab, first.id);
  }

  private releaseWarm(workshopId: string): void {
    const asks = this.warmAsks.get(workshopId);
    if (!asks) return;
    this.warmAsks.delete(workshopId);
    for (const ask of asks) this.applyWarm(ask.lab, ask.scenario);
  }

  private applyWarm(lab: string, scenario: string | undefined): string | null {
    const key = scenario ? `${lab}/${scenario}` : lab;
    if (!this.warmBase.has(key)) this.warmBase.set(key, this.deps.pool.status().labs.find((l) => l.lab === key)?.target ?? 0);
    const total = [...this.warmAsks.values()].flat().filter((a) => a.lab === lab && a.scenario === scenario).reduce((n, a) => n + a.count, 0);
    return this.deps.pool.setTarget(lab, (this.warmBase.get(key) ?? 0) + total, scenario).message;
  }

  private changedBySession(sessionId: string): void {
    const session = this.deps.store.getSession(sessionId);
    const attemptId = session?.examAttemptId;
    this.changedBySeat(session?.seatId ?? (attemptId ? this.deps.exams?.get(attemptId)?.seatId : null));
  }

  private changedBySeat(seatId: string | null | undefined): void {
    if (!seatId) return;
    const seat = this.deps.store.getSeat(seatId);
    if (seat) this.changed(seat.workshopId);
  }

  private changed(workshopId: string): void {
    this.events.emit('changed', workshopId);
  }
}
