#!/usr/bin/env node
// Fake apparmor_parser (CKS Lab test fake, installed at /usr/sbin/apparmor_parser in nodes of an
// image that declares LABEL io.cks-lab.security=apparmor). Loads profiles into the securityfs the
// node mounts, which is the fake host kernel's: shared by every AppArmor node of the host and kept
// after a cluster is deleted, like the real kernel's. /sys/kernel/security/apparmor/profiles lists
// "<name> (enforce|complain)" like the kernel's, and policy/profiles/<name>/source keeps the text so the simulated kubelet knows
// what the profile denies. Flags as apparmor_parser(8): -a/--add (default), -r/--replace,
// -R/--remove, -C/--Complain, -q/--quiet, -Q/--skip-kernel-load, -K/--skip-cache, -W/--write-cache.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const SECFS = '/sys/kernel/security/apparmor';
const LONG = { add: 'a', replace: 'r', remove: 'R', Complain: 'C', quiet: 'q', 'skip-kernel-load': 'Q', 'skip-cache': 'K', 'write-cache': 'W', verbose: 'v' };

function fail(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

const opts = { op: 'add', complain: false, quiet: false, load: true };
const files = [];
for (const a of process.argv.slice(2)) {
  let letters = '';
  if (a.startsWith('--')) {
    letters = LONG[a.slice(2)];
    if (!letters) fail(`apparmor_parser: unrecognized option '${a}'\nTry \`apparmor_parser --help' for more information.`);
  } else if (a.startsWith('-') && a.length > 1) letters = a.slice(1);
  else {
    files.push(a);
    continue;
  }
  for (const c of letters) {
    if (c === 'a') opts.op = 'add';
    else if (c === 'r') opts.op = 'replace';
    else if (c === 'R') opts.op = 'remove';
    else if (c === 'C') opts.complain = true;
    else if (c === 'q') opts.quiet = true;
    else if (c === 'Q') opts.load = false;
    else if (!'KWTv'.includes(c)) fail(`apparmor_parser: invalid option -- '${c}'\nTry \`apparmor_parser --help' for more information.`);
  }
}

if (opts.load && !fs.existsSync(SECFS)) {
  fail('Cache read/write disabled: interface file missing. (Kernel needs AppArmor 2.4 compatibility patch.)\nWarning: unable to find a suitable fs in /proc/mounts, is it mounted?\nUse --subdomainfs to override.');
}

const sources = [];
if (files.length === 0) sources.push({ name: 'stdin', text: fs.readFileSync(0, 'utf8') });
for (const f of files) {
  try {
    sources.push({ name: f, text: fs.readFileSync(f, 'utf8') });
  } catch {
    fail(`File ${f} not found, skipping...`);
  }
}

function profilesIn(src) {
  // `profile NAME [attachment] [flags=(...)] {` or a path-named profile `/usr/bin/x [flags=(...)] {`.
  const out = [];
  const re = /^\s*(?:profile\s+("[^"]+"|\S+)(?:\s+\/\S*)?|(\/\S+))\s*(?:flags\s*=\s*\(([^)]*)\))?\s*\{/gm;
  for (const m of src.text.matchAll(re)) out.push({ name: (m[1] ?? m[2]).replace(/^"|"$/g, ''), flags: (m[3] ?? '').split(/[\s,]+/) });
  if (out.length === 0) fail(`AppArmor parser error for ${src.name} in profile ${src.name} at line 1: syntax error, unexpected $end, expecting TOK_OPEN`);
  if ((src.text.match(/\{/g) ?? []).length !== (src.text.match(/\}/g) ?? []).length) {
    fail(`AppArmor parser error for ${src.name} in profile ${src.name} at line ${src.text.split('\n').length}: syntax error, unexpected $end, expecting TOK_CLOSE`);
  }
  return out;
}

const table = path.join(SECFS, 'profiles');
const loaded = new Map();
if (opts.load) {
  for (const line of fs.readFileSync(table, 'utf8').split('\n')) {
    const m = /^(.*) \((\w+)\)$/.exec(line);
    if (m) loaded.set(m[1], m[2]);
  }
}
for (const src of sources) {
  for (const p of profilesIn(src)) {
    if (!opts.load) continue;
    const dir = path.join(SECFS, 'policy', 'profiles', p.name.replace(/\//g, '.'));
    if (opts.op === 'remove') {
      if (!loaded.has(p.name)) fail(`apparmor_parser: Unable to remove "${p.name}".  Profile doesn't exist`);
      loaded.delete(p.name);
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (opts.op === 'add' && loaded.has(p.name)) fail(`Profile already exists\n`);
    loaded.set(p.name, opts.complain || p.flags.includes('complain') ? 'complain' : 'enforce');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'source'), src.text);
    fs.writeFileSync(path.join(dir, 'mode'), `${loaded.get(p.name)}\n`);
  }
}
if (opts.load) {
  // Replace the table in one step: other nodes of the host read it at any time.
  const tmp = `${table}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, [...loaded].map(([n, m]) => `${n} (${m})\n`).join(''));
  fs.renameSync(tmp, table);
}
