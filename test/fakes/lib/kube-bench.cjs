'use strict';
// Fake `kube-bench` 0.15.6 for fake kind nodes whose image says LABEL io.cks-lab.tools="kube-bench"
// (copied to the node's /usr/local/bin/kube-bench by node-image.mjs). A subset of the CIS
// Kubernetes Benchmark cis-1.12 (kube-bench's mapping for Kubernetes 1.32–1.34), `--targets
// master` only: the checks below, evaluated on the node's real files the way their audit commands
// are (`stat -c permissions=%a`, `stat -c %U:%G`), with the same argv, test numbers, texts,
// audits, remediations, JSON shape (`{"Controls":[…],"Totals":{…}}`), text output and exit codes
// (0 unless `--exit-code N` and a FAIL).
// Not faithful, on purpose: the real tool reads a component's flags from the running process
// (`ps -ef | grep kube-apiserver`); a fake node runs no control-plane processes, so this reads
// the command and args of the static pod manifest the kubelet would run. A manifest that is not
// a pod (broken YAML) counts as "no process", as the kubelet would not start it.
// Any other check, target or benchmark is refused with exit 2 ("not simulated"), never guessed.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const realFs = require('node:fs');

// Where the node's files are: '/' inside a node; a unit test points it at a prepared directory.
const ROOT = process.env.CKS_FAKE_KUBE_BENCH_ROOT ?? '';
const fs = {
  statSync: (p) => realFs.statSync(ROOT + p),
  readFileSync: (p, enc) => realFs.readFileSync(ROOT + p, enc),
};

const VERSION = '0.15.6';
const BENCHMARK = 'cis-1.12';
const M = '/etc/kubernetes/manifests';
const SUBS = {
  apiserverconf: `${M}/kube-apiserver.yaml`,
  controllermanagerconf: `${M}/kube-controller-manager.yaml`,
  schedulerconf: `${M}/kube-scheduler.yaml`,
  etcdconf: `${M}/etcd.yaml`,
  apiserverbin: 'kube-apiserver',
  controllermanagerbin: 'kube-controller-manager',
  schedulerbin: 'kube-scheduler',
  etcdbin: 'etcd',
  etcddatadir: '/var/lib/etcd/default.etcd',
};
const sub = (s) => s.replace(/\$([a-z]+)/g, (m, k) => SUBS[k] ?? m);
const RUN_ON = 'Run the below command (based on the file location on your system) on the control plane node.\n';
const DATA_DIR_AUDIT = `DATA_DIR=''
for d in $(ps -ef | grep $etcdbin | grep -- --data-dir | sed 's%.*data-dir[= ]\\([^ ]*\\).*%\\1%'); do
  if test -d "$d"; then DATA_DIR="$d"; fi
done
if ! test -d "$DATA_DIR"; then DATA_DIR=$etcddatadir; fi
`;
const DATA_DIR_HOWTO = "On the etcd server node, get the etcd data directory, passed as an argument --data-dir,\nfrom the command 'ps -ef | grep etcd'.\n";

const perm = (id, what, conf) => ({
  id,
  text: `Ensure that the ${what} pod specification file permissions are set to 600 or more restrictive (Automated)`,
  audit: `/bin/sh -c 'if test -e $${conf}; then stat -c permissions=%a $${conf}; fi'`,
  run: () => statIfExists(SUBS[conf], 'permissions'),
  test: { flag: 'permissions', bitmask: '600' },
  remediation: `${id === '1.1.1' ? 'Run the below command (based on the file location on your system) on the\ncontrol plane node.\n' : RUN_ON}For example, chmod 600 $${conf}\n`,
});
const owner = (id, what, conf) => ({
  id,
  text: `Ensure that the ${what} pod specification file ownership is set to root:root (Automated)`,
  audit: `/bin/sh -c 'if test -e $${conf}; then stat -c %U:%G $${conf}; fi'`,
  run: () => statIfExists(SUBS[conf], 'owner'),
  test: { flag: 'root:root' },
  remediation: `${RUN_ON}For example, chown root:root $${conf}\n`,
});
const profiling = (id, bin, conf, what) => ({
  id,
  text: 'Ensure that the --profiling argument is set to false (Automated)',
  audit: `/bin/ps -ef | grep $${bin} | grep -v grep`,
  run: () => psLine(SUBS[bin], SUBS[conf]),
  test: { flag: '--profiling', eq: 'false' },
  remediation: `Edit the ${what} pod specification file $${conf}${what === 'Scheduler' ? ' file' : ''}\non the control plane node and set the below parameter.\n--profiling=false\n`,
});

/** The checks this fake evaluates, grouped as in cfg/cis-1.12/master.yaml. */
const GROUPS = [
  {
    id: '1.1',
    text: 'Control Plane Node Configuration Files',
    checks: [
      perm('1.1.1', 'API server', 'apiserverconf'),
      owner('1.1.2', 'API server', 'apiserverconf'),
      perm('1.1.3', 'controller manager', 'controllermanagerconf'),
      owner('1.1.4', 'controller manager', 'controllermanagerconf'),
      perm('1.1.5', 'scheduler', 'schedulerconf'),
      owner('1.1.6', 'scheduler', 'schedulerconf'),
      {
        id: '1.1.11',
        text: 'Ensure that the etcd data directory permissions are set to 700 or more restrictive (Automated)',
        audit: `${DATA_DIR_AUDIT}stat -c permissions=%a "$DATA_DIR"\n`,
        run: () => statDataDir('permissions'),
        test: { flag: 'permissions', bitmask: '700' },
        remediation: `${DATA_DIR_HOWTO}Run the below command (based on the etcd data directory found above). For example,\nchmod 700 /var/lib/etcd\n`,
      },
      {
        id: '1.1.12',
        text: 'Ensure that the etcd data directory ownership is set to etcd:etcd (Automated)',
        audit: `${DATA_DIR_AUDIT}stat -c %U:%G "$DATA_DIR"\n`,
        run: () => statDataDir('owner'),
        test: { flag: 'etcd:etcd' },
        remediation: `${DATA_DIR_HOWTO}Run the below command (based on the etcd data directory found above).\nFor example, chown etcd:etcd /var/lib/etcd\n`,
      },
    ],
  },
  { id: '1.2', text: 'API Server', checks: [profiling('1.2.15', 'apiserverbin', 'apiserverconf', 'API server')] },
  { id: '1.3', text: 'Controller Manager', checks: [profiling('1.3.2', 'controllermanagerbin', 'controllermanagerconf', 'Controller Manager')] },
  { id: '1.4', text: 'Scheduler', checks: [profiling('1.4.1', 'schedulerbin', 'schedulerconf', 'Scheduler')] },
];

// --- what the audit commands print -------------------------------------------------------------

/** `{output, error}`: error set when the audit shell would exit non-zero. */
function statIfExists(file, what) {
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return { output: '' }; // `if test -e …; then …; fi` prints nothing and exits 0
  }
  return { output: `${what === 'permissions' ? `permissions=${(st.mode & 0o7777).toString(8)}` : ownerOf(st)}\n` };
}

function statDataDir(what) {
  const running = manifestProcess(SUBS.etcdconf);
  const flag = running ? /--data-dir[= ](\S+)/.exec(running.join(' ')) : null;
  let dir = flag && isDir(flag[1]) ? flag[1] : '';
  if (!isDir(dir)) dir = SUBS.etcddatadir;
  try {
    const st = fs.statSync(dir);
    return { output: `${what === 'permissions' ? `permissions=${(st.mode & 0o7777).toString(8)}` : ownerOf(st)}\n` };
  } catch {
    return { output: `stat: cannot statx '${dir}': No such file or directory\n`, error: 'exit status 1' };
  }
}

const isDir = (p) => {
  try {
    return p !== '' && fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** `%U:%G` as GNU stat prints it: names from /etc/passwd and /etc/group, UNKNOWN when absent. */
function ownerOf(st) {
  const name = (file, id) => {
    try {
      const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.split(':')[2] === String(id));
      return line ? line.split(':')[0] : 'UNKNOWN';
    } catch {
      return 'UNKNOWN';
    }
  };
  return `${name('/etc/passwd', st.uid)}:${name('/etc/group', st.gid)}`;
}

/** The `ps -ef` line of the process the kubelet runs from the manifest (see the header). */
function psLine(bin, manifest) {
  const argv = manifestProcess(manifest);
  if (!argv || !argv.join(' ').includes(bin)) return { output: '', error: 'exit status 1' };
  return { output: `root       ${1000 + bin.length}     ${900 + bin.length}  2 00:00 ?        00:00:05 ${argv.join(' ')}\n` };
}

/**
 * The first container's command + args of a static pod manifest (kubeadm's block sequences, or
 * flow sequences), or null when the file is missing or not a pod.
 */
function manifestProcess(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  if (!/^kind:\s*Pod\s*$/m.test(text) || !/^spec:\s*$/m.test(text) || /\t/.test(text)) return null;
  const lines = text.split('\n');
  const list = (key) => {
    const i = lines.findIndex((l) => new RegExp(`^\\s*(- )?${key}:`).test(l));
    if (i < 0) return [];
    const inline = new RegExp(`${key}:\\s*\\[(.*)\\]\\s*$`).exec(lines[i]);
    if (inline) return inline[1].split(',').map((s) => unquote(s.trim())).filter(Boolean);
    const keyIndent = lines[i].search(/\S/) + (/^\s*- /.test(lines[i]) ? 2 : 0);
    const out = [];
    for (const l of lines.slice(i + 1)) {
      const m = /^(\s*)- (.*)$/.exec(l);
      if (!m || m[1].length < keyIndent) break;
      out.push(unquote(m[2].trim()));
    }
    return out;
  };
  const argv = [...list('command'), ...list('args')];
  return argv.length ? argv : null;
}

const unquote = (s) => (/^'.*'$/.test(s) ? s.slice(1, -1).replace(/''/g, "'") : /^".*"$/.test(s) ? JSON.parse(s) : s);

// --- tests, as kube-bench's check/test.go evaluates a test item --------------------------------

/** One test item on the audit's whole output (use_multiple_values is false for these checks). */
function evaluate(test, output) {
  const s = output.replace(/[ \n]+$/, '');
  if (s === '' || !s.includes(test.flag)) return { pass: false, expected: `'${test.flag}' is present` };
  const m = new RegExp(`(${test.flag.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')})(=|: *)*([^\\s]*) *`).exec(s);
  const value = m && m[3] !== '' ? m[3] : test.flag.startsWith('--') ? 'true' : test.flag;
  if (test.bitmask !== undefined) {
    const requested = parseInt(value, 8);
    if (Number.isNaN(requested)) return { pass: false, expected: `Not numeric value - flag: ${value}` };
    const max = parseInt(test.bitmask, 8);
    return { pass: (max & requested) === requested, expected: `${test.flag} has permissions ${value}, expected ${test.bitmask} or more restrictive` };
  }
  if (test.eq !== undefined) {
    const v = ['true', 'false'].includes(value.toLowerCase()) ? value.toLowerCase() : value;
    return { pass: v === test.eq, expected: `'${test.flag}' is equal to '${test.eq}'` };
  }
  return { pass: true, expected: `'${test.flag}' is present` };
}

function runCheck(c) {
  const audit = sub(c.audit);
  const remediation = sub(c.remediation);
  const { output, error } = c.run();
  const base = { test_number: c.id, test_desc: c.text, audit, AuditEnv: '', AuditConfig: '', type: '', remediation, test_info: [remediation] };
  if (error) {
    return { ...base, status: 'FAIL', actual_value: '', scored: true, IsMultiple: false, expected_result: '', reason: `failed to run: ${JSON.stringify(audit)}, output: ${JSON.stringify(output)}, error: ${error}` };
  }
  const r = evaluate(c.test, output);
  return { ...base, status: r.pass ? 'PASS' : 'FAIL', actual_value: output.replace(/[ \n]+$/, ''), scored: true, IsMultiple: false, expected_result: r.expected };
}

// --- the command line -----------------------------------------------------------------------

function die(msg, code = 1) {
  process.stderr.write(`\n${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const o = { cmd: '', json: false, exitCode: 0, checks: [], groups: [], targets: [], benchmark: '', version: '' };
  const valueFlags = { '--check': 'c', '-c': 'c', '--group': 'g', '-g': 'g', '--targets': 't', '-s': 't', '--benchmark': 'b', '--version': 'v', '--exit-code': 'e', '--config-dir': 'x', '-D': 'x', '--config': 'x', '--outputfile': 'o', '--skip': 'k', '-v': 'x' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('-') && eq > 0 ? a.slice(0, eq) : a;
    if (valueFlags[name]) {
      const v = eq > 0 && a.startsWith('-') ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) die(`Error: flag needs an argument: ${name}`);
      const list = () => v.split(',').map((s) => s.trim()).filter(Boolean);
      const k = valueFlags[name];
      if (k === 'c') o.checks.push(...list());
      else if (k === 'g') o.groups.push(...list());
      else if (k === 't') o.targets.push(...list());
      else if (k === 'b') o.benchmark = v;
      else if (k === 'v') o.version = v;
      else if (k === 'e') o.exitCode = Number(v);
      else if (k === 'o' || k === 'k') die(`fake kube-bench: ${name} is not simulated`, 2);
    } else if (a === '--json') o.json = true;
    else if (/^--(json|scored|unscored|noresults|nosummary|noremediations|nototals|include-test-output|logtostderr)(=|$)/.test(a)) {
      if (!/^--(json|logtostderr)/.test(a)) die(`fake kube-bench: ${a} is not simulated`, 2);
    } else if (a.startsWith('-')) die(`Error: unknown flag: ${a}`);
    else if (!o.cmd) o.cmd = a;
    else die(`Error: unknown command "${a}" for "kube-bench ${o.cmd}"`);
  }
  return o;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.cmd === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (o.cmd !== '' && o.cmd !== 'run') die(`Error: unknown command "${o.cmd}" for "kube-bench"`);
  if (o.benchmark && o.version) die('unable to get benchmark version. error: It is an error to specify both --version and --benchmark flags');
  if (o.benchmark && o.benchmark !== BENCHMARK) die(`fake kube-bench: benchmark ${o.benchmark} is not simulated (only ${BENCHMARK})`, 2);
  if (o.version && !/^v?1\.3[234](\.\d+)?$/.test(o.version)) die(`fake kube-bench: Kubernetes version ${o.version} is not simulated (only 1.32–1.34, ${BENCHMARK})`, 2);
  if (o.cmd !== 'run' || o.targets.length !== 1 || o.targets[0] !== 'master') die('fake kube-bench: only `kube-bench run --targets master` is simulated', 2);
  const known = new Map(GROUPS.flatMap((g) => g.checks.map((c) => [c.id, c])));
  if (o.checks.length === 0 && o.groups.length === 0) die(`fake kube-bench: give --check with some of ${[...known.keys()].join(',')} (the other checks are not simulated)`, 2);
  const unknown = o.checks.filter((id) => !known.has(id));
  if (unknown.length) die(`fake kube-bench: check(s) ${unknown.join(',')} not simulated (only ${[...known.keys()].join(',')})`, 2);
  if (o.groups.length) die('fake kube-bench: --group is not simulated; list the checks with --check', 2);

  const groups = [];
  const total = { total_pass: 0, total_fail: 0, total_warn: 0, total_info: 0 };
  for (const g of GROUPS) {
    const results = g.checks.filter((c) => o.checks.includes(c.id)).map(runCheck);
    if (!results.length) continue;
    const count = (s) => results.filter((r) => r.status === s).length;
    groups.push({ section: g.id, type: '', pass: count('PASS'), fail: count('FAIL'), warn: count('WARN'), info: count('INFO'), desc: g.text, results });
    total.total_pass += count('PASS');
    total.total_fail += count('FAIL');
  }
  const control = { id: '1', version: BENCHMARK, detected_version: o.benchmark ? 'none' : '1.34', text: 'Control Plane Security Configuration', node_type: 'master', tests: groups, ...total };
  if (o.json) process.stdout.write(`${JSON.stringify({ Controls: [control], Totals: total })}\n`);
  else process.stdout.write(pretty(control));
  return total.total_fail > 0 ? o.exitCode : 0;
}

function pretty(c) {
  let out = `[INFO] ${c.id} ${c.text}\n`;
  for (const g of c.tests) {
    out += `[INFO] ${g.section} ${g.desc}\n`;
    for (const r of g.results) out += `[${r.status}] ${r.test_number} ${r.test_desc}\n`;
  }
  out += '\n';
  if (c.total_fail > 0) {
    out += `== Remediations ${c.node_type} ==\n`;
    for (const g of c.tests) for (const r of g.results) if (r.status === 'FAIL') out += `${r.test_number} ${r.remediation}\n`;
    out += '\n';
  }
  const summary = (name) => `== Summary ${name} ==\n${c.total_pass} checks PASS\n${c.total_fail} checks FAIL\n${c.total_warn} checks WARN\n${c.total_info} checks INFO\n\n`;
  return out + summary(c.node_type) + summary('total');
}

process.exitCode = main();
