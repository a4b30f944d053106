import { io, type Socket } from 'socket.io-client';
import { TERMINAL_NAMESPACE, type TerminalClientToServer, type TerminalServerToClient } from '../../server/wire/types.js';

export type TerminalSocket = Socket<TerminalServerToClient, TerminalClientToServer>;

/**
 * Connects to the `/terminal` namespace for one session. socket.io reconnects on its own; the
 * server answers every (re)attach with `state` and, once ready, `replay`.
 */
export function connectTerminal(sessionId: string, token: string): TerminalSocket {
  return io(TERMINAL_NAMESPACE, {
    auth: { sessionId, token },
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5000,
  });
}
