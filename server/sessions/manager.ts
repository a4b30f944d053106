import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { runNodeScript } from '../clusters/nodeScript.js';
import { applyParams, ParamError, resolveParams, scriptEnv } from '../scenarios/params.js';
import { WARM_HIT } from '../clusters/pool.js';
import type { ClusterProvider, Lab, ProvisionProgress } from '../clusters/types.js';
import { AppError, isAppError } from '../errors.js';
import type { ClusterProbes, GradeResult } from '../grading/types.js';
import type { Logger } from '../log/index.js';
import type { Scenario } from '../scenarios/types.js';
import type { AttemptSource, SessionRecord } from '../store/types.js';
import type { Terminal, TerminalClient, TerminalWatch } from '../terminal/types.js';
import { SessionTokens, newClusterName, newId } from './tokens.js';
import type { SessionEvents, SessionManagerDeps } from './types.js';

const ACTIVE = ['provisioning', 'ready'] as const;

/** Activity is written to the store at most this often per session. */
const TOUCH_EVERY_MS = 15_000;

/** Run a scenario's setup on the cluster's node; a failure is an AppError with the script's last lines. */
export async function runSetup(provider: ClusterProvider, cluster: string, scenario: Scenario, timeoutMs: number): Promise<void> {
  const out = await runNodeScript(provider, cluster, scenario.setupScript, { timeoutMs, tailLines: 5, env: scriptEnv(scenario) });
  if (out.exitCode !== 0) throw new AppError('cluster_failed', `The scenario's setup failed (exit code ${out.exitCode}): ${out.tail}`);
}

/** Live, in-memory part of a session (the durable part is in the store). */
interface LiveSession {
  progress: ProvisionProgress[];
  abort?: AbortController;
  terminal?: Terminal;
  grading?: Promise<GradeResult>;
  lastTouch: number;
}

/**
 * Owns learner sessions end to end: provisioning (queue ▸ kind ▸ node Ready ▸ setup), the
 * terminal on the node, grading, stop, the idle reaper and start-up reconciliation.
 */
export class SessionManager {
  private readonly events = new EventEmitter();
  private readonly live = new Map<string, LiveSession>();
  private readonly tokens: SessionTokens;
  private readonly log: Logger;
  private reaper: NodeJS.Timeout | undefined;
  private autoChecker: NodeJS.Timeout | undefined;
  private availability: { at: number; value: Map<string, string | null> } | undefined;
  private disposed = false;

  constructor(private readonly deps: SessionManagerDeps) {
    this.tokens = new SessionTokens(deps.tokenKey);
    this.log = deps.logger.child({ module: 'sessions' });
    this.events.setMaxListeners(0);
  }

  on<E extends keyof SessionEvents>(event: E, fn: SessionEvents[E]): () => void {
    this.events.on(event, fn);
    return () => this.events.off(event, fn);
  }

  /** The lab of that id (labs/<id>/), or undefined. */
  lab(id: string): Lab | undefined {
    return this.deps.labs.get(id);
  }

  /** Why each lab cannot run on this host (null when it can); cached for a minute. */
  async labAvailability(): Promise<Map<string, string | null>> {
    if (this.availability && Date.now() - this.availability.at < 60_000) return this.availability.value;
    const value = new Map<string, string | null>();
    await Promise.all(
      [...this.deps.labs.values()].map(async (lab) => {
        value.set(lab.id, lab.requires.length === 0 ? null : await this.deps.provider.labSupport(lab).catch(() => null));
      }),
    );
    this.availability = { at: Date.now(), value };
    return value;
  }

  /**
   * Start a lab for a learner: returns once accepted; provisioning continues in the background.
   * `options.params` sets some of the scenario's parameters; `options.randomize` draws the others
   * from their declared choices (so answers cannot be memorised). Without either: the defaults.
   */
  async start(learnerId: string, scenarioId: unknown, options: { params?: unknown; randomize?: unknown } = {}): Promise<{ session: SessionRecord; token: string }> {
    if (typeof scenarioId === 'string' && this.deps.catalog.get(scenarioId)) {
      const lab = this.deps.labs.get(this.deps.catalog.require(scenarioId).lab);
      const reason = lab ? (await this.labAvailability()).get(lab.id) : null;
      if (reason) throw new AppError('host_unsupported', reason);
    }
    return this.startAccepted(learnerId, scenarioId, null, options);
  }

  /**
   * Start the lab of a workshop seat (no per-learner limit: the seat is the limit). A seat that
   * already has this scenario running gets that session back (rejoin from another tab).
   */
  startForSeat(learnerId: string, scenarioId: string, seatId: string): { session: SessionRecord; token: string } {
    const running = this.deps.store.listSessions({ seatId, states: [...ACTIVE] }).find((s) => s.scenarioId === scenarioId);
    if (running) return { session: running, token: this.tokens.issue(running.id, learnerId) };
    return this.startAccepted(learnerId, scenarioId, seatId);
  }

  private startAccepted(
    learnerId: string,
    scenarioId: unknown,
    seatId: string | null,
    options: { params?: unknown; randomize?: unknown } = {},
  ): { session: SessionRecord; token: string } {
    if (typeof scenarioId !== 'string' || scenarioId.length === 0) {
      throw new AppError('bad_request', 'scenarioId is required: the id of a scenario from GET /api/scenarios.', { field: 'scenarioId' });
    }
    const scenario = this.deps.catalog.require(scenarioId);
    const params = sessionParams(scenario, options);
    if (!this.deps.labs.has(scenario.lab)) {
      throw new AppError('invalid_scenario', `Scenario "${scenario.id}" needs lab "${scenario.lab}", which this server does not have.`);
    }
    const mine = this.deps.store.listSessions({ learnerId, states: [...ACTIVE] }).filter((s) => (seatId !== null || s.seatId === null) && s.examAttemptId === null);
    const same = mine.find((s) => s.scenarioId === scenario.id);
    if (same && seatId === null) return { session: same, token: this.tokens.issue(same.id, learnerId) };
    if (seatId === null && mine.length >= this.deps.settings.maxActiveSessionsPerLearner) {
      throw new AppError('conflict', `You already have ${mine.length} lab(s) running. Stop one before starting another.`);
    }
    return this.createAndProvision(learnerId, { scenarioId: scenario.id, seatId, params }, (session) => [this.scenarioOf(session)]);
  }

  /** A new session in `provisioning`, provisioned in the background with `setups` (the first is its scenario). */
  private createAndProvision(
    learnerId: string,
    fields: { scenarioId: string; seatId?: string | null; params?: Record<string, string> | null; examAttemptId?: string },
    setups: (session: SessionRecord) => Scenario[],
  ): { session: SessionRecord; token: string } {
    if (this.deps.store.listSessions({ states: [...ACTIVE] }).length >= this.deps.settings.maxActiveSessions) {
      throw new AppError('conflict', 'This server is running as many labs as it can hold. Try again in a few minutes.');
    }
    this.deps.store.createLearner(learnerId);
    const id = newId();
    const session = this.deps.store.createSession({
      id,
      learnerId,
      clusterName: newClusterName(this.deps.settings.clusterPrefix),
      state: 'provisioning',
      secretHash: 'hmac',
      ...fields,
    });
    this.live.set(id, { progress: [], lastTouch: Date.now() });
    const list = setups(session);
    void this.provision(session, list[0] as Scenario, list);
    return { session, token: this.tokens.issue(id, learnerId) };
  }

  /**
   * A cluster of a mock exam attempt: one lab, the setups of every question placed on it (each
   * rendered with the attempt's parameters). No per-learner limit and no idle reaping: the exam
   * owns it, and the learner sees no grade of it until the exam ends.
   */
  startForExam(learnerId: string, attemptId: string, setups: Scenario[]): { session: SessionRecord; token: string } {
    const first = setups[0];
    if (!first) throw new AppError('internal', 'an exam cluster needs at least one question');
    return this.createAndProvision(learnerId, { scenarioId: first.id, examAttemptId: attemptId }, () => setups);
  }

  /** Grade one scenario on a session's cluster without recording an attempt (a mock exam's own grading). */
  async gradeScenario(sessionId: string, scenario: Scenario): Promise<GradeResult> {
    const session = this.require(sessionId);
    if (session.state !== 'ready') throw new AppError('conflict', `The cluster is ${session.state}.`);
    return this.deps.grader.grade(scenario, await this.probesOf(session));
  }

  /** Probes of the session's cluster, with the credentials captured at its creation. */
  private async probesOf(session: SessionRecord): Promise<ClusterProbes> {
    return this.deps.probesFor(session.clusterName, await this.deps.provider.kubeconfig(session.clusterName));
  }

  /** Re-provision a failed session on a fresh cluster. */
  retry(sessionId: string): SessionRecord {
    const session = this.require(sessionId);
    if (session.examAttemptId) throw new AppError('conflict', 'A cluster of a mock exam cannot be retried on its own: start the exam again.');
    if (session.state !== 'failed') {
      throw new AppError('conflict', `This lab is ${session.state}; only a lab whose start failed can be retried.`);
    }
    const scenario = this.scenarioOf(session);
    this.deps.store.updateSessionState(session.id, 'provisioning');
    this.live.set(session.id, { progress: [], lastTouch: Date.now() });
    const updated = this.require(sessionId);
    void this.provision(updated, scenario);
    this.events.emit('state', session.id);
    return updated;
  }

  /** Is `token` the secret of `sessionId` for `learnerId`? Unknown sessions are simply false. */
  authorize(sessionId: unknown, learnerId: string | undefined, token: unknown): SessionRecord {
    if (typeof sessionId !== 'string' || !learnerId) throw new AppError('unauthorized', 'This lab belongs to another browser. Start your own from the catalog.');
    const session = this.deps.store.getSession(sessionId);
    if (!session || session.learnerId !== learnerId || !this.tokens.verify(sessionId, learnerId, token)) {
      throw new AppError('unauthorized', 'This lab belongs to another browser. Start your own from the catalog.');
    }
    return session;
  }

  tokenFor(session: SessionRecord): string {
    return this.tokens.issue(session.id, session.learnerId);
  }

  get(sessionId: string): SessionRecord | null {
    return this.deps.store.getSession(sessionId);
  }

  /** The learner's own labs (the clusters of their mock exams are the exam's, listed there). */
  listForLearner(learnerId: string): SessionRecord[] {
    return this.deps.store.listSessions({ learnerId }).filter((s) => s.examAttemptId === null);
  }

  progress(sessionId: string): ProvisionProgress[] {
    return [...(this.live.get(sessionId)?.progress ?? [])];
  }

  /** Note learner activity (typing, grading, attaching) so the reaper leaves the session alone. */
  touch(sessionId: string): void {
    const live = this.live.get(sessionId);
    const now = Date.now();
    if (live && now - live.lastTouch < TOUCH_EVERY_MS) return;
    if (live) live.lastTouch = now;
    this.deps.store.touchSession(sessionId, new Date(now));
  }

  /** The session's terminal on the node, created on first use. Only for ready sessions. */
  terminal(sessionId: string): Terminal {
    const session = this.require(sessionId);
    if (session.state !== 'ready') throw new AppError('conflict', `The lab is ${session.state}; the terminal opens when it is ready.`);
    const live = this.liveOf(sessionId);
    if (live.terminal && !live.terminal.exited) return live.terminal;
    live.terminal?.dispose();
    const argv = this.deps.provider.nodeShellArgv(session.clusterName);
    live.terminal = this.deps.terminals.create(session.id, argv, { cols: 100, rows: 30 }, {
      onIdleExpire: () => {
        live.terminal = undefined;
      },
    });
    return live.terminal;
  }

  /** The scenario as this session runs it: rendered with the session's parameter values. */
  scenarioOf(session: SessionRecord): Scenario {
    const scenario = this.deps.catalog.require(session.scenarioId);
    return session.params ? applyParams(scenario, session.params) : scenario;
  }

  /** Grade the session's cluster now; concurrent presses share one run. */
  async grade(sessionId: string, source: AttemptSource = 'learner'): Promise<GradeResult> {
    const session = this.require(sessionId);
    if (session.examAttemptId) throw new AppError('forbidden', 'This cluster is part of a mock exam: as in the real exam, results are shown when the exam ends.');
    if (session.state !== 'ready') throw new AppError('conflict', `The lab is ${session.state}; Check works once it is ready.`);
    const live = this.liveOf(sessionId);
    if (live.grading) return live.grading;
    const run = (async () => {
      const scenario = this.scenarioOf(session);
      const result = await this.deps.grader.grade(scenario, await this.probesOf(session));
      this.deps.store.addAttempt(session.id, result, source);
      if (source === 'learner') this.touch(session.id);
      this.events.emit('graded', session.id, result, source);
      this.log.info('graded', { session: session.id, scenario: scenario.id, score: result.score, maxScore: result.maxScore, ms: result.durationMs });
      return result;
    })();
    live.grading = run;
    try {
      return await run;
    } finally {
      live.grading = undefined;
    }
  }

  /** Throw the session's cluster away and start over on a clean one: setup runs again. */
  async reset(sessionId: string): Promise<SessionRecord> {
    const session = this.require(sessionId);
    if (session.examAttemptId) throw new AppError('conflict', 'A cluster of a mock exam cannot be reset during the exam.');
    if (session.state === 'ended') throw new AppError('conflict', 'This lab has ended; it cannot be reset.');
    const live = this.liveOf(sessionId);
    live.abort?.abort();
    live.terminal?.dispose();
    live.terminal = undefined;
    const old = session.clusterName;
    this.deps.store.updateSessionState(session.id, 'provisioning');
    const mine: LiveSession = { progress: [], lastTouch: Date.now() };
    this.live.set(session.id, mine);
    this.events.emit('state', session.id);
    await this.deps.provider.delete(old).catch((e: unknown) => this.log.error('cluster delete failed', { session: session.id, cluster: old, err: e }));
    this.deps.pool.wake();
    const fresh = this.require(sessionId);
    // A later reset or a stop took over while the old cluster was being deleted: it decides.
    if (this.live.get(session.id) !== mine || fresh.state !== 'provisioning') return fresh;
    void this.provision(fresh, this.scenarioOf(fresh));
    return fresh;
  }

  /** Tell the learner of each session something (an instructor's broadcast). */
  notify(sessionIds: string[], message: string): void {
    for (const id of sessionIds) this.events.emit('notice', id, message);
  }

  /** Tell the session's page that its workshop seat changed. */
  seatChanged(sessionId: string, e: { workshopId: string; state: 'open' | 'ended'; reason: string }): void {
    this.events.emit('seat', sessionId, e);
  }

  /** Watch the session's terminal read-only (instructor shadowing). */
  watchTerminal(sessionId: string, client: TerminalClient): TerminalWatch {
    return this.terminal(sessionId).watch(client);
  }

  /** The reference solution, available after a first attempt. */
  async solution(sessionId: string): Promise<string> {
    const session = this.require(sessionId);
    if (!this.deps.store.listAttempts(session.id).some((a) => a.source === 'learner')) {
      throw new AppError('forbidden', 'Press Check at least once before looking at the solution.');
    }
    const scenario = this.scenarioOf(session);
    return readFile(scenario.solutionScript, 'utf8');
  }

  /** End the session: close the terminal, delete the cluster. Idempotent. */
  async stop(sessionId: string, reason: string | null = null): Promise<void> {
    const session = this.require(sessionId);
    const live = this.live.get(sessionId);
    live?.abort?.abort();
    live?.terminal?.dispose();
    this.live.delete(sessionId);
    if (session.state !== 'ended') {
      this.deps.store.updateSessionState(session.id, 'ended', reason);
      this.events.emit('state', session.id);
    }
    await this.deps.provider.delete(session.clusterName).catch((e: unknown) =>
      this.log.error('cluster delete failed', { session: session.id, cluster: session.clusterName, err: e }),
    );
    this.deps.pool.wake();
  }

  /** Start-up: adopt clusters the store knows, remove the rest, fail interrupted provisioning. */
  async reconcile(): Promise<{ adopted: string[]; removed: string[]; failed: string[] }> {
    const prefix = this.deps.settings.clusterPrefix;
    const existing = new Set((await this.deps.provider.list()).filter((n) => n.startsWith(prefix)));
    const adopted: string[] = [];
    const failed: string[] = [];
    const known = new Set<string>();
    for (const s of this.deps.store.listSessions({ states: [...ACTIVE] })) {
      if (s.state === 'ready' && existing.has(s.clusterName)) {
        known.add(s.clusterName);
        adopted.push(s.id);
        this.live.set(s.id, { progress: [], lastTouch: Date.now() });
      } else if (s.state === 'ready') {
        this.deps.store.updateSessionState(s.id, 'ended', 'The lab cluster disappeared while the server was down. Your results are kept; start the lab again to continue.');
      } else {
        this.deps.store.updateSessionState(s.id, 'failed', 'The server restarted while your lab was being created. Press Retry.');
        failed.push(s.id);
      }
    }
    for (const name of this.deps.pool.adopt(existing)) known.add(name);
    const removed = [...existing].filter((n) => !known.has(n));
    await Promise.all(removed.map((n) => this.deps.provider.delete(n).catch((e: unknown) => this.log.error('orphan delete failed', { cluster: n, err: e }))));
    this.log.info('reconciled', { adopted: adopted.length, removed: removed.length, failed: failed.length });
    return { adopted, removed, failed };
  }

  /** End sessions idle longer than the limit. Returns the ended ids. */
  async reapIdle(now = Date.now()): Promise<string[]> {
    const limit = this.deps.settings.idleTimeoutMs;
    const idle = this.deps.store
      .listSessions({ states: [...ACTIVE] })
      .filter((s) => s.state === 'ready' && s.examAttemptId === null && now - Date.parse(s.lastActivityAt) > limit);
    for (const s of idle) {
      this.log.info('reaping idle session', { session: s.id, cluster: s.clusterName });
      await this.stop(s.id, `The lab was stopped after ${Math.round(limit / 60000)} minutes without activity. Your results are kept.`);
    }
    return idle.map((s) => s.id);
  }

  /**
   * Practice labs whose cluster is gone while they were in use (its node stopped, or on Kubernetes
   * its lab pod evicted) end with the provider's reason and what to do, instead of leaving the
   * learner in front of a dead terminal. A cluster must be missing from two listings in a row, so a
   * cluster being replaced (reset) in between is not mistaken for a lost one.
   */
  async sweepLost(): Promise<string[]> {
    const missing = async (): Promise<Set<string> | undefined> => {
      try {
        const existing = new Set(await this.deps.provider.list());
        return new Set(this.deps.store.listSessions({ states: ['ready'] }).filter((s) => s.examAttemptId === null && !existing.has(s.clusterName)).map((s) => s.id));
      } catch {
        return undefined; // the provider cannot tell right now: nothing is concluded
      }
    };
    const first = await missing();
    if (!first || first.size === 0) return [];
    const again = await missing();
    const lost = [...first].filter((id) => again?.has(id));
    for (const id of lost) {
      const session = this.require(id);
      const why = (await this.deps.provider.whyGone?.(session.clusterName).catch(() => undefined)) ?? 'Your lab cluster is gone: its node stopped.';
      this.log.warn('lab cluster lost', { session: id, cluster: session.clusterName, why });
      await this.stop(id, `${why} Your results are kept.`);
    }
    return lost;
  }

  startReaper(): void {
    if (this.reaper) return;
    this.reaper = setInterval(
      () =>
        void this.reapIdle()
          .then(() => this.sweepLost())
          .catch((e: unknown) => this.log.error('reaper failed', { err: e })),
      this.deps.settings.reapIntervalMs,
    );
    this.reaper.unref();
    this.autoChecker = setInterval(() => void this.autoCheckNow().catch((e: unknown) => this.log.error('auto-check failed', { err: e })), this.deps.settings.autoCheckIntervalMs ?? 20_000);
    this.autoChecker.unref();
  }

  /**
   * Live auto-check (opt-in, practice labs only — never a mock exam's clusters): the lab is graded
   * in the background and each result is pushed to the page, so tasks turn green as they are done.
   */
  setAutoCheck(sessionId: string, on: unknown): SessionRecord {
    const session = this.require(sessionId);
    if (typeof on !== 'boolean') throw new AppError('bad_request', 'enabled must be true or false.', { field: 'enabled' });
    if (session.examAttemptId) throw new AppError('forbidden', 'Live checks are off during a mock exam: as in the real exam, results come at the end.');
    if (session.state === 'ended') throw new AppError('conflict', 'This lab has ended.');
    this.deps.store.setAutoCheck(session.id, on);
    return this.require(sessionId);
  }

  /** One round of live auto-checks: every ready practice lab that asked for it. */
  async autoCheckNow(): Promise<void> {
    await this.gradeInBackground(this.deps.store.listSessions({ states: ['ready'] }).filter((s) => s.autoCheck && s.examAttemptId === null));
  }

  /** Background checks of many labs, a few at a time: a 30-seat workshop must not hammer the host every interval. */
  async gradeInBackground(sessions: readonly SessionRecord[]): Promise<void> {
    for (let i = 0; i < sessions.length; i += 5) {
      await Promise.all(sessions.slice(i, i + 5).map((s) => this.grade(s.id, 'background').catch(() => undefined)));
    }
  }

  /** Stop timers and terminals. Clusters are kept: a restarted server adopts them. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.reaper) clearInterval(this.reaper);
    if (this.autoChecker) clearInterval(this.autoChecker);
    for (const live of this.live.values()) {
      live.abort?.abort();
      live.terminal?.dispose();
    }
    this.live.clear();
    this.events.removeAllListeners();
  }

  private async provision(session: SessionRecord, scenario: Scenario, setups: Scenario[] = [scenario]): Promise<void> {
    const live = this.liveOf(session.id);
    const abort = new AbortController();
    // One provisioning per session: an earlier one still running loses (and deletes what it got).
    live.abort?.abort();
    live.abort = abort;
    /** A reset or stop replaced this attempt: whatever it acquired is nobody's. */
    const lost = (): boolean => abort.signal.aborted || this.live.get(session.id) !== live;
    const log = this.log.child({ session: session.id, scenario: scenario.id });
    const report = (p: ProvisionProgress): void => {
      live.progress.push(p);
      if (live.progress.length > 200) live.progress.splice(0, live.progress.length - 200);
      this.events.emit('progress', session.id, p);
    };
    const started = Date.now();
    let cluster: string | undefined;
    try {
      const lab = this.deps.labs.get(scenario.lab);
      if (!lab) throw new AppError('invalid_scenario', `Lab "${scenario.lab}" is missing on this server.`);
      // A cluster prepared ahead of time ran setup with the defaults: only a default run may take one.
      const acquired = await this.deps.pool.acquire(lab, report, abort.signal, session.params || setups.length > 1 ? undefined : scenario.id);
      cluster = acquired.name;
      if (lost()) throw new AppError('cluster_failed', 'Provisioning was cancelled.');
      this.deps.store.setSessionCluster(session.id, cluster);
      if (acquired.prepared) {
        report({ step: 'Running scenario setup', state: 'done', fraction: 0.98, detail: 'Prepared before you arrived' });
      } else {
        report({ step: 'Running scenario setup', state: 'started', fraction: 0.85 });
        for (const s of setups) await runSetup(this.deps.provider, cluster, s, this.deps.settings.setupTimeoutMs);
        report({ step: 'Running scenario setup', state: 'done', fraction: 0.98 });
      }
      if (lost() || this.require(session.id).state !== 'provisioning') {
        await this.deps.provider.delete(cluster).catch(() => undefined);
        this.deps.pool.wake();
        return;
      }
      this.deps.store.updateSessionState(session.id, 'ready');
      this.deps.store.touchSession(session.id);
      report({ step: 'Ready', state: 'done', fraction: 1 });
      const warm = live.progress.some((p) => p.detail === WARM_HIT);
      log.info('session ready', { cluster, ms: Date.now() - started, warm });
      this.events.emit('provisioned', session.id, { lab: scenario.lab, ms: Date.now() - started, warm });
      this.events.emit('state', session.id);
    } catch (e) {
      if (lost()) {
        if (cluster) await this.deps.provider.delete(cluster).catch(() => undefined);
        this.deps.pool.wake();
        return;
      }
      const message = isAppError(e) ? e.message : 'The lab could not be created because of an internal error. Press Retry; if it fails again, tell your instructor.';
      log.warn('provisioning failed', { err: e, message, cluster });
      const last = live.progress[live.progress.length - 1];
      report({ step: last?.step ?? 'Ensuring node image', state: 'failed', fraction: last?.fraction ?? 0, detail: message });
      this.deps.store.updateSessionState(session.id, 'failed', message);
      if (cluster) await this.deps.provider.delete(cluster).catch(() => undefined);
      this.deps.pool.wake();
      this.events.emit('state', session.id);
    } finally {
      if (live.abort === abort) live.abort = undefined;
    }
  }

  private require(sessionId: string): SessionRecord {
    const s = this.deps.store.getSession(sessionId);
    if (!s) throw new AppError('not_found', 'No such lab session. Start a lab from the catalog.');
    return s;
  }

  private liveOf(sessionId: string): LiveSession {
    let live = this.live.get(sessionId);
    if (!live) {
      live = { progress: [], lastTouch: Date.now() };
      this.live.set(sessionId, live);
    }
    return live;
  }
}

/**
 * The parameter values a new session stores: null for the defaults (so it may take a prepared warm
 * cluster), else every declared parameter's value. Bad input is a 400 naming `params.<name>`.
 */
function sessionParams(scenario: Scenario, options: { params?: unknown; randomize?: unknown }): Record<string, string> | null {
  const { params, randomize } = options;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new AppError('bad_request', 'params must be an object of parameter names to values, e.g. {"namespace": "shop"}.', { field: 'params' });
  }
  if (randomize !== undefined && typeof randomize !== 'boolean') throw new AppError('bad_request', 'randomize must be true or false.', { field: 'randomize' });
  const given = (params ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) {
    if (typeof v !== 'string') throw new AppError('bad_request', `params.${k} must be a string.`, { field: `params.${k}` });
  }
  if (Object.keys(given).length === 0 && !randomize) return null;
  try {
    const values = resolveParams(scenario, given as Record<string, string>, { randomize: randomize === true });
    const defaults = resolveParams(scenario);
    return Object.entries(values).every(([k, v]) => defaults[k] === v) ? null : values;
  } catch (e) {
    if (e instanceof ParamError) throw new AppError('bad_request', e.message, { field: `params.${e.field}` });
    throw e;
  }
}
