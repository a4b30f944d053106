export type { AttemptRecord, SessionRecord, SessionState, Store } from './types.js';
export { SqliteStore } from './sqliteStore.js';
