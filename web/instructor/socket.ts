import { io, type Socket } from 'socket.io-client';
import { WORKSHOP_NAMESPACE, type WorkshopClientToServer, type WorkshopServerToClient } from '../../server/wire/workshop.js';

export type WorkshopSocket = Socket<WorkshopServerToClient, WorkshopClientToServer>;

/**
 * Connects to the instructor's `/workshop` namespace. socket.io reconnects by itself; the server
 * forgets subscriptions with the connection, so the page re-sends `watch` (and `shadow`) on every connect.
 */
export function connectWorkshop(token: string): WorkshopSocket {
  return io(WORKSHOP_NAMESPACE, { auth: { token }, transports: ['websocket', 'polling'], reconnectionDelayMax: 5000 });
}
