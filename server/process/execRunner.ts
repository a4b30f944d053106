import { spawn } from 'node:child_process';
import { AppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { ALLOWED_COMMANDS, type AllowedCommand, type CommandRunner, type RunOptions, type RunResult } from './types.js';

const INSTALL_HINT: Record<AllowedCommand, string> = {
  kind: 'Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and make sure it is on PATH.',
  docker: 'Install Docker (https://docs.docker.com/engine/install/) and make sure the docker CLI is on PATH.',
  podman: 'Install Podman (https://podman.io/docs/installation) and make sure the podman CLI is on PATH, or unset CKS_ENGINE to use Docker.',
  kubectl: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) and make sure it is on PATH.',
};

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** CommandRunner on child_process.spawn with `shell: false`, a timeout and an AbortSignal. */
export class ExecRunner implements CommandRunner {
  constructor(
    private readonly logger: Logger,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  run(command: AllowedCommand, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (!ALLOWED_COMMANDS.includes(command)) {
      return Promise.reject(new AppError('internal', `command ${String(command)} is not allowed`));
    }
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const started = Date.now();
    return new Promise<RunResult>((resolve, reject) => {
      const child = spawn(command, [...args], {
        shell: false,
        env: opts.env ?? this.baseEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: opts.signal,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      let kept = 0;
      let cut = false;
      /** Keeps a chunk while under the cap; past it, the child is stopped and the output says so. */
      const keep = (into: Buffer[], b: Buffer): boolean => {
        if (cut) return false;
        if (kept + b.length > cap) {
          cut = true;
          into.push(b.subarray(0, Math.max(0, cap - kept)));
          err.push(Buffer.from(`\n${command}: output cut at ${Math.round(cap / 1048576)} MiB and the command stopped (CKS Lab bounds what a node may send)\n`));
          child.kill('SIGKILL');
          return false;
        }
        kept += b.length;
        into.push(b);
        return true;
      };
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        if (keep(out, b)) opts.onStdout?.(b.toString('utf8'));
      });
      child.stderr.on('data', (b: Buffer) => {
        if (keep(err, b)) opts.onStderr?.(b.toString('utf8'));
      });
      child.stdin.on('error', () => undefined); // child may exit before reading stdin
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT') {
          reject(new AppError('tool_missing', `${command} was not found on PATH. ${INSTALL_HINT[command]}`, { cause: e }));
        } else if (e.name === 'AbortError') {
          resolve(result(null, out, err, false));
        } else {
          reject(new AppError('internal', `could not run ${command}: ${e.message}`, { cause: e }));
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.logger.debug('process exited', { command, argv0: args[0], code, ms: Date.now() - started, timedOut });
        resolve(result(code, out, err, timedOut));
      });
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  }
}

function result(code: number | null, out: Buffer[], err: Buffer[], timedOut: boolean): RunResult {
  const stdoutBuffer = Buffer.concat(out);
  return { code, stdout: stdoutBuffer.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBuffer, timedOut };
}
