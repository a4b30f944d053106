export { SessionManager, runSetup } from './manager.js';
export type { SessionEvents, SessionManagerDeps, SessionSettings } from './types.js';
export { SessionTokens, newClusterName, newId } from './tokens.js';
