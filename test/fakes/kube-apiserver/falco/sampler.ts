/**
 * What the fake Falco observes, and how. Real Falco (modern eBPF) sees every syscall of the host
 * kernel. The fake cannot: it samples /proc (every ~200 ms in the fake service) for the processes
 * of the containers it is given — the processes below each container's first process — and turns
 * what is new since the last sample into events:
 *  - a process seen for the first time → `execve` (evt.dir `<`), with its comm, argv, exe, cwd,
 *    parent and ancestors, user, and the container's id / name / image / pod / namespace;
 *  - a regular file (or directory) descriptor seen open for the first time → `openat`, with
 *    evt.is_open_read / is_open_write from the descriptor's access mode (/proc/<pid>/fdinfo flags),
 *    fd.num / fd.name / fd.directory / fd.filename / fd.typechar.
 * So a process that lives, or a file that stays open, for less than one sample interval can be
 * missed, reads/writes/closes/connects are not events at all, and host processes (container.id
 * `host` in real Falco) are not watched. Events of processes that existed before the first sample
 * are not reported (Falco only reports what happens after it starts). Paths are the container's
 * view (the container root's host prefix is stripped). Everything read from /proc is bounded.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { FieldValue } from './condition.js';
import { formatTime } from './output.js';

/** A container whose processes are watched. */
export interface WatchedContainer {
  /** Full container id (the CRI's 64 hex digits); container.id is its first 12. */
  id: string;
  /** Host pid of the container's first process. */
  pid: number;
  name: string;
  image: string;
  podName: string;
  namespace: string;
}

/** One sampled event: its time and its fields (what condition.ts's Event reads). */
export interface SampledEvent {
  timeNs: bigint;
  fields: Map<string, FieldValue>;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  start: string;
  tty: number;
}

const MAX_PROCS_PER_CONTAINER = 512;
const MAX_FDS_PER_PROC = 256;
const MAX_READ = 64 * 1024;

function readSmall(file: string): string | undefined {
  try {
    const s = readFileSync(file, 'latin1');
    return s.length > MAX_READ ? s.slice(0, MAX_READ) : s;
  } catch {
    return undefined;
  }
}

function link(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

function stat(pid: number): ProcInfo | undefined {
  const s = readSmall(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const rest = s.slice(close + 2).split(' ');
  // rest[0] state, [1] ppid, [4] tty_nr, [19] starttime
  return { pid, ppid: Number(rest[1]), comm, start: rest[19] ?? '0', tty: Number(rest[4] ?? 0) };
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    const c = readSmall(`/proc/${pid}/task/${t}/children`);
    if (c) for (const x of c.trim().split(/\s+/)) if (/^\d+$/.test(x)) out.push(Number(x));
  }
  return out;
}

/** `path` (as the host resolves it) in the view of a process whose root is `root`. */
function inRoot(path: string, root: string): string {
  if (root === '/' || !path.startsWith('/')) return path;
  if (path === root) return '/';
  return path.startsWith(`${root}/`) ? path.slice(root.length) : path;
}

/** Name for `id` in a passwd/group file's text (name:x:id:...), or undefined. */
function nameOf(text: string | undefined, id: number): string | undefined {
  for (const l of (text ?? '').split('\n')) {
    const f = l.split(':');
    if (f.length >= 3 && Number(f[2]) === id && f[2] !== '') return f[0];
  }
  return undefined;
}

/** Samples /proc and reports what is new; one instance per Falco run. */
export class ProcSampler {
  private seen = new Set<string>();
  private primed = false;
  private evtNum = 0;
  private readonly bootNs: bigint;
  private readonly hz = 100;

  constructor(private readonly clock: () => bigint = () => BigInt(Date.now()) * 1_000_000n) {
    const uptime = Number((readSmall('/proc/uptime') ?? '0').split(' ')[0]);
    this.bootNs = clock() - BigInt(Math.round(uptime * 1e9));
  }

  /** The events since the last call (none on the first: that call only learns what already runs). */
  sample(containers: WatchedContainer[]): SampledEvent[] {
    const now = this.clock();
    const events: SampledEvent[] = [];
    const current = new Set<string>();
    for (const c of containers) {
      const infos = new Map<number, ProcInfo>();
      const queue = [c.pid];
      while (queue.length && infos.size < MAX_PROCS_PER_CONTAINER) {
        const pid = queue.shift()!;
        if (infos.has(pid)) continue;
        const info = stat(pid);
        if (!info) continue;
        infos.set(pid, info);
        queue.push(...children(pid));
      }
      for (const info of infos.values()) {
        const key = `${info.pid}:${info.start}`;
        current.add(key);
        const proc = () => this.procFields(c, info, infos);
        let fields: Map<string, FieldValue> | undefined;
        if (!this.seen.has(key) && this.primed) {
          fields = proc();
          const t = this.bootNs + (BigInt(info.start) * 1_000_000_000n) / BigInt(this.hz);
          events.push(this.event(t > now ? now : t, fields, { 'evt.type': 'execve', 'evt.res': 'SUCCESS', 'evt.rawres': 0 }));
        }
        let fds: string[] = [];
        try {
          fds = readdirSync(`/proc/${info.pid}/fd`).slice(0, MAX_FDS_PER_PROC);
        } catch {
          continue;
        }
        const root = link(`/proc/${info.pid}/root`) ?? '/';
        for (const fd of fds) {
          const target = link(`/proc/${info.pid}/fd/${fd}`);
          if (!target || !target.startsWith('/')) continue;
          const flags = /flags:\s*([0-7]+)/.exec(readSmall(`/proc/${info.pid}/fdinfo/${fd}`) ?? '')?.[1];
          if (flags === undefined) continue;
          const fkey = `${key}:${fd}:${flags}:${target}`;
          current.add(fkey);
          if (this.seen.has(fkey) || !this.primed) continue;
          let typechar = 'f';
          try {
            const st = statSync(`/proc/${info.pid}/fd/${fd}`);
            if (st.isDirectory()) typechar = 'd';
            else if (!st.isFile()) continue;
          } catch {
            continue;
          }
          const acc = Number.parseInt(flags, 8) & 3;
          const name = inRoot(target.replace(/ \(deleted\)$/, ''), root);
          fields ??= proc();
          events.push(
            this.event(now, fields, {
              'evt.type': 'openat',
              'evt.is_open_read': acc === 0 || acc === 2,
              'evt.is_open_write': acc === 1 || acc === 2,
              'evt.is_open_exec': false,
              'evt.res': 'SUCCESS',
              'evt.rawres': Number(fd),
              'fd.num': Number(fd),
              'fd.name': name,
              'fd.directory': typechar === 'd' ? name : posix.dirname(name),
              'fd.filename': typechar === 'd' ? undefined : posix.basename(name),
              'fd.typechar': typechar,
              'fd.type': typechar === 'd' ? 'directory' : 'file',
            }),
          );
        }
      }
    }
    this.seen = current;
    this.primed = true;
    return events;
  }

  private event(timeNs: bigint, proc: Map<string, FieldValue>, extra: Record<string, FieldValue>): SampledEvent {
    const fields = new Map(proc);
    for (const [k, v] of Object.entries(extra)) fields.set(k, v);
    const iso = new Date(Number(timeNs / 1_000_000n)).toISOString().slice(0, 19);
    fields.set('evt.dir', '<');
    fields.set('evt.num', ++this.evtNum);
    fields.set('evt.rawtime', Number(timeNs));
    fields.set('evt.time', formatTime(timeNs));
    fields.set('evt.time.s', formatTime(timeNs).slice(0, 8));
    fields.set('evt.time.iso8601', `${iso}.${String(timeNs % 1_000_000_000n).padStart(9, '0')}Z`);
    fields.set('evt.datetime', `${iso.replace('T', ' ')}.${String(timeNs % 1_000_000_000n).padStart(9, '0')}`);
    return { timeNs, fields };
  }

  private procFields(c: WatchedContainer, info: ProcInfo, infos: Map<number, ProcInfo>): Map<string, FieldValue> {
    const f = new Map<string, FieldValue>();
    const root = link(`/proc/${info.pid}/root`) ?? '/';
    const argv = (readSmall(`/proc/${info.pid}/cmdline`) ?? '').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    const args = argv.slice(1).join(' ');
    const status = readSmall(`/proc/${info.pid}/status`) ?? '';
    const uid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const gid = Number(/^Gid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop();
    const exe = link(`/proc/${info.pid}/exe`);
    const parent = infos.get(info.ppid) ?? stat(info.ppid);
    f.set('proc.name', info.comm);
    f.set('proc.exe', argv[0]);
    f.set('proc.exepath', exe ? inRoot(exe, root) : undefined);
    f.set('proc.args', args);
    f.set('proc.cmdline', args ? `${info.comm} ${args}` : info.comm);
    f.set('proc.pid', info.pid);
    f.set('thread.tid', info.pid);
    f.set('proc.vpid', nspid ? Number(nspid) : undefined);
    f.set('proc.ppid', info.ppid);
    f.set('proc.tty', info.tty);
    const cwd = link(`/proc/${info.pid}/cwd`);
    f.set('proc.cwd', cwd ? `${inRoot(cwd, root).replace(/\/$/, '')}/` : undefined);
    if (parent) {
      const pargv = (readSmall(`/proc/${parent.pid}/cmdline`) ?? '').split('\0').filter((x, i, a) => i < a.length - 1 || x !== '');
      f.set('proc.pname', parent.comm);
      f.set('proc.pcmdline', pargv.length > 1 ? `${parent.comm} ${pargv.slice(1).join(' ')}` : parent.comm);
      f.set('proc.pexe', pargv[0]);
    }
    // proc.aname[n] / proc.apid[n]: n=0 the process, 1 its parent, ... up to 8 generations.
    let a: ProcInfo | undefined = info;
    for (let n = 0; a && n <= 8; n++) {
      f.set(`proc.aname[${n}]`, a.comm);
      f.set(`proc.apid[${n}]`, a.pid);
      a = infos.get(a.ppid) ?? (n < 8 ? stat(a.ppid) : undefined);
    }
    const passwd = readSmall(`/proc/${info.pid}/root/etc/passwd`);
    const group = readSmall(`/proc/${info.pid}/root/etc/group`);
    if (Number.isFinite(uid)) {
      f.set('user.uid', uid);
      f.set('user.name', nameOf(passwd, uid) ?? (uid === 0 ? 'root' : undefined));
    }
    if (Number.isFinite(gid)) {
      f.set('group.gid', gid);
      f.set('group.name', nameOf(group, gid) ?? (gid === 0 ? 'root' : undefined));
    }
    const login = Number((readSmall(`/proc/${info.pid}/loginuid`) ?? '').trim());
    f.set('user.loginuid', login === 4294967295 ? -1 : Number.isFinite(login) ? login : undefined);
    f.set('container.id', c.id.slice(0, 12));
    f.set('container.name', c.name);
    f.set('container.image', c.image);
    const m = /^(.*?)(?::([^:/@]+))?(?:@sha256:[0-9a-f]+)?$/.exec(c.image);
    f.set('container.image.repository', m?.[1] ?? c.image);
    f.set('container.image.tag', m?.[2]);
    f.set('k8s.ns.name', c.namespace);
    f.set('k8s.pod.name', c.podName);
    return f;
  }
}
