'use strict';
// Fake `sudo` (and `visudo -c`) for fake nodes whose image installed Debian's sudo package
// (LABEL io.cks-lab.tools="sudo"; node-image.mjs writes this file to /usr/bin/sudo and
// /usr/sbin/visudo, plus Debian bookworm's /etc/sudoers). Follows sudo 1.9.13 (bookworm):
//   sudo -l [-U user]   the policy listing of display_privs(): "Matching Defaults entries for U on H:"
//                       then "User U may run the following commands on H:" with one line per
//                       runas change ("    (ALL : ALL) NOPASSWD: ALL"), or only
//                       "User U is not allowed to run sudo on H." — exit 0 either way;
//                       "sudo: unknown user U" and exit 1 for a user that does not exist.
//   sudo CMD...         as root: runs CMD (root's own rule), exit code passed through.
//   visudo -c [-f F]    "F: parsed OK" for every file read, exit 0; a syntax error exits 1.
// The sudoers grammar read here: Defaults (generic and Defaults:user), User_/Runas_/Host_/Cmnd_Alias,
// user specs `users hosts = [(runas)] [TAG:]... cmnd, ...` (with `:` between host groups),
// `@include`/`@includedir` (and the `#` forms), comments and backslash continuations. Files in an
// includedir are read in sorted order, skipping names with a `.` or ending in `~`; a world-writable
// or non-root-owned file is skipped with sudo's warning. A line outside this grammar is reported
// as a syntax error and skipped, as sudo's error_recovery (on by default) does with a bad entry,
// and makes `visudo -c` fail; valid forms outside it (CWD=, TIMEOUT=, ROLE=, netgroups, Defaults
// bound to hosts or commands in the listing) are not simulated. CommonJS: the node has no package.json.
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const SUDOERS = '/etc/sudoers';
const TAGS = ['NOPASSWD', 'PASSWD', 'SETENV', 'NOSETENV', 'NOEXEC', 'EXEC', 'LOG_INPUT', 'NOLOG_INPUT', 'LOG_OUTPUT', 'NOLOG_OUTPUT', 'MAIL', 'NOMAIL', 'FOLLOW', 'NOFOLLOW', 'INTERCEPT', 'NOINTERCEPT'];

class SyntaxError_ extends Error {
  constructor(file, line) {
    super(`syntax error in ${file} near line ${line}`);
    this.file = file;
    this.line = line;
  }
}

function die(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

/** Logical lines of a sudoers file: continuations joined, comments removed, with their first line number. */
function logicalLines(text) {
  const out = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    if (!buf) start = i + 1;
    if (raw.endsWith('\\')) {
      buf += `${raw.slice(0, -1)} `;
      return;
    }
    buf += raw;
    let line = buf.trim();
    buf = '';
    if (/^#include(dir)?\s/.test(line)) line = `@${line.slice(1)}`;
    else line = line.replace(/(^|\s)#(?!\d).*$/, '').trim();
    if (line) out.push({ line, n: start });
  });
  return out;
}

/** Reads `file` and what it includes into `acc` ({defaults, aliases, specs, files, warnings}). */
function readSudoers(file, acc, depth = 0) {
  if (depth > 8) throw new Error(`${file}: too many levels of includes`);
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    if (depth === 0) die(`sudo: unable to open ${file}: No such file or directory`);
    return;
  }
  if (st.mode & 0o002) return acc.warnings.push(`sudo: ${file} is world writable`);
  if (st.uid !== 0) return acc.warnings.push(`sudo: ${file} is owned by uid ${st.uid}, should be 0`);
  acc.files.push(file);
  for (const { line, n } of logicalLines(fs.readFileSync(file, 'utf8'))) {
    try {
      readLine(file, line, n, acc, depth);
    } catch (e) {
      // sudo 1.9's error_recovery (on by default): the bad entry is reported and skipped; visudo -c fails.
      if (!(e instanceof SyntaxError_) || !acc.recover) throw e;
      acc.warnings.push(`sudo: ${e.file}:${e.line}:1: syntax error`);
    }
  }
}

function readLine(file, line, n, acc, depth) {
  let m;
  if ((m = /^@includedir\s+(\S+)$/.exec(line))) {
    let names = [];
    try {
      names = fs.readdirSync(m[1]).filter((f) => !f.includes('.') && !f.endsWith('~')).sort();
    } catch {
      // a missing includedir is ignored
    }
    for (const f of names) readSudoers(`${m[1]}/${f}`, acc, depth + 1);
  } else if ((m = /^@include\s+(\S+)$/.exec(line))) readSudoers(m[1], acc, depth + 1);
  else if ((m = /^Defaults([:>@!]\S+)?\s+(.+)$/.exec(line))) acc.defaults.push({ binding: m[1] ?? '', entries: splitList(m[2]) });
  else if ((m = /^(User|Runas|Host|Cmnd|Cmd)_Alias\s+(.+)$/.exec(line))) {
    for (const def of m[2].split(':')) {
      const a = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.+?)\s*$/.exec(def);
      if (!a) throw new SyntaxError_(file, n);
      acc.aliases[`${m[1] === 'Cmd' ? 'Cmnd' : m[1]}:${a[1]}`] = splitList(a[2]);
    }
  } else acc.specs.push(parseUserSpec(line, file, n));
}

/** Splits on commas outside quotes and parentheses, trimming each item. */
function splitList(s) {
  const items = [];
  let cur = '';
  let depth = 0;
  let quote = false;
  for (const ch of s) {
    if (ch === '"') quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (ch === ',' && !quote && depth === 0) {
      items.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) items.push(cur.trim());
  return items;
}

const NAME = /^!*\s*(ALL|[%#+]?[%:#]?[A-Za-z0-9_.][A-Za-z0-9_.@$-]*)$/;

/** `users hosts = cmndspecs [: hosts = cmndspecs]...` → {users, privileges: [{hosts, cmnds}]}. */
function parseUserSpec(line, file, n) {
  const eq = line.indexOf('=');
  // "ALL, !bob  host1, host2 = ..." → two words once spaces around commas and after '!' are gone.
  const words = eq < 0 ? [] : line.slice(0, eq).trim().replace(/\s*,\s*/g, ',').replace(/!\s+/g, '!').split(/\s+/);
  if (words.length !== 2) throw new SyntaxError_(file, n);
  const m = [line, words[0], words[1], line.slice(eq + 1).trim()];
  const users = splitList(m[1]);
  if (users.some((u) => !NAME.test(u))) throw new SyntaxError_(file, n);
  const privileges = [];
  // Further "hosts = cmnds" groups follow a ':' that is not inside a runas list.
  const groups = [`${m[2]} = ${m[3]}`.trim()];
  const more = /^(.*?)\s*:\s*([^=():]+?)\s*=\s*([^=]*)$/;
  let last;
  while ((last = more.exec(groups[groups.length - 1])) && !/\([^)]*$/.test(last[1])) {
    groups.pop();
    groups.push(last[1], `${last[2]} = ${last[3]}`);
  }
  for (const g of groups) {
    const p = /^([^=]+?)\s*=\s*(.+)$/.exec(g);
    if (!p) throw new SyntaxError_(file, n);
    const hosts = splitList(p[1]);
    if (hosts.some((h) => !NAME.test(h))) throw new SyntaxError_(file, n);
    privileges.push({ hosts, cmnds: parseCmndSpecs(p[2], file, n) });
  }
  return { users, privileges, file, n };
}

/** `(runas) TAG: cmnd, cmnd, (runas2) cmnd` → [{runas, tags, cmnd}] with runas and tags carried over. */
function parseCmndSpecs(s, file, n) {
  const out = [];
  let runas = null;
  let tags = {};
  for (let item of splitList(s)) {
    const r = /^\(([^)]*)\)\s*(.*)$/.exec(item);
    if (r) {
      const [users, groups] = r[1].split(':');
      runas = { users: splitList(users ?? ''), groups: groups === undefined ? null : splitList(groups) };
      tags = {};
      item = r[2];
    }
    let t;
    while ((t = /^([A-Z_]+)\s*:\s*(.*)$/.exec(item)) && TAGS.includes(t[1])) {
      tags = { ...tags, [t[1].replace(/^NO/, '')]: t[1] };
      item = t[2];
    }
    // A command is ALL, a Cmnd_Alias, sudoedit/list, or a fully-qualified path (with arguments).
    if (!/^(!\s*)?(ALL|[A-Z][A-Z0-9_]*|list|sudoedit(\s.*)?|\/[^\s()]*(\s.*)?)$/.test(item)) throw new SyntaxError_(file, n);
    out.push({ runas, tags, cmnd: item.replace(/\s+/g, ' ') });
  }
  return out;
}

function readPasswd() {
  const users = new Map();
  for (const l of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = l.split(':');
    if (f.length >= 7) users.set(f[0], { name: f[0], uid: Number(f[2]), gid: Number(f[3]) });
  }
  return users;
}

/** The user's groups as initgroups(3) sees them: primary gid plus every /etc/group entry listing the user. */
function groupsOf(user) {
  const names = new Set();
  const gids = new Set([user.gid]);
  for (const l of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = l.split(':');
    if (f.length < 4) continue;
    const members = f[3].split(',').filter(Boolean);
    if (Number(f[2]) === user.gid || members.includes(user.name)) {
      names.add(f[0]);
      gids.add(Number(f[2]));
    }
  }
  return { names, gids };
}

/** sudo's *list_matches(): the LAST item that matches decides (a `!` item that matches denies). */
function matchesList(list, test, aliasKind, aliases, seen = new Set()) {
  for (const raw of [...list].reverse()) {
    const neg = /^!/.test(raw);
    const item = raw.replace(/^!+\s*/, '');
    let hit;
    if (item === 'ALL') hit = true;
    else if (aliases[`${aliasKind}:${item}`] && !seen.has(item)) hit = matchesList(aliases[`${aliasKind}:${item}`], test, aliasKind, aliases, new Set([...seen, item]));
    else hit = test(item);
    if (hit) return !neg;
  }
  return false;
}

function userMatches(user, groups, item) {
  if (item.startsWith('%#')) return groups.gids.has(Number(item.slice(2)));
  if (item.startsWith('%:')) return false; // non-Unix groups: no group plugin on the node
  if (item.startsWith('%')) return groups.names.has(item.slice(1));
  if (item.startsWith('#')) return user.uid === Number(item.slice(1));
  if (item.startsWith('+')) return false; // netgroups: none on the node
  return item === user.name;
}

/** Short-format lines of the privileges `user` has on this host, as sudo_display_userspecs prints them. */
function privilegeLines(acc, user, host) {
  const groups = groupsOf(user);
  const hostMatch = (h) => h === host || h === host.split('.')[0];
  const lines = [];
  for (const spec of acc.specs) {
    if (!matchesList(spec.users, (u) => userMatches(user, groups, u), 'User', acc.aliases)) continue;
    for (const priv of spec.privileges) {
      if (!matchesList(priv.hosts, hostMatch, 'Host', acc.aliases)) continue;
      let line = '';
      let lastRunas;
      let lastTags = {};
      for (const c of priv.cmnds) {
        const runas = c.runas ? `${c.runas.users.join(', ')}${c.runas.groups ? ` : ${c.runas.groups.join(', ')}` : ''}` : 'root';
        if (runas !== lastRunas) {
          if (line) lines.push(line);
          line = `    (${runas}) `;
          lastTags = {};
        } else line += ', ';
        for (const [k, v] of Object.entries(c.tags)) if (lastTags[k] !== v) line += `${v}: `;
        line += c.cmnd;
        lastRunas = runas;
        lastTags = c.tags;
      }
      if (line) lines.push(line);
    }
  }
  return lines;
}

/** Defaults entries as sudo lists them: quotes dropped, ':' in values escaped, `+=` lists quoted. */
function defaultsFor(acc, user) {
  const groups = groupsOf(user);
  const out = [];
  for (const d of acc.defaults) {
    if (d.binding && !(d.binding.startsWith(':') && matchesList(splitList(d.binding.slice(1)), (u) => userMatches(user, groups, u), 'User', acc.aliases))) continue;
    for (const e of d.entries) {
      const m = /^(\S+?)\s*([+-]?=)\s*"?(.*?)"?$/.exec(e);
      out.push(m ? `${m[1]}${m[2]}${m[2] === '=' ? m[3].replace(/:/g, '\\:') : `"${m[3]}"`}` : e.replace(/\s+/g, ''));
    }
  }
  return out;
}

/** sudo's line buffer output: wrap at 80 columns, continuation lines indented by 4 spaces. */
function wrap(line, cols = 80) {
  if (line.length <= cols) return line;
  const out = [];
  let cur = '';
  for (const word of line.trimStart().split(' ')) {
    const next = cur ? `${cur} ${word}` : `    ${word}`;
    if (next.length > cols && cur) {
      out.push(cur);
      cur = `    ${word}`;
    } else cur = next;
  }
  out.push(cur);
  return out.join('\n');
}

function loadPolicy(file = SUDOERS) {
  const acc = { defaults: [], aliases: {}, specs: [], files: [], warnings: [], recover: true };
  try {
    readSudoers(file, acc);
  } catch (e) {
    die(`sudo (CKS Lab fake): ${e.message} (not simulated)`);
  }
  for (const w of acc.warnings) process.stderr.write(`${w}\n`);
  return acc;
}

function list(target) {
  const users = readPasswd();
  const name = target ?? (users.get(os.userInfo().username) ? os.userInfo().username : 'root');
  const user = users.get(name);
  if (!user) die(`sudo: unknown user ${name}`);
  const acc = loadPolicy();
  const host = os.hostname();
  const shost = host.split('.')[0];
  const privs = privilegeLines(acc, user, host);
  if (privs.length === 0) return process.stdout.write(`User ${name} is not allowed to run sudo on ${shost}.\n`);
  const defs = defaultsFor(acc, user);
  let out = '';
  if (defs.length > 0) out += `Matching Defaults entries for ${name} on ${shost}:\n${wrap(`    ${defs.join(', ')}`)}\n\n`;
  out += `User ${name} may run the following commands on ${shost}:\n${privs.map((l) => wrap(l)).join('\n')}\n`;
  process.stdout.write(out);
}

function visudo(args) {
  let file = SUDOERS;
  let check = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-c' || a === '--check') check = true;
    else if (a === '-f' || a === '--file') file = args[++i];
    else if (a.startsWith('--file=')) file = a.slice(7);
    else if (a === '-q' || a === '--quiet' || a === '-s' || a === '--strict') continue;
    else die(`visudo (CKS Lab fake): only visudo -c [-f FILE] is simulated, not ${a}`);
  }
  if (!check) die('visudo (CKS Lab fake): editing with visudo is not simulated; edit the file and run visudo -c');
  const acc = { defaults: [], aliases: {}, specs: [], files: [], warnings: [] };
  try {
    readSudoers(file, acc);
  } catch (e) {
    if (e instanceof SyntaxError_) die(`${e.file}:${e.line}:1: syntax error\n${file}: parse error in ${e.file} near line ${e.line}`);
    die(`visudo (CKS Lab fake): ${e.message} (not simulated)`);
  }
  for (const w of acc.warnings) process.stderr.write(`${w.replace(/^sudo: /, 'visudo: ')}\n`);
  process.stdout.write(acc.files.map((f) => `${f}: parsed OK\n`).join(''));
}

function main() {
  const argv = process.argv.slice(2);
  if (/visudo$/.test(process.argv[1] ?? '')) return visudo(argv);
  let listing = false;
  let other;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '-l' || a === '--list') listing = true;
    else if (a === '-n' || a === '--non-interactive') continue;
    else if (a === '-U' || a === '--other-user') other = argv[++i];
    else if (a.startsWith('--other-user=')) other = a.slice(13);
    else if (/^-[ln]+$/.test(a) && !a.includes('ll')) listing = true;
    else if (/^-[ln]*U.+$/.test(a)) {
      listing = listing || a.includes('l');
      other = a.slice(a.indexOf('U') + 1);
    } else if (a === '-V' || a === '--version') return process.stdout.write('Sudo version 1.9.13p3\n');
    else die(`sudo (CKS Lab fake): option ${a} is not simulated`);
  }
  const cmd = argv.slice(i);
  if (other !== undefined && !listing) die('sudo: the -U option may only be used with the -l option\nusage: sudo -h | -K | -k | -V');
  if (process.getuid() !== 0) die('sudo (CKS Lab fake): sudo run by a non-root user is not simulated (no setuid root in a fake node)');
  if (listing) {
    if (cmd.length > 0) die('sudo (CKS Lab fake): sudo -l COMMAND is not simulated');
    return list(other);
  }
  if (cmd.length === 0) die('usage: sudo -h | -K | -k | -V');
  const res = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  if (res.error) die(`sudo: ${cmd[0]}: command not found`);
  process.exit(res.status ?? 1);
}

main();
