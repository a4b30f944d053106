/**
 * A tiny container sandbox: private mount and PID namespaces (`unshare --mount --pid --propagation private
 * --fork`) whose root is a per-container directory with the host's /usr and /etc overlaid
 * (writable per process, read-only underneath), /bin /lib /lib64 /sbin as on the host, /proc,
 * /dev, and the pod's volumes bind-mounted at their mountPaths. Commands run for real in it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One host directory mounted into the sandbox. */
export interface Bind {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Everything needed to start a process in a container's sandbox. */
export interface SandboxSpec {
  /** Per-container root directory (persists across processes of that container). */
  rootDir: string;
  /** Per-container scratch mountpoint (a tmpfs is mounted there inside the namespace). */
  scratchDir: string;
  binds: Bind[];
  workingDir: string;
  env: Record<string, string>;
  argv: string[];
  /**
   * Where the sandbox's process group is written down while it runs (`<pid>` → its start time), so
   * that deleting the cluster ends it even when the fake kube-apiserver that started it was killed
   * (a sandbox has its own mount namespace: the node's clean-up cannot find it otherwise).
   */
  ledgerDir?: string;
  /** Every mount of the container read-only (an enforced AppArmor deny-write profile). */
  readOnly?: boolean;
  /** The root filesystem read-only, writable volumes still writable (securityContext.readOnlyRootFilesystem). */
  readOnlyRoot?: boolean;
  /** argv[0] of the sandbox's outer process as `ps` shows it (Kata: its shim runs the VM). */
  argv0?: string;
  /** A seccomp filter (hex of its sock_filter array, see seccomp.ts) installed just before argv runs. */
  seccomp?: string;
  /** The user argv runs as (runAsUser/runAsGroup or the image's USER, see identity.ts); root when unset. */
  user?: { uid: number; gid: number; groups: number[] };
  /** Capability bounding set as setpriv takes it (capabilities.ts); unset keeps every capability (privileged). */
  boundingSet?: string;
  /** no_new_privs (allowPrivilegeEscalation: false). */
  noNewPrivs?: boolean;
  /** hostPID: no PID namespace of its own, so its /proc shows every process of the host. */
  hostPID?: boolean;
}

export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SYSTEM_DIRS = ['/usr', '/etc', '/bin', '/lib', '/lib64', '/sbin', '/dev', '/proc'];

// Fixed script: every input arrives as a positional parameter, never as shell text.
const SETUP = `set -e
root=$1; scratch=$2; wd=$3; ro=$4; sc=$5; loader=$6; n=$7; shift 7
mount -t tmpfs tmpfs "$scratch"
if [ "$ro" != rw ]; then mount --bind "$root" "$root"; fi
ros="$root"
for d in usr etc; do
  mkdir -p "$root/$d" "$scratch/$d/up" "$scratch/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$scratch/$d/up,workdir=$scratch/$d/work" "$root/$d" 2>/dev/null || mount --bind -o ro "/$d" "$root/$d"
done
for l in bin lib lib64 sbin; do
  if [ -L "/$l" ]; then [ -L "$root/$l" ] || ln -s "$(readlink "/$l")" "$root/$l"
  elif [ -d "/$l" ]; then mkdir -p "$root/$l"; mount --bind -o ro "/$l" "$root/$l"; fi
done
mkdir -p "$root/proc" "$root/dev" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
mount -t proc proc "$root/proc" 2>/dev/null || true
mount --rbind /dev "$root/dev" 2>/dev/null || true
while [ "$n" -gt 0 ]; do
  if [ -d "$1" ]; then mkdir -p "$root$2"
  elif [ ! -e "$root$2" ]; then mkdir -p "$(dirname "$root$2")"; : > "$root$2"; fi
  mount --bind "$1" "$root$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$root$2"; elif [ -d "$1" ]; then ros="$ros $root$2"; fi
  shift 3; n=$((n-1))
done
mkdir -p "$root$wd"
if [ "$ro" = ro ]; then
  for m in $ros; do mount -o remount,bind,ro "$m"; done
  for d in usr etc; do mount -o remount,ro "$root/$d" 2>/dev/null || mount -o remount,bind,ro "$root/$d"; done
elif [ "$ro" = rootro ]; then
  mount -o remount,bind,ro "$root"
  for d in usr etc; do mount -o remount,ro "$root/$d" 2>/dev/null || mount -o remount,bind,ro "$root/$d"; done
fi
# Left: <np> <np setpriv options> <argv>. Reorder to <setpriv options> -- <argv> (no arrays in sh).
np=$1; shift
i=0; while [ "$i" -lt "$np" ]; do set -- "$@" "$1"; shift; i=$((i+1)); done
na=$(($# - np)); set -- "$@" --
i=0; while [ "$i" -lt "$na" ]; do set -- "$@" "$1"; shift; i=$((i+1)); done
# The seccomp filter goes on first, while the process may still install it (runc does so when
# no_new_privs is off); setpriv then drops capabilities, sets no_new_privs and the user, and execs argv.
if [ -n "$sc" ]; then exec chroot "$root" /usr/bin/perl -e "$loader" "$sc" "$wd" /usr/bin/setpriv "$@"; fi
exec chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$wd" /usr/bin/setpriv "$@"
`;

// Installs the filter (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sock_fprog); x86_64 numbers) and
// executes the command, as runc does last before the container's process starts.
const SECCOMP_LOADER = `my ($h, $wd, @c) = @ARGV; chdir $wd or die "sh: cd: $wd: $!\\n"; my $p = pack("H*", $h);
syscall(157, 22, 2, pack("S x![P] P", length($p) / 8, $p)) == 0 or die "seccomp: $!\\n";
exec { $c[0] } @c; print STDERR "exec: $c[0]: $!\\n"; exit 127;`;

/** A container path made safe to append to a root: absolute, normalised, no `..`. */
export function cleanContainerPath(p: string): string {
  const n = posix.normalize(posix.join('/', p));
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** The `unshare` argv that runs `spec.argv` in a fresh sandbox (creates the container dirs). */
export function sandboxArgv(spec: SandboxSpec): string[] {
  mkdirSync(spec.rootDir, { recursive: true });
  mkdirSync(spec.scratchDir, { recursive: true });
  const bindArgs = spec.binds.flatMap((b) => [b.hostPath, cleanContainerPath(b.containerPath), b.readOnly ? 'ro' : 'rw']);
  // util-linux setpriv options: who the process runs as, its capability bounding set, no_new_privs.
  const groups = spec.user?.groups.length ? spec.user.groups : [spec.user?.gid ?? 0];
  const privileges = [
    `--reuid=${spec.user?.uid ?? 0}`, `--regid=${spec.user?.gid ?? 0}`, `--groups=${groups.join(',')}`,
    ...(spec.boundingSet !== undefined ? [`--bounding-set=${spec.boundingSet}`] : []),
    ...(spec.noNewPrivs ? ['--no-new-privs'] : []),
  ];
  return [
    '--mount', ...(spec.hostPID ? [] : ['--pid']), '--propagation', 'private', '--fork', '--',
    '/bin/sh', '-c', SETUP, 'sandbox',
    spec.rootDir, spec.scratchDir, cleanContainerPath(spec.workingDir || '/'), spec.readOnly ? 'ro' : spec.readOnlyRoot ? 'rootro' : 'rw', spec.seccomp ?? '', spec.seccomp ? SECCOMP_LOADER : '',
    String(spec.binds.length), ...bindArgs,
    String(privileges.length), ...privileges,
    ...spec.argv,
  ];
}

/** Starts `spec.argv` in a fresh sandbox. The child is a process-group leader (kill with -pid). */
export function spawnInSandbox(spec: SandboxSpec, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): ChildProcess {
  const child = spawn('/usr/bin/unshare', sandboxArgv(spec), {
    ...(spec.argv0 ? { argv0: spec.argv0 } : {}),
    stdio,
    detached: true,
    env: { PATH: SANDBOX_PATH, ...spec.env },
  });
  recordSandbox(spec.ledgerDir, child);
  return child;
}

/** Writes the sandbox's process group down in `ledgerDir` until it exits (see SandboxSpec.ledgerDir). */
export function recordSandbox(ledgerDir: string | undefined, child: { pid?: number | undefined; once(event: 'exit', l: () => void): unknown }): void {
  const pid = child.pid;
  if (!ledgerDir || !pid) return;
  const file = join(ledgerDir, String(pid));
  try {
    mkdirSync(ledgerDir, { recursive: true });
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    writeFileSync(file, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '');
  } catch {
    return; // already gone
  }
  child.once('exit', () => rmSync(file, { force: true }));
}

function isExecutable(hostPath: string): boolean {
  try {
    if (!statSync(hostPath).isFile()) return false;
    accessSync(hostPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a path inside the sandbox lives on the host. */
export function hostPathOf(spec: Pick<SandboxSpec, 'rootDir' | 'binds'>, containerPath: string): string {
  const p = cleanContainerPath(containerPath);
  const bind = [...spec.binds]
    .sort((a, b) => b.containerPath.length - a.containerPath.length)
    .find((b) => p === cleanContainerPath(b.containerPath) || p.startsWith(cleanContainerPath(b.containerPath) + '/'));
  if (bind) return join(bind.hostPath, p.slice(cleanContainerPath(bind.containerPath).length));
  if (SYSTEM_DIRS.some((d) => p === d || p.startsWith(d + '/'))) return p;
  return join(spec.rootDir, p);
}

/**
 * Why `argv[0]` cannot start, worded like containerd/runc, or undefined when it can.
 * Resolution uses the sandbox PATH the way runc does.
 */
export function startError(spec: Pick<SandboxSpec, 'rootDir' | 'binds' | 'env'>, cmd: string): string | undefined {
  const prefix = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ';
  if (cmd.includes('/')) {
    if (isExecutable(hostPathOf(spec, cmd))) return undefined;
    return `${prefix}exec: "${cmd}": stat ${cmd}: no such file or directory: unknown`;
  }
  const path = spec.env.PATH ?? SANDBOX_PATH;
  for (const dir of path.split(':')) {
    if (dir && isExecutable(hostPathOf(spec, posix.join(dir, cmd)))) return undefined;
  }
  return `${prefix}exec: "${cmd}": executable file not found in $PATH: unknown`;
}
