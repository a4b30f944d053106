export * from './types.js';
export { DEFAULT_TERMINAL_SIZE, clampSize, validInput, validCount } from './bounds.js';
export { FlowGate, type Backlog, type WaterMarks } from './flowGate.js';
export { HeadlessMirror, type HeadlessMirrorOptions } from './headlessMirror.js';
export { incompleteEscapeTail } from './escapeTail.js';
export { NodePtyTerminal, type NodePtyTerminalDeps, type NodePtyTerminalTuning } from './nodePtyTerminal.js';
export {
  NodePtyTerminalFactory,
  TERMINAL_ENV_KEYS,
  type NodePtyTerminalFactoryOptions,
  type PtySpawn,
} from './nodePtyTerminalFactory.js';
export {
  FileTerminalLedger,
  TERMINAL_RUN_VAR,
  linuxProcesses,
  type FileTerminalLedgerOptions,
  type ProcessStat,
  type ProcessTable,
  type TerminalLedger,
} from './processLedger.js';
