export { learnerProgress } from './learnerProgress.js';
export type { ProgressInput } from './learnerProgress.js';
