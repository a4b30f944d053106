export type { AttemptRecord, AttemptSource, PoolClusterRecord, SeatRecord, SessionRecord, SessionState, Store, WorkshopRecord, WorkshopStore } from './types.js';
export { SqliteStore } from './sqliteStore.js';
