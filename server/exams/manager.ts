/**
 * Mock exam attempts: provisioning every planned cluster, the server-owned clock (it starts when
 * every cluster is ready and survives reloads and restarts), flags, and grading every question on
 * its own cluster exactly once — at Finish or when the time runs out — with results hidden until
 * then. After the end the clusters stay up for the exam's review period, then they are stopped.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError } from '../errors.js';
import { toGradeJson, type GradeJson } from '../grading/index.js';
import type { ClusterProvider } from '../clusters/types.js';
import { contextsKubeconfig, parseClusterCredentials, type ClusterCredentials } from '../kube/clusterCredentials.js';
import type { Logger } from '../log/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import { applyParams } from '../scenarios/params.js';
import type { SessionManager } from '../sessions/index.js';
import type { ExamAttemptRecord, ExamTables } from '../store/examTables.js';
import { planExam } from './planner.js';
import type { ExamDefinition, ExamPlan } from './types.js';

/** The plan as stored with an attempt: which session runs each planned cluster. */
export interface StoredPlan extends ExamPlan {
  sessions: Record<string, string>;
}

export interface QuestionResult {
  number: number;
  scenarioId: string;
  domain: string;
  weight: number;
  /** Points earned: the question's weight × the share of the scenario's task points earned. */
  score: number;
  passed: boolean;
  /** Seconds the candidate spent on this question (from the questions they opened, by the server's clock). */
  seconds: number;
  /** Every task and check with expected vs found (⚑ grade JSON). */
  grade: GradeJson | null;
  /** Why it could not be graded (its cluster was gone), when it could not. */
  error?: string;
}

export interface ExamResult {
  score: number;
  maxScore: number;
  percent: number;
  passPercent: number;
  passed: boolean;
  byDomain: { domain: string; score: number; maxScore: number }[];
  questions: QuestionResult[];
  /** `finish` (the learner), `timeout` (the server's clock) or `workshop` (the instructor ended the workshop). */
  endedBy: EndedBy;
}

export type EndedBy = 'finish' | 'timeout' | 'workshop';

/** An attempt that belongs to a workshop seat and runs on the workshop's shared clock. */
export interface SeatClock {
  seatId: string;
  /** The clock starts no earlier than this (the workshop's start)… */
  opensAt: string;
  /** …and ends here for every seat (late joiners get less time). */
  closesAt: string;
}

export interface ExamManagerDeps {
  store: ExamTables;
  /** Writes every cluster's context onto each exam node (absent: no contexts, e.g. in-memory tests). */
  provider?: Pick<ClusterProvider, 'kubeconfig' | 'nodeExec' | 'internalApiServer'>;
  sessions: SessionManager;
  catalog: ScenarioCatalog;
  exams: () => ExamDefinition[];
  logger: Logger;
  clusterMemoryMiB: number;
  /** Milliseconds in an exam minute (tests shrink it); 60 000 in production. */
  minuteMs?: number;
  now?: () => number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Run on each exam node (a fixed script; the kubeconfig comes on stdin). */
const WRITE_CONTEXTS = [
  'set -e',
  'umask 077',
  'mkdir -p /root/.kube',
  'cat > /root/.kube/config',
  "printf '%s\\n' '# CKS Lab mock exam: every cluster of the exam is a kubectl context (kubectl config get-contexts)' 'export KUBECONFIG=/root/.kube/config' > /etc/profile.d/cks-exam.sh",
  'chmod 644 /etc/profile.d/cks-exam.sh',
].join('\n');

export class ExamManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly grading = new Map<string, Promise<ExamResult | null>>();
  private readonly preparing = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly minuteMs: number;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(private readonly deps: ExamManagerDeps) {
    this.minuteMs = deps.minuteMs ?? 60_000;
    this.now = deps.now ?? Date.now;
    this.unsubscribe = deps.sessions.on('state', (sessionId) => this.onSessionState(sessionId));
  }

  /** The exam definitions the catalog can fill now, with what an attempt needs; others with why not. */
  list(): { exam: ExamDefinition; plan: ExamPlan | null; unavailable: string | null }[] {
    return this.deps.exams().map((exam) => {
      try {
        return { exam, plan: planExam(exam, this.deps.catalog, { clusterMemoryMiB: this.deps.clusterMemoryMiB }), unavailable: null };
      } catch (e) {
        return { exam, plan: null, unavailable: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  /** `fn` runs whenever an attempt's state changes (its clock started, it was graded, it failed). */
  onChange(fn: (attempt: ExamAttemptRecord) => void): () => void {
    this.events.on('change', fn);
    return () => this.events.off('change', fn);
  }

  /** When a clock that starts at `startsAt` runs out for `exam` (the shared end of a workshop's exam). */
  clockEnd(exam: ExamDefinition, startsAt: string): string {
    return new Date(Date.parse(startsAt) + exam.durationMinutes * this.minuteMs).toISOString();
  }

  /** A seat's attempts, newest first. */
  listForSeat(seatId: string): ExamAttemptRecord[] {
    return this.deps.store.list({ seatId });
  }

  /**
   * Start an attempt: plan it, create its clusters; the clock starts when they are all ready —
   * or, for a workshop seat (`seat`), at the workshop's start, and it ends at the shared end.
   */
  start(learnerId: string, examId: unknown, seat?: SeatClock): ExamAttemptRecord {
    if (typeof examId !== 'string' || !examId) throw new AppError('bad_request', 'exam is required: the id of a mock exam from GET /api/exams.', { field: 'exam' });
    const exam = this.deps.exams().find((e) => e.id === examId);
    if (!exam) throw new AppError('not_found', `Unknown exam "${examId}". Exams: ${this.deps.exams().map((e) => e.id).join(', ') || '(none)'}`, { field: 'exam' });
    // A workshop seat is its own limit (the learner's own exams do not block the instructor's).
    const open = seat ? [] : this.deps.store.list({ learnerId, states: ['provisioning', 'running', 'grading'] });
    if (open.length > 0) throw new AppError('conflict', 'You already have a mock exam in progress: finish it before starting another.');
    const plan = planExam(exam, this.deps.catalog, { clusterMemoryMiB: this.deps.clusterMemoryMiB });
    const id = randomBytes(9).toString('base64url');
    const stored: StoredPlan = { ...plan, sessions: {} };
    this.deps.store.create({ id, learnerId, examId: exam.id, plan: JSON.stringify(stored), ...(seat ? { seatId: seat.seatId, opensAt: seat.opensAt, closesAt: seat.closesAt } : {}) });
    try {
      for (const c of plan.clusters) {
        const setups = plan.questions.filter((q) => q.cluster === c.name).map((q) => applyParams(this.deps.catalog.require(q.scenarioId), q.params));
        stored.sessions[c.name] = this.deps.sessions.startForExam(learnerId, id, setups).session.id;
        this.deps.store.setPlan(id, JSON.stringify(stored));
      }
    } catch (e) {
      this.fail(id, e instanceof Error ? e.message : String(e));
      throw e;
    }
    return this.require(id);
  }

  get(attemptId: string): ExamAttemptRecord | null {
    return this.deps.store.get(attemptId);
  }

  /** The attempt, or 404; only its learner may see it. */
  owned(attemptId: unknown, learnerId: string | undefined): ExamAttemptRecord {
    const a = typeof attemptId === 'string' ? this.deps.store.get(attemptId) : null;
    if (!a || !learnerId || a.learnerId !== learnerId) throw new AppError('not_found', 'No such exam attempt. Start a mock exam from the catalog.');
    return a;
  }

  planOf(a: ExamAttemptRecord): StoredPlan {
    return JSON.parse(a.plan) as StoredPlan;
  }

  /** Milliseconds left on the server's clock (null before it starts, 0 once the exam has ended). */
  remainingMs(a: ExamAttemptRecord): number | null {
    if (!a.endsAt) return null;
    if (a.state !== 'running') return 0;
    return Math.max(0, Date.parse(a.endsAt) - this.now());
  }

  flag(attemptId: string, question: unknown, flagged: unknown): number[] {
    const a = this.require(attemptId);
    if (a.state !== 'running') throw new AppError('conflict', `The exam is ${a.state}; flags can change while it runs.`);
    const plan = this.planOf(a);
    if (typeof question !== 'number' || !plan.questions.some((q) => q.number === question)) throw new AppError('bad_request', `question must be a question number from 1 to ${plan.questions.length}.`, { field: 'question' });
    if (typeof flagged !== 'boolean') throw new AppError('bad_request', 'flagged must be true or false.', { field: 'flagged' });
    const flags = new Set(JSON.parse(a.flags) as number[]);
    if (flagged) flags.add(question);
    else flags.delete(question);
    const list = [...flags].sort((x, y) => x - y);
    this.deps.store.setFlags(a.id, list);
    return list;
  }

  /** The candidate opened `question` (time spent per question is counted from these, by the server's clock). */
  view(attemptId: string, question: unknown): void {
    const a = this.require(attemptId);
    if (a.state !== 'running') return;
    if (typeof question !== 'number' || !this.planOf(a).questions.some((q) => q.number === question)) {
      throw new AppError('bad_request', 'question must be a question number of this exam.', { field: 'question' });
    }
    this.deps.store.addView(a.id, question, this.now());
  }

  /** End the exam now (the learner's Finish): grades every question once; later calls get the same result. */
  async finish(attemptId: string): Promise<ExamResult> {
    const a = this.require(attemptId);
    if (a.state === 'provisioning') throw new AppError('conflict', 'The exam has not started yet: its clusters are still being prepared.');
    if (a.state === 'failed') throw new AppError('conflict', a.error ?? 'This exam attempt failed.');
    const r = await this.end(attemptId, 'finish');
    if (!r) throw new AppError('conflict', 'The exam could not be graded.');
    return r;
  }

  /** A learner's past and current attempts, newest first, with their scores once graded. */
  history(learnerId: string): { id: string; exam: string; state: string; createdAt: string; score: number | null; maxScore: number | null; passed: boolean | null }[] {
    return this.deps.store.list({ learnerId }).map((a) => {
      const r = this.resultOf(a);
      return { id: a.id, exam: a.examId, state: a.state, createdAt: a.createdAt, score: r?.score ?? null, maxScore: r?.maxScore ?? null, passed: r?.passed ?? null };
    });
  }

  resultOf(a: ExamAttemptRecord): ExamResult | null {
    return a.state === 'finished' && a.result ? (JSON.parse(a.result) as ExamResult) : null;
  }

  /**
   * End an attempt because its workshop ended: a running one is graded once (`workshop`; a Finish
   * or the timer racing it still grades once), one still being prepared is called off; then its
   * clusters stop (the results stay).
   */
  async endForWorkshop(attemptId: string, reason: string): Promise<ExamResult | null> {
    const a = this.require(attemptId);
    let result: ExamResult | null = null;
    if (a.state === 'provisioning') this.fail(attemptId, reason);
    else if (a.state !== 'failed') result = await this.end(attemptId, 'workshop');
    clearTimeout(this.timers.get(attemptId));
    this.timers.delete(attemptId);
    const after = this.require(attemptId);
    await Promise.all(this.liveSessions(after).map((id) => this.deps.sessions.stop(id, reason).catch(() => undefined)));
    return result;
  }

  /** After a restart: running clocks go on (an exam whose time ran out meanwhile is graded now). */
  resume(): void {
    for (const a of this.deps.store.list({ states: ['running', 'grading', 'provisioning'] })) {
      if (a.state === 'provisioning') this.checkReady(a.id);
      else if (a.state === 'grading') void this.grade(a.id, 'timeout');
      else this.schedule(a);
    }
    // Finished attempts whose clusters are still up (their review period had not ended at the stop).
    for (const a of this.deps.store.list({ states: ['finished'] })) if (this.liveSessions(a).length > 0) this.scheduleReviewEnd(a);
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.events.removeAllListeners();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private onSessionState(sessionId: string): void {
    const s = this.deps.sessions.get(sessionId);
    if (s?.examAttemptId) this.checkReady(s.examAttemptId);
  }

  /** All clusters ready → the clock starts; one failed → the attempt fails and its clusters stop. */
  private checkReady(attemptId: string): void {
    const a = this.deps.store.get(attemptId);
    if (!a || a.state !== 'provisioning') return;
    const plan = this.planOf(a);
    if (Object.keys(plan.sessions).length < plan.clusters.length) return;
    const states = Object.values(plan.sessions).map((id) => this.deps.sessions.get(id));
    const failed = states.find((s) => !s || s.state === 'failed' || s.state === 'ended');
    if (failed) {
      this.fail(attemptId, `A cluster of the exam could not be prepared${failed?.error ? `: ${failed.error}` : ''}. Start the exam again.`);
      return;
    }
    if (!states.every((s) => s?.state === 'ready') || this.preparing.has(attemptId)) return;
    this.preparing.add(attemptId);
    // Every exam node gets every cluster as a kubectl context before the clock starts.
    void this.writeContexts(plan)
      .catch((e: unknown) => this.deps.logger.warn('exam contexts could not be written', { attempt: attemptId, err: e }))
      .finally(() => {
        this.preparing.delete(attemptId);
        this.startClock(attemptId);
      });
  }

  /** Start the clock now — or, on a shared clock, at its opening (and always end at its close). */
  private startClock(attemptId: string): void {
    const a = this.deps.store.get(attemptId);
    if (this.disposed || !a || a.state !== 'provisioning') return;
    const start = this.now();
    const opens = a.opensAt ? Date.parse(a.opensAt) : start;
    if (start < opens) {
      this.timerAt(attemptId, opens, () => this.startClock(attemptId));
      return;
    }
    const ends = a.closesAt ? Date.parse(a.closesAt) : start + (this.definition(a.examId)?.durationMinutes ?? 120) * this.minuteMs;
    if (this.deps.store.startClock(attemptId, new Date(start), new Date(ends))) {
      this.deps.logger.info('exam started', { attempt: attemptId, exam: a.examId });
      const started = this.require(attemptId);
      this.schedule(started);
      this.events.emit('change', started);
    }
  }

  /**
   * `/root/.kube/config` on each exam node with a context per exam cluster (cks1, cks2 …; the
   * node's own is current), reaching the others at their internal address with the credentials
   * captured at creation, and a login-shell profile pointing KUBECONFIG at it — so
   * `kubectl config use-context cks2` works as on the exam.
   */
  private async writeContexts(plan: StoredPlan): Promise<void> {
    const provider = this.deps.provider;
    if (!provider?.internalApiServer || plan.clusters.length === 0) return;
    const entries: { name: string; node: string; credentials: ClusterCredentials }[] = [];
    for (const c of plan.clusters) {
      const s = this.deps.sessions.get(plan.sessions[c.name] ?? '');
      if (!s) return;
      const captured = parseClusterCredentials(await provider.kubeconfig(s.clusterName), { source: `the credentials of ${c.name}` });
      entries.push({ name: c.name, node: s.clusterName, credentials: { ...captured, server: await provider.internalApiServer(s.clusterName) } });
    }
    for (const e of entries) {
      const out = await provider.nodeExec(e.node, ['bash', '-c', WRITE_CONTEXTS], { input: contextsKubeconfig(entries, e.name), timeoutMs: 30_000 });
      if (out.exitCode !== 0) throw new Error(`writing the exam contexts on ${e.name} failed: ${out.stderr.trim().slice(-300)}`);
    }
  }

  private schedule(a: ExamAttemptRecord): void {
    if (this.disposed || !a.endsAt) return;
    this.timerAt(a.id, Date.parse(a.endsAt), () => void this.end(a.id, 'timeout'));
  }

  /** The attempt's one timer (its clock, then its review period), at `at` by the server's clock. */
  private timerAt(attemptId: string, at: number, fn: () => void): void {
    clearTimeout(this.timers.get(attemptId));
    const t = setTimeout(fn, Math.max(0, at - this.now()));
    t.unref();
    this.timers.set(attemptId, t);
  }

  /** The attempt's clusters that are still up (provisioning or ready). */
  private liveSessions(a: ExamAttemptRecord): string[] {
    return Object.values(this.planOf(a).sessions).filter((id) => {
      const st = this.deps.sessions.get(id)?.state;
      return st === 'ready' || st === 'provisioning';
    });
  }

  private end(attemptId: string, endedBy: EndedBy): Promise<ExamResult | null> {
    const a = this.require(attemptId);
    if (a.state === 'finished') return Promise.resolve(this.resultOf(a));
    if (a.state === 'grading') return this.grading.get(attemptId) ?? this.grade(attemptId, endedBy);
    if (!this.deps.store.beginGrading(attemptId)) return this.grading.get(attemptId) ?? Promise.resolve(this.resultOf(this.require(attemptId)));
    return this.grade(attemptId, endedBy);
  }

  /** Grade every question on its own cluster, once; store the result; keep the clusters for review. */
  private grade(attemptId: string, endedBy: EndedBy): Promise<ExamResult | null> {
    const running = this.grading.get(attemptId);
    if (running) return running;
    const run = (async () => {
      clearTimeout(this.timers.get(attemptId));
      const a = this.require(attemptId);
      const plan = this.planOf(a);
      const exam = this.definition(a.examId);
      const seconds = timeSpent(a, this.now());
      const questions = await Promise.all(
        plan.questions.map(async (q): Promise<QuestionResult> => {
          const base = { number: q.number, scenarioId: q.scenarioId, domain: q.domain, weight: q.weight, seconds: seconds.get(q.number) ?? 0 };
          try {
            const grade = await this.deps.sessions.gradeScenario(plan.sessions[q.cluster] as string, applyParams(this.deps.catalog.require(q.scenarioId), q.params));
            const share = grade.maxScore > 0 ? grade.score / grade.maxScore : 0;
            return { ...base, score: round1(q.weight * share), passed: grade.passed, grade: toGradeJson(grade) };
          } catch (e) {
            return { ...base, score: 0, passed: false, grade: null, error: e instanceof Error ? e.message : String(e) };
          }
        }),
      );
      const maxScore = questions.reduce((n, q) => n + q.weight, 0);
      const score = round1(questions.reduce((n, q) => n + q.score, 0));
      const percent = maxScore > 0 ? round1((score / maxScore) * 100) : 0;
      const passPercent = exam?.passPercent ?? 67;
      const domains = [...new Set(questions.map((q) => q.domain))];
      const result: ExamResult = {
        score,
        maxScore,
        percent,
        passPercent,
        passed: percent >= passPercent,
        byDomain: domains.map((domain) => {
          const qs = questions.filter((q) => q.domain === domain);
          return { domain, score: round1(qs.reduce((n, q) => n + q.score, 0)), maxScore: qs.reduce((n, q) => n + q.weight, 0) };
        }),
        questions,
        endedBy,
      };
      this.deps.store.finish(attemptId, JSON.stringify(result));
      this.deps.logger.info('exam graded', { attempt: attemptId, exam: a.examId, score, maxScore, endedBy });
      const finished = this.require(attemptId);
      this.scheduleReviewEnd(finished);
      this.events.emit('change', finished);
      return result;
    })();
    this.grading.set(attemptId, run);
    void run.finally(() => this.grading.delete(attemptId)).catch(() => undefined);
    return run;
  }

  /** The clusters stay for the review period after the end, then stop. */
  private scheduleReviewEnd(a: ExamAttemptRecord): void {
    if (this.disposed || !a.finishedAt) return;
    const exam = this.definition(a.examId);
    const at = Date.parse(a.finishedAt) + (exam?.reviewMinutes ?? 30) * this.minuteMs;
    this.timerAt(a.id, at, () => {
      for (const id of this.liveSessions(a)) void this.deps.sessions.stop(id, 'The review period of your mock exam is over. Your results are kept.').catch(() => undefined);
    });
  }

  private fail(attemptId: string, message: string): void {
    this.deps.store.fail(attemptId, message);
    const a = this.deps.store.get(attemptId);
    if (!a) return;
    for (const id of Object.values(this.planOf(a).sessions)) void this.deps.sessions.stop(id, message).catch(() => undefined);
    this.events.emit('change', a);
  }

  /** The exam's title (its id when the definition is gone). */
  titleOf(examId: string): string {
    return this.definition(examId)?.title ?? examId;
  }

  private definition(examId: string): ExamDefinition | undefined {
    return this.deps.exams().find((e) => e.id === examId);
  }

  private require(attemptId: string): ExamAttemptRecord {
    const a = this.deps.store.get(attemptId);
    if (!a) throw new AppError('not_found', 'No such exam attempt.');
    return a;
  }
}

/** Seconds per question: from each view to the next one (or the end), within the exam's clock. */
function timeSpent(a: ExamAttemptRecord, now: number): Map<number, number> {
  const out = new Map<number, number>();
  if (!a.startedAt) return out;
  const start = Date.parse(a.startedAt);
  const end = Math.min(now, a.endsAt ? Date.parse(a.endsAt) : now);
  let views: [number, number][] = [];
  try {
    views = (JSON.parse(a.views) as [number, number][]).filter((v) => Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number');
  } catch {
    views = [];
  }
  views.forEach(([q, at], i) => {
    const from = Math.max(start, at);
    const to = Math.min(end, views[i + 1]?.[1] ?? end);
    if (to > from) out.set(q, (out.get(q) ?? 0) + Math.round((to - from) / 1000));
  });
  return out;
}
