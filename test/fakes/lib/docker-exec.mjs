// `docker exec` against a fake node: joins the node's mount + UTS namespaces and root with nsenter,
// with the container's environment, and passes stdio straight through (a pty stays a pty).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { findImage } from './docker-images.mjs';
import path from 'node:path';
import { CliExit } from './cli-util.mjs';
import { NODE_PATH, pathInNode } from './node-runtime.mjs';
import { signalNumber } from './signals.mjs';

const OCI = 'OCI runtime exec failed: exec failed: unable to start container process:';

function isExecutable(file) {
  try {
    const st = fs.statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Check, from the host through /proc/<pid>/root, that the command exists in the node (runc's errors). */
function checkCommand(pid, cmd, envPath, workdir) {
  if (cmd.includes('/')) {
    const abs = cmd.startsWith('/') ? cmd : path.posix.join(workdir, cmd);
    if (!fs.existsSync(pathInNode(pid, abs))) throw new CliExit(127, `${OCI} exec: "${cmd}": stat ${cmd}: no such file or directory: unknown`);
    return;
  }
  for (const dir of envPath.split(':').filter(Boolean)) {
    if (isExecutable(pathInNode(pid, path.posix.join(dir, cmd)))) return;
  }
  throw new CliExit(127, `${OCI} exec: "${cmd}": executable file not found in $PATH: unknown`);
}

function lookupUser(pid, spec) {
  const [user, group] = spec.split(':');
  const passwd = (() => {
    try {
      return fs.readFileSync(pathInNode(pid, '/etc/passwd'), 'utf8').split('\n').map((l) => l.split(':'));
    } catch {
      return [];
    }
  })();
  const entry = passwd.find((f) => f[0] === user || f[2] === user);
  if (!entry && !/^\d+$/.test(user)) throw new CliExit(126, `unable to find user ${user}: no matching entries in passwd file`);
  const uid = entry ? entry[2] : user;
  const gid = group ?? (entry ? entry[3] : '0');
  return { uid, gid, home: entry?.[5] ?? '/' };
}

/** Environment a process started by `docker exec` sees: the container's (its image's ENV included), then -e. */
function execEnv(node, opts, callerEnv, home) {
  const env = { PATH: NODE_PATH, HOSTNAME: node.name, container: 'docker', HOME: home };
  for (const kv of (node.image ? findImage(node.image, callerEnv)?.env : undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0 && kv.slice(0, eq) !== 'PATH') env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (opts.tty) env.TERM = 'xterm';
  for (const kv of opts.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq >= 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    else if (callerEnv[kv] !== undefined) env[kv] = callerEnv[kv];
  }
  return env;
}

/**
 * Run `argv` in the node. Resolves with the exit code (128+n when killed by signal n), or 0 at once
 * with --detach.
 */
export function execInNode(node, argv, opts, callerEnv = process.env) {
  const pid = node.process.pid;
  const workdir = opts.workdir || '/';
  const user = opts.user && !['root', '0', '0:0'].includes(opts.user) ? lookupUser(pid, opts.user) : null;
  const env = execEnv(node, opts, callerEnv, user ? user.home : '/root');
  if (!fs.existsSync(pathInNode(pid, workdir))) {
    throw new CliExit(126, `${OCI} chdir to cwd ("${workdir}") set in config.json failed: no such file or directory: unknown`);
  }
  checkCommand(pid, argv[0], env.PATH, workdir);
  const nsenter = ['--target', String(pid), '--mount', '--uts', '--root', `--wdns=${workdir}`];
  if (user) nsenter.push(`--setgid=${user.gid}`, `--setuid=${user.uid}`);
  nsenter.push('--', ...argv);
  if (opts.detach) {
    const child = spawn('nsenter', nsenter, { env, stdio: 'ignore', detached: true });
    child.unref();
    return Promise.resolve(0);
  }
  const child = spawn('nsenter', nsenter, { env, stdio: [opts.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
  // With a tty the terminal delivers ^C itself; other signals sent to us are proxied.
  const proxied = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', ...(opts.tty ? [] : ['SIGINT'])];
  const handlers = proxied.map((sig) => [sig, () => child.kill(sig)]);
  if (opts.tty) handlers.push(['SIGINT', () => undefined]);
  for (const [sig, h] of handlers) process.on(sig, h);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? 128 + signalNumber(sig));
    });
  });
}
