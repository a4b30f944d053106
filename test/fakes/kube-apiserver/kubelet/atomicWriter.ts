/**
 * How the kubelet lays out a secret, configMap, downwardAPI or projected volume (its AtomicWriter,
 * pkg/volume/util/atomic_writer.go): the files live in a timestamped directory
 * `..2026_11_30_02_53_42.1234567890/`, `..data` is a symlink to it, and each top-level entry of the
 * payload is a symlink `<name> -> ..data/<name>`. An update writes a new timestamped directory and
 * swaps `..data` in one rename, so a reader never sees half a payload. So `ls -la` shows the links
 * and `stat` without `-L` a symlink, `stat -L` the file with its mode.
 */
import { chmodSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { dirname, join, posix } from 'node:path';

/** One file of a volume's payload (path relative to the volume, mode absent: the volume's default). */
export interface PayloadFile {
  path: string;
  content: string | Buffer;
  mode?: number;
}

const DATA = '..data';

/** `..2006_01_02_15_04_05.<digits>` as the kubelet names a payload directory (UTC). */
function payloadDirName(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${stamp}.${randomInt(1, 2 ** 31)}`;
}

/** Writes `files` into `dir` with the kubelet's `..data` layout, replacing an earlier payload. */
export function atomicWrite(dir: string, files: PayloadFile[], defaultMode: number, now = new Date()): void {
  mkdirSync(dir, { recursive: true });
  const tsDir = payloadDirName(now);
  mkdirSync(join(dir, tsDir), { mode: 0o755 });
  chmodSync(join(dir, tsDir), 0o755);
  const top = new Set<string>();
  for (const f of files) {
    const rel = posix.normalize(posix.join('/', f.path)).slice(1);
    if (!rel || rel.startsWith('..')) continue; // the API server refuses such paths; never write outside
    const target = join(dir, tsDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode ?? defaultMode);
    top.add(rel.split('/')[0]!);
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, DATA));
  } catch {
    old = undefined;
  }
  rmSync(join(dir, `${DATA}_tmp`), { force: true });
  symlinkSync(tsDir, join(dir, `${DATA}_tmp`));
  renameSync(join(dir, `${DATA}_tmp`), join(dir, DATA));
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..')) {
      if (name !== DATA && name !== tsDir && (name === old || /^\.\.\d{4}_/.test(name))) rmSync(join(dir, name), { recursive: true, force: true });
      continue;
    }
    if (!top.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  for (const name of top) {
    try {
      if (readlinkSync(join(dir, name)) === `${DATA}/${name}`) continue;
    } catch {
      // absent or not a link: (re)create below
    }
    rmSync(join(dir, name), { recursive: true, force: true });
    symlinkSync(`${DATA}/${name}`, join(dir, name));
  }
}
