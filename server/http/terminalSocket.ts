import type { Server, Socket } from 'socket.io';
import { isAppError } from '../errors.js';
import { toGradeJson } from '../grading/index.js';
import type { Logger } from '../log/index.js';
import type { SessionManager } from '../sessions/index.js';
import type { Store } from '../store/types.js';
import type { TerminalAttachment } from '../terminal/types.js';
import { TERMINAL_NAMESPACE, type TerminalClientToServer, type TerminalServerToClient } from '../wire/types.js';
import { sessionDto } from './dto.js';
import { learnerFromCookie } from './learner.js';

type TerminalSocket = Socket<TerminalClientToServer, TerminalServerToClient, Record<string, never>, { sessionId: string }>;

const MAX_INPUT = 64 * 1024;

/**
 * socket.io `/terminal`: one connection per open session page. It streams provisioning
 * progress, then the node's shell. The handshake must carry the learner cookie and
 * `auth: { sessionId, token }`; a socket can only ever reach the session it was opened for.
 */
export function mountTerminalNamespace(io: Server, deps: { sessions: SessionManager; store: Store; logger: Logger }): void {
  const { sessions, store } = deps;
  const log = deps.logger.child({ module: 'terminal-socket' });
  const nsp = io.of(TERMINAL_NAMESPACE);
  /** The socket currently attached to each session's terminal (one tab drives it). */
  const owners = new Map<string, TerminalSocket>();

  nsp.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    try {
      const s = sessions.authorize(auth.sessionId, learnerFromCookie(socket.handshake.headers.cookie), auth.token);
      (socket as TerminalSocket).data.sessionId = s.id;
      next();
    } catch (e) {
      next(new Error(isAppError(e) ? e.message : 'unauthorized'));
    }
  });

  nsp.on('connection', (raw) => {
    const socket = raw as TerminalSocket;
    const sessionId = socket.data.sessionId;
    let attachment: TerminalAttachment | undefined;
    /** The client's last requested size: a resize sent while provisioning applies at attach. */
    let size: { cols: number; rows: number } | undefined;
    const sendState = (): void => {
      const s = sessions.get(sessionId);
      if (s) socket.emit('state', sessionDto(s, sessions, store));
    };

    const attach = (): void => {
      if (attachment) return;
      try {
        const terminal = sessions.terminal(sessionId);
        const previous = owners.get(sessionId);
        if (previous && previous !== socket) {
          previous.emit('problem', { code: 'moved', message: 'This terminal is now open in another tab or window.' });
          previous.disconnect(true);
        }
        owners.set(sessionId, socket);
        attachment = terminal.attach(
          {
            send: (data) => socket.emit('output', data),
            exit: (code) => {
              socket.emit('exit', { code });
              attachment = undefined;
            },
          },
          size,
        );
        socket.emit('replay', attachment.replay);
        sessions.touch(sessionId);
      } catch (e) {
        socket.emit('problem', { code: isAppError(e) ? e.code : 'internal', message: isAppError(e) ? e.message : 'The terminal could not be opened.' });
        if (!isAppError(e)) log.error('attach failed', { session: sessionId, err: e });
      }
    };

    const offProgress = sessions.on('progress', (id, p) => {
      if (id === sessionId) socket.emit('progress', p);
    });
    const offState = sessions.on('state', (id) => {
      if (id !== sessionId) return;
      sendState();
      const s = sessions.get(sessionId);
      if (s?.state === 'ready') attach();
      else if (attachment) {
        attachment.detach();
        attachment = undefined;
      }
    });

    const offNotice = sessions.on('notice', (id, message) => {
      if (id === sessionId) socket.emit('notice', { message, at: new Date().toISOString() });
    });
    const offSeat = sessions.on('seat', (id, e) => {
      if (id === sessionId) socket.emit('seat', e);
    });
    const offGraded = sessions.on('graded', (id, result) => {
      if (id === sessionId) socket.emit('graded', toGradeJson(result));
    });

    socket.on('input', (data) => {
      if (typeof data !== 'string' || data.length > MAX_INPUT) {
        socket.emit('problem', { code: 'bad_request', message: `input must be a string of at most ${MAX_INPUT} characters` });
        return;
      }
      if (!attachment) {
        socket.emit('problem', { code: 'not_ready', message: 'The terminal is not open yet.' });
        return;
      }
      attachment.write(data);
      sessions.touch(sessionId);
    });
    socket.on('resize', (requested) => {
      const cols = (requested as { cols?: unknown } | null)?.cols;
      const rows = (requested as { rows?: unknown } | null)?.rows;
      if (typeof cols !== 'number' || typeof rows !== 'number' || !Number.isFinite(cols) || !Number.isFinite(rows)) {
        socket.emit('problem', { code: 'bad_request', message: 'resize needs numeric cols and rows' });
        return;
      }
      size = { cols, rows };
      attachment?.resize(size);
    });
    socket.on('ack', (chars) => {
      if (typeof chars === 'number' && Number.isFinite(chars) && chars > 0) attachment?.ack(chars);
    });
    socket.on('disconnect', () => {
      offProgress();
      offState();
      offNotice();
      offSeat();
      offGraded();
      attachment?.detach();
      attachment = undefined;
      if (owners.get(sessionId) === socket) owners.delete(sessionId);
    });

    sendState();
    if (sessions.get(sessionId)?.state === 'ready') attach();
  });
}
