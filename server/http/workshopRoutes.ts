import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError } from '../errors.js';
import type { WorkshopManager } from '../workshops/index.js';
import { InstructorAuth, toCsv } from '../workshops/index.js';
import type { CreateWorkshopDto, JoinDto } from '../wire/workshop.js';
import { ensureLearner, learnerFromCookie } from './learner.js';

export interface WorkshopRouteDeps {
  workshops: WorkshopManager;
  auth: InstructorAuth;
  secureCookies: boolean;
}

/** Instructor API (Bearer token) and the learner's join/seat API (cookie). */
export function workshopRouter(deps: WorkshopRouteDeps): Router {
  const { workshops, auth } = deps;
  const r = express.Router();

  const instructor = (req: Request, _res: Response, next: NextFunction): void => {
    if (!auth.verify(req.get('authorization'))) {
      next(new AppError('unauthorized', 'This needs the instructor token: send it as "Authorization: Bearer <token>".'));
      return;
    }
    next();
  };

  r.get('/instructor/check', instructor, (_req, res) => {
    res.status(204).end();
  });

  r.post('/workshops', instructor, (req, res) => {
    const { workshop, capacityNote } = workshops.create(req.body);
    const out: CreateWorkshopDto = { id: workshop.id, joinCode: workshop.joinCode, joinUrl: workshops.joinUrl(workshop), ...(capacityNote ? { capacityNote } : {}) };
    res.status(201).json(out);
  });

  r.get('/workshops', instructor, (_req, res) => {
    res.json({ workshops: workshops.list() });
  });

  r.get('/workshops/:id/board', instructor, (req, res) => {
    res.json(workshops.board(req.params.id as string));
  });

  r.post('/workshops/:id/broadcast', instructor, (req, res) => {
    const body = (req.body ?? {}) as { message?: unknown };
    workshops.broadcast(req.params.id as string, body.message);
    res.status(204).end();
  });

  r.post('/workshops/:id/seats/:seatId/reset', instructor, async (req: Request, res: Response) => {
    await workshops.reset(req.params.id as string, req.params.seatId);
    res.status(204).end();
  });

  r.post('/workshops/:id/seats/:seatId/extend', instructor, (req, res) => {
    const body = (req.body ?? {}) as { minutes?: unknown };
    workshops.extend(req.params.id as string, req.params.seatId, body.minutes);
    res.status(204).end();
  });

  r.post('/workshops/:id/end', instructor, async (req: Request, res: Response) => {
    await workshops.end(req.params.id as string, 'Your instructor ended the workshop.');
    res.status(204).end();
  });

  r.get('/workshops/:id/export.json', instructor, (req, res) => {
    res.json({ rows: workshops.exportRows(req.params.id as string) });
  });

  r.get('/workshops/:id/export.csv', instructor, (req, res) => {
    const w = workshops.require(req.params.id);
    res
      .type('text/csv')
      .attachment(`${w.title.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'workshop'}-results.csv`)
      .send(toCsv(workshops.exportRows(w.id), { exam: w.examId !== null }));
  });

  // Learners.
  r.get('/join/:code', (req, res) => {
    res.json(workshops.joinInfo(req.params.code));
  });

  r.post('/join', (req, res) => {
    const learner = ensureLearner(req, res, deps.secureCookies);
    const { seat, session, token, rejoined, exam } = workshops.join(learner, req.body);
    const out: JoinDto = { workshopId: seat.workshopId, seatId: seat.id, displayName: seat.displayName, sessionId: session.id, token, rejoined, ...(exam ? { exam } : {}) };
    res.status(rejoined ? 200 : 201).json(out);
  });

  r.get('/workshops/:id/me', (req, res) => {
    res.json(workshops.seatView(req.params.id, learnerFromCookie(req.headers.cookie)));
  });

  r.post('/workshops/:id/me/next', async (req: Request, res: Response) => {
    res.json(await workshops.next(req.params.id, learnerFromCookie(req.headers.cookie)));
  });

  return r;
}
