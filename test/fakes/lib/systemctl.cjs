'use strict';
// `systemctl` on a fake kind node (copied to the node's /usr/bin/systemctl by node-image.mjs; a real
// kind node runs systemd as PID 1, a fake node has no init system). Follows systemd 252 (Debian
// bookworm, kindest/node's base): unit files in /etc/systemd/system, /run/systemd/system,
// /lib/systemd/system and /usr/lib/systemd/system (first wins) with drop-ins in <unit>.d/*.conf;
// enable/disable/mask/unmask as real symlinks with systemd's messages; start/stop/restart/reload,
// is-active, is-enabled, status, daemon-reload, list-units, list-unit-files; `--now`, `-q`.
// A started service's main process runs detached in the node (stdout/stderr appended to
// /var/log/cks-fake/<unit>.log, the journal's stand-in); its pid and start time are kept in
// /run/cks-fake/systemd/<unit>.json. Deleting the node kills it with every other node process.
// A unit can be DELEGATED to a fake component: when /usr/local/lib/cks-fake/units/<unit> is an
// executable, start|stop|restart|reload|try-restart|is-active|status run it with argv [verb] and
// its output and exit code are passed through (the fake kubelet's unit works this way).
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
const ETC = '/etc/systemd/system';
const STATE_DIR = '/run/cks-fake/systemd';
const LOG_DIR = '/var/log/cks-fake';
const DELEGATE_DIR = '/usr/local/lib/cks-fake/units';
const MAX_UNIT_FILE = 64 * 1024;
const EXIT = { ok: 0, failed: 1, notRunning: 3, noSuchUnit: 4, notLoaded: 5 };

class Exit extends Error {
  constructor(code, message) {
    super(message ?? '');
    this.code = code;
  }
}

function unitName(arg) {
  if (typeof arg !== 'string' || !/^[A-Za-z0-9:_.@\\-]{1,200}$/.test(arg)) throw new Exit(EXIT.failed, `Invalid unit name "${arg}" escaped as "${arg}".`);
  return /\.(service|socket|target|timer|mount|path|slice|scope)$/.test(arg) ? arg : `${arg}.service`;
}

function lstat(p) {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Where the unit's file is, whether it is masked (a link to /dev/null), and its drop-ins. */
function findUnit(name) {
  for (const dir of UNIT_DIRS) {
    const p = path.join(dir, name);
    const st = lstat(p);
    if (!st) continue;
    if (st.isSymbolicLink() && fs.readlinkSync(p) === '/dev/null') return { name, path: p, masked: true };
    if (st.isCharacterDevice()) return { name, path: p, masked: true };
    return { name, path: p, masked: false };
  }
  return undefined;
}

function readBounded(p) {
  const fd = fs.openSync(p, 'r');
  try {
    const buf = Buffer.alloc(MAX_UNIT_FILE);
    const n = fs.readSync(fd, buf, 0, MAX_UNIT_FILE, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** [Section] key=value lines of the unit file and its drop-ins, in systemd's order (later wins, empty resets). */
function parseUnit(unit) {
  const files = [unit.path];
  for (const dir of UNIT_DIRS) {
    const d = path.join(dir, `${unit.name}.d`);
    let entries = [];
    try {
      entries = fs.readdirSync(d).filter((f) => f.endsWith('.conf')).sort();
    } catch {
      continue;
    }
    files.push(...entries.map((f) => path.join(d, f)));
  }
  const sections = {};
  for (const f of files) {
    let text;
    try {
      text = readBounded(f);
    } catch {
      continue;
    }
    let section = '';
    for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const sec = /^\[(.+)\]$/.exec(line);
      if (sec) {
        section = sec[1];
        continue;
      }
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      const s = (sections[section] ??= {});
      if (value === '') s[key] = [];
      else (s[key] ??= []).push(value);
    }
  }
  return sections;
}

function first(sections, section, key) {
  const v = sections[section]?.[key];
  return v && v.length ? v[v.length - 1] : undefined;
}

/** systemd's command-line splitting: words, double/single quotes, backslash escapes. */
function splitCommand(line) {
  const words = [];
  let cur = '';
  let quote = null;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) words.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (has || cur) words.push(cur);
  return words;
}

function statePath(name) {
  return path.join(STATE_DIR, `${name}.json`);
}

function readState(name) {
  try {
    const s = JSON.parse(fs.readFileSync(statePath(name), 'utf8'));
    return s && typeof s === 'object' ? s : {};
  } catch {
    return {};
  }
}

function writeState(name, state) {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(statePath(name), JSON.stringify(state) + '\n');
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead
  } catch {
    return false;
  }
}

/** active | inactive | failed, from the recorded main process. */
function activeState(name) {
  const s = readState(name);
  if (s.oneshotActive) return 'active';
  if (s.pid && alive(s.pid)) return 'active';
  return s.failed ? 'failed' : 'inactive';
}

function delegate(name) {
  const p = path.join(DELEGATE_DIR, name);
  const st = lstat(p);
  return st && st.isFile() && (st.mode & 0o111) !== 0 ? p : undefined;
}

function runDelegate(program, verb) {
  const res = spawnSync(program, [verb], { stdio: 'inherit' });
  if (res.error) throw new Exit(EXIT.failed, `Failed to ${verb} unit: ${res.error.message}`);
  return res.status ?? EXIT.failed;
}

function requireLoaded(name, verb) {
  const unit = findUnit(name);
  if (!unit) {
    if (verb === 'stop') throw new Exit(EXIT.notLoaded, `Failed to stop ${name}: Unit ${name} not loaded.`);
    throw new Exit(EXIT.notLoaded, `Failed to ${verb} ${name}: Unit ${name} not found.`);
  }
  if (unit.masked && verb !== 'stop') throw new Exit(EXIT.failed, `Failed to ${verb} ${name}: Unit ${name} is masked.`);
  return unit;
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function startUnit(name) {
  const program = delegate(name);
  if (program) return runDelegate(program, 'start');
  const unit = requireLoaded(name, 'start');
  if (activeState(name) === 'active') return EXIT.ok;
  const sections = parseUnit(unit);
  const execStart = first(sections, 'Service', 'ExecStart');
  if (!execStart) throw new Exit(EXIT.failed, `Failed to start ${name}: Unit ${name} has a bad unit file setting.\nSee system logs and 'systemctl status ${name}' for details.`);
  const ignoreFailure = execStart.startsWith('-');
  const argv = splitCommand(execStart.replace(/^[-@+!:]+/, ''));
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  for (const e of sections.Service?.Environment ?? []) {
    for (const kv of splitCommand(e)) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  const opts = { detached: true, env, cwd: first(sections, 'Service', 'WorkingDirectory') ?? '/' };
  const user = first(sections, 'Service', 'User');
  if (user) {
    const id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (id.status !== 0) return failStart(name, `Failed to determine user credentials: No such process`);
    opts.uid = Number(id.stdout.trim());
    opts.gid = Number(gid.stdout.trim());
  }
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const log = fs.openSync(path.join(LOG_DIR, `${name}.log`), 'a');
  opts.stdio = ['ignore', log, log];
  const type = first(sections, 'Service', 'Type') ?? 'simple';
  if (type === 'oneshot') {
    const res = spawnSync(argv[0], argv.slice(1), { ...opts, detached: false });
    fs.closeSync(log);
    if (res.status !== 0 && !ignoreFailure) return failStart(name, 'control process exited with error code');
    writeState(name, { oneshotActive: /^(yes|true|1|on)$/i.test(first(sections, 'Service', 'RemainAfterExit') ?? ''), since: Date.now() });
    return EXIT.ok;
  }
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), opts);
  } catch (err) {
    fs.closeSync(log);
    return failStart(name, err.message);
  }
  let spawnError;
  child.on('error', (e) => (spawnError = e));
  child.unref();
  fs.closeSync(log);
  writeState(name, { pid: child.pid, since: Date.now(), argv0: argv[0] });
  // A service that dies at once fails its start, as systemd reports for Type=simple after exec.
  sleepMs(150);
  if (spawnError || !alive(child.pid)) {
    writeState(name, { failed: true, since: Date.now() });
    if (!ignoreFailure) return failStart(name, 'control process exited with error code');
  }
  return EXIT.ok;
}

function failStart(name, why) {
  writeState(name, { failed: true, since: Date.now() });
  process.stderr.write(`Job for ${name} failed because the ${why.includes('control process') ? 'control process exited with error code' : why}.\nSee "systemctl status ${name}" and "journalctl -xeu ${name}" for details.\n`);
  return EXIT.failed;
}

function stopUnit(name) {
  const program = delegate(name);
  if (program) return runDelegate(program, 'stop');
  const unit = findUnit(name);
  const s = readState(name);
  if (!unit && !s.pid) throw new Exit(EXIT.notLoaded, `Failed to stop ${name}: Unit ${name} not loaded.`);
  if (s.pid && alive(s.pid)) {
    try {
      process.kill(-s.pid, 'SIGTERM');
    } catch {
      try {
        process.kill(s.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 50 && alive(s.pid); i++) sleepMs(20);
    if (alive(s.pid)) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  writeState(name, {});
  return EXIT.ok;
}

function wantedBy(unit) {
  const sections = parseUnit(unit);
  const targets = [];
  for (const v of [...(sections.Install?.WantedBy ?? []), ...(sections.Install?.RequiredBy ?? [])]) targets.push(...splitCommand(v));
  return targets;
}

function enabledLinks(name) {
  const links = [];
  let dirs = [];
  try {
    dirs = fs.readdirSync(ETC).filter((d) => /\.(wants|requires)$/.test(d));
  } catch {
    return links;
  }
  for (const d of dirs) {
    const p = path.join(ETC, d, name);
    if (lstat(p)) links.push(p);
  }
  return links;
}

function enableState(name) {
  const unit = findUnit(name);
  if (!unit) return undefined;
  if (unit.masked) return 'masked';
  if (enabledLinks(name).length) return 'enabled';
  return wantedBy(unit).length ? 'disabled' : 'static';
}

function enableUnit(name, out) {
  const unit = findUnit(name);
  if (!unit) throw new Exit(EXIT.failed, `Failed to enable unit: Unit file ${name} does not exist.`);
  if (unit.masked) throw new Exit(EXIT.failed, `Failed to enable unit: Unit file ${unit.path} is masked.`);
  const targets = wantedBy(unit);
  if (!targets.length) {
    out.push(`The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\nAlias= settings in the [Install] section, and DefaultInstance= for template\nunits). This means they are not meant to be enabled or disabled using systemctl.`);
    return;
  }
  for (const t of targets) {
    const dir = path.join(ETC, `${t}.wants`);
    const link = path.join(dir, name);
    if (lstat(link)) continue;
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(unit.path, link);
    out.push(`Created symlink ${link} → ${unit.path}.`);
  }
}

function disableUnit(name, out) {
  if (!findUnit(name)) throw new Exit(EXIT.failed, `Failed to disable unit: Unit file ${name} does not exist.`);
  for (const link of enabledLinks(name)) {
    fs.unlinkSync(link);
    out.push(`Removed "${link}".`);
  }
}

function maskUnit(name, out) {
  const p = path.join(ETC, name);
  const st = lstat(p);
  if (st && st.isSymbolicLink() && fs.readlinkSync(p) === '/dev/null') return;
  if (st) throw new Exit(EXIT.failed, `Failed to mask unit: File ${p} already exists.`);
  fs.mkdirSync(ETC, { recursive: true });
  fs.symlinkSync('/dev/null', p);
  out.push(`Created symlink ${p} → /dev/null.`);
}

function unmaskUnit(name, out) {
  const p = path.join(ETC, name);
  const st = lstat(p);
  if (st && st.isSymbolicLink() && fs.readlinkSync(p) === '/dev/null') {
    fs.unlinkSync(p);
    out.push(`Removed "${p}".`);
  }
}

function since(ms) {
  const d = new Date(ms);
  const day = d.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const iso = d.toISOString();
  const ago = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return `${day} ${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC; ${ago < 60 ? `${ago}s` : `${Math.floor(ago / 60)}min ${ago % 60}s`} ago`;
}

function status(name) {
  const program = delegate(name);
  if (program) return runDelegate(program, 'status');
  const unit = findUnit(name);
  const s = readState(name);
  if (!unit) {
    process.stderr.write(`Unit ${name} could not be found.\n`);
    return EXIT.noSuchUnit;
  }
  const state = activeState(name);
  const lines = [];
  if (unit.masked) {
    lines.push(`○ ${name}`, `     Loaded: masked (Reason: Unit ${name} is masked.)`);
  } else {
    const desc = first(parseUnit(unit), 'Unit', 'Description');
    const en = enableState(name);
    lines.push(`${state === 'active' ? '●' : state === 'failed' ? '×' : '○'} ${name}${desc ? ` - ${desc}` : ''}`, `     Loaded: loaded (${unit.path}; ${en}; preset: enabled)`);
  }
  if (state === 'active') {
    lines.push(`     Active: active (${s.oneshotActive ? 'exited' : 'running'}) since ${since(s.since ?? Date.now())}`);
    if (s.pid) lines.push(`   Main PID: ${s.pid} (${path.basename(s.argv0 ?? name)})`);
  } else if (state === 'failed') {
    lines.push(`     Active: failed (Result: exit-code) since ${since(s.since ?? Date.now())}`);
  } else {
    lines.push('     Active: inactive (dead)');
  }
  process.stdout.write(lines.join('\n') + '\n');
  return state === 'active' ? EXIT.ok : EXIT.notRunning;
}

function isActive(name, quiet) {
  const program = delegate(name);
  if (program) return runDelegate(program, 'is-active');
  const state = findUnit(name) || readState(name).pid ? activeState(name) : 'inactive';
  if (!quiet) process.stdout.write(`${state}\n`);
  return state === 'active' ? EXIT.ok : EXIT.notRunning;
}

function isEnabled(name, quiet) {
  const state = enableState(name);
  if (!state) throw new Exit(EXIT.failed, `Failed to get unit file state for ${name}: No such file or directory`);
  if (!quiet) process.stdout.write(`${state}\n`);
  return state === 'enabled' || state === 'static' ? EXIT.ok : EXIT.failed;
}

function allUnitNames() {
  const names = new Set();
  for (const dir of UNIT_DIRS) {
    try {
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.service')) names.add(f);
    } catch {
      /* missing dir */
    }
  }
  try {
    for (const f of fs.readdirSync(DELEGATE_DIR)) names.add(f);
  } catch {
    /* none */
  }
  return [...names].sort();
}

function listUnits(flags) {
  const rows = [];
  for (const name of allUnitNames()) {
    const unit = findUnit(name);
    const program = delegate(name);
    const state = program ? (spawnSync(program, ['is-active'], { encoding: 'utf8' }).status === 0 ? 'active' : 'inactive') : activeState(name);
    if (!flags.all && state === 'inactive') continue;
    if (flags.state && !flags.state.split(',').includes(state === 'active' ? 'running' : state) && !flags.state.split(',').includes(state)) continue;
    const desc = unit && !unit.masked ? first(parseUnit(unit), 'Unit', 'Description') ?? '' : '';
    rows.push([name, unit?.masked ? 'masked' : 'loaded', state, state === 'active' ? 'running' : state === 'failed' ? 'failed' : 'dead', desc]);
  }
  const out = [];
  if (!flags.noLegend) out.push(`  UNIT${' '.repeat(36)}LOAD   ACTIVE   SUB     DESCRIPTION`);
  for (const r of rows) out.push(`  ${r[0].padEnd(40)}${r[1].padEnd(7)}${r[2].padEnd(9)}${r[3].padEnd(8)}${r[4]}`);
  if (!flags.noLegend) out.push('', `${rows.length} loaded units listed.`);
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.ok;
}

function listUnitFiles(flags) {
  const out = [];
  if (!flags.noLegend) out.push(`UNIT FILE${' '.repeat(31)}STATE`);
  const names = allUnitNames().filter((n) => findUnit(n));
  for (const name of names) out.push(`${name.padEnd(40)}${enableState(name)}`);
  if (!flags.noLegend) out.push('', `${names.length} unit files listed.`);
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.ok;
}

function main(argv) {
  const flags = { now: false, quiet: false, noLegend: false, all: false, state: undefined };
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--now') flags.now = true;
    else if (a === '-q' || a === '--quiet') flags.quiet = true;
    else if (a === '--no-legend') flags.noLegend = true;
    else if (a === '-a' || a === '--all') flags.all = true;
    else if (a === '--no-pager' || a === '-l' || a === '--full' || a === '--no-block' || a === '--system') continue;
    else if (a.startsWith('--type=') || a.startsWith('-t')) continue;
    else if (a === '--type') i++;
    else if (a.startsWith('--state=')) flags.state = a.slice(8);
    else if (a === '--state') flags.state = argv[++i];
    else if (a.startsWith('-')) throw new Exit(EXIT.failed, `systemctl: unrecognized option '${a}'`);
    else args.push(a);
  }
  const [verb = 'list-units', ...rest] = args;
  const units = () => {
    if (!rest.length) throw new Exit(EXIT.failed, `Too few arguments.`);
    return rest.map(unitName);
  };
  const out = [];
  let code = EXIT.ok;
  const worst = (c) => {
    if (c !== EXIT.ok && (code === EXIT.ok || c > code)) code = c;
  };
  switch (verb) {
    case 'start':
      for (const u of units()) worst(startUnit(u));
      break;
    case 'stop':
      for (const u of units()) worst(stopUnit(u));
      break;
    case 'restart':
    case 'reload':
    case 'reload-or-restart':
    case 'try-restart': {
      for (const u of units()) {
        const program = delegate(u);
        if (program) {
          worst(runDelegate(program, verb === 'try-restart' ? 'try-restart' : verb === 'reload' ? 'reload' : 'restart'));
          continue;
        }
        if (verb === 'try-restart' && activeState(u) !== 'active') continue;
        requireLoaded(u, verb === 'reload' ? 'reload' : 'restart');
        stopUnit(u);
        worst(startUnit(u));
      }
      break;
    }
    case 'status':
      for (const u of units()) worst(status(u));
      break;
    case 'is-active':
      for (const u of units()) worst(isActive(u, flags.quiet));
      break;
    case 'is-failed':
      for (const u of units()) {
        const failed = activeState(u) === 'failed';
        if (!flags.quiet) process.stdout.write(`${activeState(u)}\n`);
        worst(failed ? EXIT.ok : EXIT.failed);
      }
      break;
    case 'is-enabled':
      for (const u of units()) worst(isEnabled(u, flags.quiet));
      break;
    case 'enable':
      for (const u of units()) enableUnit(u, out);
      flushOut(out);
      if (flags.now) for (const u of units()) worst(startUnit(u));
      break;
    case 'disable':
      for (const u of units()) disableUnit(u, out);
      flushOut(out);
      if (flags.now) for (const u of units()) worst(stopUnit(u));
      break;
    case 'mask':
      for (const u of units()) maskUnit(u, out);
      flushOut(out);
      if (flags.now) for (const u of units()) worst(stopUnit(u));
      break;
    case 'unmask':
      for (const u of units()) unmaskUnit(u, out);
      flushOut(out);
      break;
    case 'daemon-reload':
    case 'daemon-reexec':
    case 'reset-failed':
      if (verb === 'reset-failed') for (const u of rest.map(unitName)) if (activeState(u) === 'failed') writeState(u, {});
      break;
    case 'list-units':
      return listUnits(flags);
    case 'list-unit-files':
      return listUnitFiles(flags);
    default:
      throw new Exit(EXIT.failed, `Unknown command verb ${verb}.`);
  }
  return code;
}

function flushOut(out) {
  if (out.length) process.stderr.write(out.join('\n') + '\n');
  out.length = 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof Exit) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    process.exitCode = err.code;
  } else {
    process.stderr.write(`systemctl: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
