import type { Server, Socket } from 'socket.io';
import { isAppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { SessionManager } from '../sessions/index.js';
import type { TerminalWatch } from '../terminal/types.js';
import type { InstructorAuth, WorkshopManager } from '../workshops/index.js';
import { WORKSHOP_NAMESPACE, type WorkshopClientToServer, type WorkshopServerToClient } from '../wire/workshop.js';

type InstructorSocket = Socket<WorkshopClientToServer, WorkshopServerToClient>;

/** Boards are pushed at most this often per workshop (a burst of checks becomes one update). */
const BOARD_DEBOUNCE_MS = 150;

/**
 * socket.io `/workshop`: the instructor's live board (pushed, never polled) and read-only
 * shadowing of a learner's terminal. The handshake needs `auth: { token: <instructor token> }`.
 */
export function mountWorkshopNamespace(io: Server, deps: { workshops: WorkshopManager; sessions: SessionManager; auth: InstructorAuth; logger: Logger }): () => void {
  const { workshops, sessions, auth } = deps;
  const nsp = io.of(WORKSHOP_NAMESPACE);
  const pending = new Map<string, NodeJS.Timeout>();

  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (auth.verify(token)) next();
    else next(new Error('This needs the instructor token.'));
  });

  const push = (workshopId: string): void => {
    if (pending.has(workshopId)) return;
    pending.set(
      workshopId,
      setTimeout(() => {
        pending.delete(workshopId);
        const room = `workshop:${workshopId}`;
        if ((nsp.adapter.rooms.get(room)?.size ?? 0) === 0) return;
        try {
          nsp.to(room).emit('board', workshops.board(workshopId));
        } catch (e) {
          deps.logger.error('board push failed', { workshop: workshopId, err: e });
        }
      }, BOARD_DEBOUNCE_MS),
    );
  };
  const offChanged = workshops.onChanged(push);

  nsp.on('connection', (raw) => {
    const socket = raw as InstructorSocket;
    const shadows = new Map<string, TerminalWatch>();
    const problem = (e: unknown): void => {
      socket.emit('problem', { code: isAppError(e) ? e.code : 'internal', message: isAppError(e) ? e.message : 'That did not work.' });
    };

    socket.on('watch', (e) => {
      try {
        const w = workshops.require((e as { workshopId?: unknown } | null)?.workshopId);
        for (const room of socket.rooms) if (room.startsWith('workshop:')) void socket.leave(room);
        void socket.join(`workshop:${w.id}`);
        socket.emit('board', workshops.board(w.id));
      } catch (err) {
        problem(err);
      }
    });

    socket.on('shadow', (e) => {
      const sessionId = (e as { sessionId?: unknown } | null)?.sessionId;
      if (typeof sessionId !== 'string' || shadows.has(sessionId)) return;
      try {
        const session = sessions.get(sessionId);
        if (!session?.seatId) throw new Error('not a workshop session');
        const watch = sessions.watchTerminal(sessionId, {
          send: (data) => socket.emit('shadowOutput', { sessionId, data }),
          exit: () => {
            shadows.delete(sessionId);
            socket.emit('shadowEnded', { sessionId, reason: 'The learner’s shell ended.' });
          },
        });
        shadows.set(sessionId, watch);
        socket.emit('shadowReplay', { sessionId, data: watch.replay });
      } catch (err) {
        problem(isAppError(err) ? err : new Error('That learner has no terminal to shadow yet.'));
        socket.emit('shadowEnded', { sessionId, reason: isAppError(err) ? err.message : 'That learner has no terminal to shadow yet.' });
      }
    });

    socket.on('shadowAck', (e) => {
      const { sessionId, chars } = (e ?? {}) as { sessionId?: unknown; chars?: unknown };
      if (typeof sessionId === 'string') shadows.get(sessionId)?.ack(chars);
    });

    socket.on('unshadow', (e) => {
      const sessionId = (e as { sessionId?: unknown } | null)?.sessionId;
      if (typeof sessionId !== 'string') return;
      shadows.get(sessionId)?.stop();
      shadows.delete(sessionId);
    });

    socket.on('disconnect', () => {
      for (const w of shadows.values()) w.stop();
      shadows.clear();
    });
  });

  return () => {
    offChanged();
    for (const t of pending.values()) clearTimeout(t);
    pending.clear();
  };
}
