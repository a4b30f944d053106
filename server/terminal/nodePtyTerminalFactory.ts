import { spawn as ptySpawn, type IPty, type IPtyForkOptions } from 'node-pty';
import { AppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { DEFAULT_TERMINAL_SIZE, clampSize } from './bounds.js';
import { NodePtyTerminal, type NodePtyTerminalTuning } from './nodePtyTerminal.js';
import type { TerminalLedger } from './processLedger.js';
import type { TerminalFactory, TerminalSize } from './types.js';

/** How a pty is spawned; node-pty's `spawn` by default (tests may pass another). */
export type PtySpawn = (file: string, args: string[], options: IPtyForkOptions) => IPty;

/** Server variables a terminal inherits unless `inheritEnv` is set (then: all of them). */
export const TERMINAL_ENV_KEYS = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG'] as const;

export interface NodePtyTerminalFactoryOptions extends NodePtyTerminalTuning {
  logger: Logger;
  /** Pass the server's whole environment (default: only {@link TERMINAL_ENV_KEYS}). */
  inheritEnv?: boolean;
  /** Variables added to every terminal (before the per-terminal `env`). */
  env?: Record<string, string>;
  /** Working directory of the process (default: the server's). */
  cwd?: string;
  spawn?: PtySpawn;
  /** Writes every terminal process down so a restart after a crash can end it. */
  ledger?: TerminalLedger;
}

/** Builds {@link NodePtyTerminal}s: `argv[0]` with `argv[1..]` in a pty named `xterm-256color`. */
export class NodePtyTerminalFactory implements TerminalFactory {
  constructor(private readonly opts: NodePtyTerminalFactoryOptions) {}

  create(
    id: string,
    argv: string[],
    size: TerminalSize,
    opts: { env?: Record<string, string>; onIdleExpire?: () => void } = {},
  ): NodePtyTerminal {
    const [file, ...args] = argv;
    if (file === undefined || file === '') throw new AppError('bad_request', 'The terminal command is empty.', { field: 'argv' });
    const clamped = clampSize(size) ?? DEFAULT_TERMINAL_SIZE;
    const ledger = this.opts.ledger;
    const env = { ...this.baseEnv(), ...this.opts.env, ...opts.env, ...ledger?.env, TERM: 'xterm-256color' };
    const spawn = this.opts.spawn ?? ptySpawn;
    let pty: IPty;
    try {
      pty = spawn(file, args, { name: 'xterm-256color', cols: clamped.cols, rows: clamped.rows, env, cwd: this.opts.cwd ?? process.cwd() });
    } catch (cause) {
      throw new AppError('internal', 'Could not open a terminal for this session; try again.', { cause });
    }
    this.opts.logger.info('terminal spawned', { terminal: id, command: file, pid: pty.pid });
    if (ledger) {
      const pid = pty.pid;
      ledger.record(pid);
      const exit = pty.onExit(() => {
        ledger.forget(pid);
        exit.dispose();
      });
    }
    return new NodePtyTerminal({
      id,
      pty,
      size: clamped,
      logger: this.opts.logger,
      ...(opts.onIdleExpire ? { onIdleExpire: opts.onIdleExpire } : {}),
      tuning: pickTuning(this.opts),
    });
  }

  private baseEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    const keys = this.opts.inheritEnv ? Object.keys(process.env) : TERMINAL_ENV_KEYS;
    for (const key of keys) {
      const value = process.env[key];
      if (value !== undefined) out[key] = value;
    }
    out.LANG ??= 'C.UTF-8';
    return out;
  }
}

const TUNING_KEYS = [
  'graceMs',
  'highWaterChars',
  'lowWaterChars',
  'holdAboveChars',
  'holdMaxChars',
  'mirrorHighChars',
  'watcherMaxChars',
  'scrollback',
  'maxReplayChars',
  'killTimeoutMs',
] as const satisfies readonly (keyof NodePtyTerminalTuning)[];

function pickTuning(opts: NodePtyTerminalTuning): NodePtyTerminalTuning {
  const out: NodePtyTerminalTuning = {};
  for (const key of TUNING_KEYS) if (opts[key] !== undefined) out[key] = opts[key];
  return out;
}
