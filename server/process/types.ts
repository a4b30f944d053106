/** The one port through which every `kind`, `docker` and `kubectl` call goes. */
export interface RunOptions {
  /** Bytes written to the child's stdin, then closed. */
  input?: string | Buffer;
  /** Kill the child after this many ms (default 60 000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stderr as it arrives (kind writes its progress there). */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  /**
   * Most bytes of stdout + stderr kept (default 64 MiB): output comes from nodes a learner is root
   * on, so a command that prints without end (`cat` of a huge file) is stopped there, not buffered.
   */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** Exit code; null when killed by a signal or timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Raw stdout, for binary values (etcd). */
  stdoutBuffer: Buffer;
  timedOut: boolean;
}

export interface CommandRunner {
  /**
   * Run `command` with `args` (argv array, never a shell). Resolves with the outcome even on
   * non-zero exit; rejects only with AppError('tool_missing') when the command is not on PATH.
   */
  run(command: AllowedCommand, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

/** Commands the server may run at all (allowlist, as in headlamp). */
export type AllowedCommand = 'kind' | 'docker' | 'podman' | 'kubectl';
export const ALLOWED_COMMANDS: readonly AllowedCommand[] = ['kind', 'docker', 'podman', 'kubectl'];
