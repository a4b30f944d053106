/**
 * What a server image's own entrypoint needs when it starts. The fakes have no image contents: a
 * server image with no command ran no process at all (layout.ts containerArgv), so it "served"
 * whatever its securityContext said. For images modelled here the container runs a small stand-in
 * for the image's entrypoint instead, in the container's real sandbox, so the start meets the
 * container's real filesystem (a read-only root, emptyDir mounts, the user it runs as):
 *
 * - nginx (the official image, docker-library `nginx`, Debian or Alpine): docker-entrypoint.sh's
 *   configuration messages (10-listen-on-ipv6-by-default.sh says it cannot modify default.conf on
 *   a read-only root), then nginx's own start: the "user" directive warning when not root, mkdir()
 *   of its five temp paths under /var/cache/nginx (`--http-client-body-temp-path` … from its build,
 *   EEXIST is fine), then its pid file (`pid /var/run/nginx.pid;` in nginx.conf before 1.27.5,
 *   `/run/nginx.pid` since: pkg-oss changed it; /var/run is a symlink to /run in the image).
 *   Each failure is nginx's line twice — timestamped in the error log (a symlink to /dev/stderr)
 *   and `nginx: [emerg] …` on stderr — with the errno as strerror says it, and exit code 1, e.g.
 *   `nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)`.
 *   Started, it stays running as the master process (the pod network answers for its port 80).
 * - nginxinc/nginx-unprivileged: the same start with its config's paths (/tmp/*_temp, /tmp/nginx.pid)
 *   and no "user" directive.
 *
 * Simplified: no worker processes, no config file is read (a learner's own nginx.conf mounted over
 * /etc/nginx is not honoured), `nginx -t`/`nginx -s` are not simulated, and /var/run is a relative
 * symlink (`../run`) so a volume mounted there lands on /run inside the container's root, as runc's
 * securejoin resolves it.
 */
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cleanContainerPath } from './sandbox.js';

/** How a modelled image starts. */
export interface ImageStart {
  /** The process the container runs (argv inside its sandbox). */
  argv: string[];
  /** Directories (mode 0755, root) and symlinks the image ships, made in the container's root once. */
  dirs: string[];
  symlinks: [path: string, target: string][];
}

interface NginxModel {
  temps: string[];
  pid: (tag: string) => string;
  /** nginx.conf has `user nginx;` on line 2 (warned about when the master is not root). */
  userDirective: boolean;
}

const CACHE_TEMPS = ['client_temp', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp'];

/** `/run/nginx.pid` from 1.27.5 on (pkg-oss), `/var/run/nginx.pid` before; an unversioned tag is current. */
export function nginxPidPath(tag: string): string {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-|$)/.exec(tag);
  if (!m) return '/run/nginx.pid';
  const v = [Number(m[1]), m[2] === undefined ? Infinity : Number(m[2]), m[3] === undefined ? Infinity : Number(m[3])] as const;
  const older = v[0] < 1 || (v[0] === 1 && (v[1] < 27 || (v[1] === 27 && v[2] < 5)));
  return older ? '/var/run/nginx.pid' : '/run/nginx.pid';
}

const MODELS: Record<string, NginxModel> = {
  'docker.io/library/nginx': { temps: CACHE_TEMPS.map((t) => `/var/cache/nginx/${t}`), pid: nginxPidPath, userDirective: true },
  'docker.io/nginxinc/nginx-unprivileged': { temps: CACHE_TEMPS.map((t) => `/tmp/${t}`), pid: () => '/tmp/nginx.pid', userDirective: false },
  'docker.io/nginx/nginx-unprivileged': { temps: CACHE_TEMPS.map((t) => `/tmp/${t}`), pid: () => '/tmp/nginx.pid', userDirective: false },
};

/** `nginx:1.27.3` → { repo: 'docker.io/library/nginx', tag: '1.27.3' } (digest dropped, default tag latest). */
export function imageRepo(image: string): { repo: string; tag: string } {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const tag = colon > slash ? noDigest.slice(colon + 1) : 'latest';
  let repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const parts = repo.split('/');
  if (parts.length === 1) repo = `docker.io/library/${repo}`;
  else if (!/[.:]/.test(parts[0]!) && parts[0] !== 'localhost') repo = `docker.io/${repo}`;
  return { repo, tag };
}

// The entrypoint's and nginx's start, run by perl inside the sandbox (fixed text; inputs are argv).
const NGINX_START = String.raw`use strict; use POSIX qw(strftime uname); use filetest 'access';
my ($version, $user, $pid, $entry, @temps) = @ARGV; $| = 1;
my $now = sub { strftime('%Y/%m/%d %H:%M:%S', localtime) };
sub say_log { my ($level, $msg, $stderr) = @_; print STDERR $now->() . " [$level] $$#$$: $msg\n"; print STDERR "nginx: [$level] $msg\n" if $stderr; }
if ($entry) {
  my $ep = '/docker-entrypoint.sh'; my $me = '10-listen-on-ipv6-by-default.sh'; my $conf = '/etc/nginx/conf.d/default.conf';
  print "$ep: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n$ep: Looking for shell scripts in /docker-entrypoint.d/\n";
  print "$ep: Launching /docker-entrypoint.d/$me\n";
  if (! -f '/proc/net/if_inet6') { print "$me: info: ipv6 not available\n"; }
  elsif (-w '/etc') { print "$me: info: Getting the checksum of $conf\n$me: info: Enabled listen on IPv6 in $conf\n"; }
  else { print "$me: info: can not modify $conf (read-only file system?)\n"; }
  print "$ep: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh\n";
  print "$ep: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh\n$ep: Launching /docker-entrypoint.d/30-tune-worker-processes.sh\n";
  print "$ep: Configuration complete; ready for start up\n";
}
say_log('warn', 'the "user" directive makes sense only if the master process runs with super-user privileges, ignored in /etc/nginx/nginx.conf:2', 1) if $user && $> != 0;
for my $t (@temps) {
  next if mkdir($t, 0700) || $!{EEXIST};
  my ($n, $s) = ($! + 0, "$!"); say_log('emerg', sprintf('mkdir() "%s" failed (%d: %s)', $t, $n, $s), 1); exit 1;
}
my $fh; unless (open($fh, '>', $pid)) { my ($n, $s) = ($! + 0, "$!"); say_log('emerg', sprintf('open() "%s" failed (%d: %s)', $pid, $n, $s), 1); exit 1; }
print $fh "$$\n"; close $fh;
say_log('notice', 'using the "epoll" event method');
say_log('notice', "nginx/$version") if $version ne '';
say_log('notice', 'OS: ' . join(' ', (uname())[0, 2]));
say_log('notice', 'start worker processes');
$0 = 'nginx: master process nginx -g daemon off;';
sleep 3600 while 1;`;

/**
 * How `container` starts when its image is modelled and it runs the image's own entrypoint (no
 * `command`; args absent or starting with nginx/nginx-debug, which docker-entrypoint.sh configures
 * for), else undefined.
 */
export function imageStart(container: Record<string, any>): ImageStart | undefined {
  if (Array.isArray(container.command) && container.command.length > 0) return undefined;
  const args: unknown[] = Array.isArray(container.args) ? container.args : [];
  if (args.length > 0 && args[0] !== 'nginx' && args[0] !== 'nginx-debug') return undefined;
  const { repo, tag } = imageRepo(String(container.image ?? ''));
  const model = MODELS[repo];
  if (!model) return undefined;
  const version = /^\d+\.\d+\.\d+/.exec(tag)?.[0] ?? '';
  return {
    argv: ['/usr/bin/perl', '-e', NGINX_START, version, model.userDirective ? '1' : '', model.pid(tag), '1', ...model.temps],
    dirs: ['/var/cache/nginx', '/run', '/var/log/nginx', '/docker-entrypoint.d'],
    symlinks: [['/var/run', '../run'], ['/var/log/nginx/access.log', '/dev/stdout'], ['/var/log/nginx/error.log', '/dev/stderr']],
  };
}

/** Makes the image's directories and symlinks in the container's root (what unpacking its layers leaves); idempotent. */
export function unpackImageLayout(rootDir: string, start: ImageStart): void {
  for (const d of start.dirs) mkdirSync(join(rootDir, cleanContainerPath(d)), { recursive: true, mode: 0o755 });
  for (const [path, target] of start.symlinks) {
    const at = join(rootDir, cleanContainerPath(path));
    if (existsSync(at) || isLink(at)) continue;
    mkdirSync(join(at, '..'), { recursive: true, mode: 0o755 });
    symlinkSync(target, at);
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
