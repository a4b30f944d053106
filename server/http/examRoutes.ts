import express, { type Request, type Response, type Router } from 'express';
import { readFileSync } from 'node:fs';
import { AppError } from '../errors.js';
import type { ExamManager } from '../exams/index.js';
import type { ExamAttemptRecord } from '../store/examTables.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import { applyParams } from '../scenarios/params.js';
import type { SessionManager } from '../sessions/index.js';
import type { ExamAttemptDto, ExamListDto, StartExamDto } from '../wire/exam.js';
import { ensureLearner, learnerFromCookie } from './learner.js';

export interface ExamRouteDeps {
  exams: ExamManager;
  sessions: SessionManager;
  catalog: ScenarioCatalog;
  secureCookies: boolean;
  /** Milliseconds in an exam minute, as the ExamManager was given (default 60 000). */
  minuteMs?: number;
  /** A lab's nodes by short name, the control plane first (default: the control plane alone). */
  labNodes?: (lab: string) => string[];
}

/** ⚑ Exam mode: the exams a learner may take, starting one, its state, flags, Finish and results. */
export function examRouter(deps: ExamRouteDeps): Router {
  const { exams, sessions, catalog } = deps;
  const r = express.Router();

  r.get('/exams', (_req, res) => {
    const body: ExamListDto = {
      exams: exams.list().map(({ exam, plan, unavailable }) => ({
        id: exam.id,
        title: exam.title,
        description: exam.description,
        durationMinutes: exam.durationMinutes,
        passPercent: exam.passPercent,
        questions: plan?.questions.length ?? null,
        clusters: plan?.clusters.length ?? null,
        memoryMiB: plan?.memoryMiB ?? null,
        ...(unavailable ? { unavailable } : {}),
      })),
    };
    res.json(body);
  });

  r.post('/exams', (req: Request, res: Response) => {
    const learner = ensureLearner(req, res, deps.secureCookies);
    const body: unknown = req.body;
    const attempt = exams.start(learner, typeof body === 'object' && body !== null ? (body as Record<string, unknown>).exam : undefined);
    const out: StartExamDto = { id: attempt.id, url: `/exam/${attempt.id}` };
    res.status(201).json(out);
  });

  const owned = (req: Request): ExamAttemptRecord => exams.owned(req.params.id, learnerFromCookie(req.headers.cookie));

  r.get('/exams/attempts', (req, res) => {
    const learner = learnerFromCookie(req.headers.cookie);
    res.json({ attempts: learner ? exams.history(learner) : [] });
  });

  r.get('/exams/attempts/:id', (req, res) => {
    res.json(attemptDto(owned(req)));
  });

  r.post('/exams/attempts/:id/flag', (req, res) => {
    const a = owned(req);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    res.json({ flags: exams.flag(a.id, body.question, body.flagged) });
  });

  r.post('/exams/attempts/:id/view', (req, res) => {
    const a = owned(req);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    exams.view(a.id, body.question);
    res.status(204).end();
  });

  r.post('/exams/attempts/:id/finish', async (req, res) => {
    const a = owned(req);
    await exams.finish(a.id);
    res.json(attemptDto(exams.owned(a.id, a.learnerId)));
  });

  /** Questions say where they run (context, node); results only once the exam has ended. */
  function attemptDto(a: ExamAttemptRecord): ExamAttemptDto {
    const plan = exams.planOf(a);
    const result = exams.resultOf(a);
    const flags = JSON.parse(a.flags) as number[];
    const ended = a.state === 'finished';
    return {
      id: a.id,
      exam: a.examId,
      title: exams.titleOf(a.examId),
      state: a.state,
      error: a.error,
      startedAt: a.startedAt,
      endsAt: a.endsAt,
      remainingMs: exams.remainingMs(a),
      ...(a.opensAt ? { opensAt: a.opensAt } : {}),
      minuteMs: deps.minuteMs ?? 60_000,
      clusters: plan.clusters.map((c) => {
        const sessionId = plan.sessions[c.name];
        const s = sessionId ? sessions.get(sessionId) : null;
        return {
          name: c.name,
          lab: c.lab,
          context: c.name,
          node: s ? `${s.clusterName}-control-plane` : null,
          nodes: s ? (deps.labNodes?.(c.lab) ?? ['control-plane']).map((n) => ({ name: `${s.clusterName}-${n}`, ssh: n })) : [],
          state: s?.state ?? 'failed',
          ...(s ? { sessionId: s.id, token: sessions.tokenFor(s) } : {}),
        };
      }),
      questions: plan.questions.map((q) => {
        const scenario = applyParams(catalog.require(q.scenarioId), q.params);
        const qr = result?.questions.find((x) => x.number === q.number);
        return {
          number: q.number,
          title: scenario.title,
          domain: q.domain,
          weight: q.weight,
          cluster: q.cluster,
          flagged: flags.includes(q.number),
          instructions: scenario.instructions,
          ...(ended && qr
            ? { result: { passed: qr.passed, score: qr.score, seconds: qr.seconds, grade: qr.grade, error: qr.error ?? null, hints: scenario.tasks.map((t) => ({ id: t.id, hint: t.hint })), solution: solutionText(scenario.solutionScript) } }
            : {}),
        };
      }),
      ...(ended && result ? { result: { score: result.score, maxScore: result.maxScore, percent: result.percent, passPercent: result.passPercent, passed: result.passed, byDomain: result.byDomain, endedBy: result.endedBy } } : {}),
    };
  }

  r.use('/exams/', (req) => {
    throw new AppError('not_found', `No API endpoint ${req.method} /api/exams${req.path}.`);
  });
  return r;
}

/** The reference solution shown after the exam (the script the proofs run). */
function solutionText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
