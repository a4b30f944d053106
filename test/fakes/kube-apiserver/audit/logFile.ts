/**
 * The audit log file as kube-apiserver's log backend writes it through lumberjack: appended line by
 * line, rotated when the next write would pass --audit-log-maxsize megabytes (0: lumberjack's 100)
 * — the file renamed to `<name>-<UTC time 2006-01-02T15-04-05.000><ext>` (gzipped with
 * --audit-log-compress) and a new one started — then the backups beyond --audit-log-maxbackup (0:
 * keep all) and older than --audit-log-maxage days (0: no limit) removed.
 *
 * Paths here are the node's; `hostRoot()` says where the node's root is seen from this process
 * (the running node's root through /proc/<pid>/root, so writes go through its overlay).
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, posix } from 'node:path';

export interface LogFileOptions {
  /** The file, as a node path. */
  path: string;
  maxSizeMB: number;
  maxBackups: number;
  maxAgeDays: number;
  compress: boolean;
  /** Where the node's `/` is, seen from this process. */
  hostRoot: () => string;
  now?: () => Date;
}

const MEGABYTE = 1024 * 1024;

export class AuditLogFile {
  constructor(private readonly opts: LogFileOptions) {}

  private host(p: string): string {
    return join(this.opts.hostRoot(), p);
  }

  /** Appends one line (with its newline), rotating first when it would not fit. */
  write(line: string): void {
    const file = this.host(this.opts.path);
    const max = (this.opts.maxSizeMB > 0 ? this.opts.maxSizeMB : 100) * MEGABYTE;
    const len = Buffer.byteLength(line);
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      size = 0;
    }
    if (size > 0 && size + len > max) this.rotate(file);
    appendFileSync(file, line, { mode: 0o600 });
  }

  private rotate(file: string): void {
    const { dir, name, ext } = posix.parse(this.opts.path);
    const now = (this.opts.now ?? (() => new Date()))();
    const stamp = now.toISOString().replace(/:/g, '-').replace(/Z$/, '');
    const backup = this.host(posix.join(dir, `${name}-${stamp}${ext}`));
    renameSync(file, backup);
    if (this.opts.compress) {
      writeFileSync(`${backup}.gz`, gzipSync(readFileSync(backup)), { mode: 0o600 });
      unlinkSync(backup);
    }
    this.mill(dir, name, ext, now);
  }

  /** lumberjack's millRunOnce: keep the newest maxBackups backups younger than maxAge days. */
  private mill(dir: string, name: string, ext: string, now: Date): void {
    const hostDir = this.host(dir);
    const pattern = new RegExp(`^${escape(name)}-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3})${escape(ext)}(\\.gz)?$`);
    const backups = readdirSync(hostDir)
      .map((f) => ({ f, m: pattern.exec(f) }))
      .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
      .map(({ f, m }) => ({ f, t: Date.parse(`${m[1]!.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3')}Z`) }))
      .sort((a, b) => b.t - a.t);
    const remove = new Set<string>();
    if (this.opts.maxBackups > 0) backups.slice(this.opts.maxBackups).forEach((b) => remove.add(b.f));
    if (this.opts.maxAgeDays > 0) backups.filter((b) => b.t < now.getTime() - this.opts.maxAgeDays * 86_400_000).forEach((b) => remove.add(b.f));
    for (const f of remove) {
      try {
        unlinkSync(join(hostDir, f));
      } catch {
        // gone already
      }
    }
  }

  /**
   * ensureLogFile: MkdirAll of the file's directory, then open O_CREATE|O_APPEND (mode 0600).
   * Throws kube-apiserver's error text.
   */
  ensure(): void {
    const dir = posix.dirname(this.opts.path);
    mkdirSync(this.host(dir), { recursive: true, mode: 0o700 });
    closeSync(openSync(this.host(this.opts.path), 'a', 0o600));
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
