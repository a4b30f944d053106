export type { AllowedCommand, CommandRunner, RunOptions, RunResult } from './types.js';
export { ExecRunner } from './execRunner.js';
export { NAME_PATTERN, assertName, isName } from './names.js';
