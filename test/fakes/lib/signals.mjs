import os from 'node:os';

/** Number of a signal name (SIGKILL → 9); 0 when unknown. */
export function signalNumber(name) {
  return os.constants.signals[name] ?? 0;
}
