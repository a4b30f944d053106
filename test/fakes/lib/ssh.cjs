'use strict';
// Fake OpenSSH client for fake kind nodes whose image installs openssh (LABEL io.cks-lab.ssh):
// copied to the node's /usr/local/bin/ssh by node-image.mjs. Fake nodes share the host's network,
// so no real sshd can listen on each node's port 22; this client does what ssh + sshd would,
// checking what they check, then enters the peer node's namespaces with nsenter (as docker exec
// does). Follows OpenSSH 9.2 (Debian bookworm): argv, ~/.ssh/config (first value wins, Host
// patterns with * and ?), identity files, known_hosts and StrictHostKeyChecking, authorized_keys,
// messages and exit code 255 for its own failures, the remote command's code otherwise.
// Peers (name, address, namespace holder pid) come from /etc/cks-fake/peers.json, written by fake
// kind: the node's view of Docker's embedded DNS on the kind network.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NO_ARG = new Set('46AaCfGgKkMNnqsTtVvXxYy'.split(''));
const WITH_ARG = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

function die(msg, code = 255) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function parseArgv(argv) {
  const opts = { o: [], i: [], t: 0, T: false, F: null, l: null, p: null, q: false, v: 0 };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (NO_ARG.has(c)) {
        if (c === 't') opts.t++;
        else if (c === 'T') opts.T = true;
        else if (c === 'q') opts.q = true;
        else if (c === 'v') opts.v++;
        else if (c === 'V') die('OpenSSH_9.2p1 Debian-2+deb12u7, OpenSSL 3.0.17 1 Jul 2025', 0);
        continue;
      }
      if (!WITH_ARG.has(c)) die(`unknown option -- ${c}\nusage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]`);
      const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
      if (value === undefined) die(`option requires an argument -- ${c}`);
      if (c === 'o') opts.o.push(value);
      else if (c === 'i') opts.i.push(value);
      else if (c === 'F') opts.F = value;
      else if (c === 'l') opts.l = value;
      else if (c === 'p') opts.p = value;
      break;
    }
  }
  const dest = argv[i];
  if (dest === undefined) die('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           destination [command [argument ...]]');
  return { opts, dest, command: argv.slice(i + 1) };
}

/** `-o Key=Value` / `-o "Key Value"` → [key lower-cased, value]. */
function splitOption(text) {
  const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(text);
  if (!m) die(`command-line line 0: no argument after keyword "${text}"`);
  return [m[1].toLowerCase(), m[2].replace(/^"(.*)"$/, '$1')];
}

function globMatch(pattern, host) {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(host);
}

/** The options that apply to `host`: command line first, then each matching Host block, first value wins. */
function resolveOptions(opts, host) {
  const out = new Map();
  const set = (k, v) => { if (!out.has(k)) out.set(k, v); };
  for (const o of opts.o) set(...splitOption(o));
  if (opts.l) set('user', opts.l);
  if (opts.p) set('port', opts.p);
  const file = opts.F ?? '/root/.ssh/config';
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (opts.F) die(`Can't open user config file ${file}: No such file or directory`);
  }
  let applies = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [key, value] = splitOption(line);
    if (key === 'host') {
      const patterns = value.split(/\s+/);
      const negated = patterns.filter((p) => p.startsWith('!')).some((p) => globMatch(p.slice(1), host));
      applies = !negated && patterns.some((p) => !p.startsWith('!') && globMatch(p, host));
      continue;
    }
    if (key === 'identityfile') {
      if (applies) (out.get('identityfile') ?? out.set('identityfile', []).get('identityfile')).push(value);
      continue;
    }
    if (applies) set(key, value);
  }
  return out;
}

function readPeers() {
  try {
    return JSON.parse(fs.readFileSync('/etc/cks-fake/peers.json', 'utf8'));
  } catch {
    return [];
  }
}

function inNode(pid, p) {
  return `/proc/${pid}/root${p}`;
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function expandHome(p) {
  return p.replace(/^~(?=\/|$)/, '/root').replace(/%d/g, '/root').replace(/%u/g, 'root');
}

/** The public key blob of a private key file (ssh-keygen -y), or null when it cannot be read. */
function publicBlob(keyFile) {
  if (!fs.existsSync(keyFile)) return null;
  const st = fs.statSync(keyFile);
  if ((st.mode & 0o077) !== 0) {
    process.stderr.write(`@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions 0${(st.mode & 0o777).toString(8)} for '${keyFile}' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.\nLoad key "${keyFile}": bad permissions\n`);
    return null;
  }
  const res = spawnSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim().split(/\s+/)[1] ?? null : null;
}

function main() {
  const { opts, dest, command } = parseArgv(process.argv.slice(2));
  const at = dest.lastIndexOf('@');
  const alias = at >= 0 ? dest.slice(at + 1) : dest;
  const options = resolveOptions(opts, alias);
  const user = at >= 0 ? dest.slice(0, at) : options.get('user') ?? 'root';
  const hostName = (options.get('hostname') ?? alias).replace(/%h/g, alias);
  const port = Number(options.get('port') ?? 22);
  const peer = readPeers().find((p) => p.name === hostName || p.ip === hostName);
  if (!peer) die(`ssh: Could not resolve hostname ${hostName}: Name or service not known`);
  // sshd runs where the image has it and host keys exist (ssh.service will not start without them).
  const hostKey = readOr(inNode(peer.pid, '/etc/ssh/ssh_host_ed25519_key.pub'), '').trim().split(/\s+/);
  if (port !== 22 || !fs.existsSync(inNode(peer.pid, '/usr/sbin/sshd')) || hostKey.length < 2) {
    die(`ssh: connect to host ${hostName} port ${port}: Connection refused`);
  }
  // Host key: known_hosts and StrictHostKeyChecking (default ask: without a tty to ask on, refuse).
  const knownFile = expandHome(options.get('userknownhostsfile') ?? '~/.ssh/known_hosts').split(/\s+/)[0];
  const known = readOr(knownFile, '').split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 3 && f[0].split(',').includes(hostName));
  const strict = (options.get('stricthostkeychecking') ?? 'ask').toLowerCase();
  if (known.length > 0 && !known.some((f) => f[1] === hostKey[0] && f[2] === hostKey[1])) {
    die(`@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nHost key for ${hostName} has changed and you have requested strict checking.\nHost key verification failed.`);
  }
  if (known.length === 0) {
    if (strict === 'yes' || strict === 'ask' || strict === 'true') die('Host key verification failed.');
    if (knownFile !== '/dev/null') {
      fs.mkdirSync(path.dirname(knownFile), { recursive: true, mode: 0o700 });
      fs.appendFileSync(knownFile, `${hostName} ${hostKey[0]} ${hostKey[1]}\n`, { mode: 0o600 });
    }
    if (!opts.q) process.stderr.write(`Warning: Permanently added '${hostName}' (ED25519) to the list of known hosts.\n`);
  }
  // Public key authentication against the peer's authorized_keys.
  const identities = [...opts.i, ...(options.get('identityfile') ?? [])].map(expandHome);
  const candidates = identities.length > 0 ? identities : ['/root/.ssh/id_rsa', '/root/.ssh/id_ecdsa', '/root/.ssh/id_ed25519'];
  const peerPasswd = readOr(inNode(peer.pid, '/etc/passwd'), '').split('\n').map((l) => l.split(':')).find((f) => f[0] === user);
  const home = peerPasswd?.[5] ?? '/nonexistent';
  const authorized = new Set(readOr(inNode(peer.pid, `${home}/.ssh/authorized_keys`), '').split('\n').map((l) => l.trim().split(/\s+/)[1]).filter(Boolean));
  if (!peerPasswd || !candidates.some((k) => { const blob = publicBlob(k); return blob !== null && authorized.has(blob); })) {
    die(`${user}@${hostName}: Permission denied (publickey).`);
  }
  const tty = (opts.t > 0 || command.length === 0) && !opts.T && (process.stdin.isTTY || opts.t > 1);
  if (command.length === 0 && !process.stdin.isTTY && !opts.q) process.stderr.write('Pseudo-terminal will not be allocated because stdin is not a terminal.\n');
  const env = { PATH: NODE_PATH, HOME: home, USER: user, LOGNAME: user, SHELL: '/bin/bash', SSH_CONNECTION: `${process.env.HOSTNAME ?? ''} 22 ${peer.ip} 22` };
  if (tty) env.TERM = process.env.TERM ?? 'xterm';
  const argv = ['--target', String(peer.pid), '--mount', '--uts', '--root', `--wdns=${home}`, '--', '/bin/bash'];
  if (command.length === 0) argv.push('-l');
  else argv.push('-c', command.join(' '));
  const child = spawn('nsenter', argv, { env, stdio: 'inherit' });
  child.on('exit', (code, sig) => {
    if (command.length === 0 && tty) process.stderr.write(`Connection to ${hostName} closed.\n`);
    process.exit(code ?? (sig ? 255 : 0));
  });
}

main();
