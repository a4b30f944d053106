/** Runs one command in a pod through the exec subresource and collects its outcome. */
import { Writable } from 'node:stream';
import { ProbeError, type ExecOutcome } from '../grading/types.js';
import type { ExecSocket, ExecStatus, PodExecutor } from './types.js';

/** Exit code from an exec status: Success → 0, NonZeroExitCode → its ExitCode cause. */
export function exitCodeFromStatus(status: ExecStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : Number.NaN;
  return Number.isFinite(code) ? code : undefined;
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
}

/**
 * `command` in `namespace/pod` (container `container`), resolved when the status channel reports
 * the exit. A command that could not start (e.g. not in the image) is exit code 126 with the
 * runtime's message as stderr, like a shell reports it; transport failures are ProbeErrors.
 */
export async function execInPod(
  executor: PodExecutor,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  timeoutMs: number,
): Promise<ExecOutcome> {
  const where = `pod ${target.namespace}/${target.pod} (container ${target.container})`;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let settle: ((r: ExecOutcome | ProbeError) => void) | undefined;
  const settled = new Promise<ExecOutcome | ProbeError>((resolve) => (settle = resolve));
  const onStatus = (status: ExecStatus): void => {
    const code = exitCodeFromStatus(status);
    // Writes reach the collectors synchronously; setImmediate lets any queued write land first.
    setImmediate(() => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== undefined) settle?.({ exitCode: code, stdout, stderr });
      else settle?.({ exitCode: 126, stdout, stderr: stderr + (status.message ?? status.reason ?? 'the command could not start') });
    });
  };
  let socket: ExecSocket | undefined;
  try {
    socket = (await executor.exec(target.namespace, target.pod, target.container, command, collector(out), collector(err), null, false, onStatus)) as ExecSocket;
  } catch (e) {
    throw new ProbeError(`cannot exec in ${where}: ${describeSocketError(e)}`, { cause: e });
  }
  socket.on('close', () => setTimeout(() => settle?.(new ProbeError(`exec in ${where} closed before the command reported its exit status`)), 50));
  const timer = setTimeout(() => settle?.(new ProbeError(`command in ${where} did not finish within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
  try {
    const result = await settled;
    if (result instanceof ProbeError) throw result;
    return result;
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

function describeSocketError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  const ev = e as { message?: unknown; error?: unknown };
  if (ev && ev.error instanceof Error) return ev.error.message;
  return typeof ev?.message === 'string' ? ev.message : String(e);
}
