/**
 * The fake kube-bench (test/fakes/lib/kube-bench.cjs) against kube-bench 0.15.6's real output:
 * JSON shape and field order of cmd/common.go writeJSONOutput (Controls + Totals) and
 * check/controls.go / check/check.go, test numbers and texts of cfg/cis-1.12/master.yaml, results
 * as check/test.go computes them (bitmask, eq, "is present"), exit codes (--exit-code).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/testServer.js';

const BIN = join(ROOT, 'test/fakes/lib/kube-bench.cjs');
const manifest = (bin: string, flags: string[]) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${bin}\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - ${bin}\n${flags.map((f) => `    - ${f}\n`).join('')}    image: registry.k8s.io/${bin}:v1.34.0\n    name: ${bin}\n`;

describe('fake kube-bench (cis-1.12 subset, as kube-bench 0.15.6 reports it)', () => {
  let root: string;
  const M = () => join(root, 'etc/kubernetes/manifests');
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, CKS_FAKE_KUBE_BENCH_ROOT: root }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (...checks: string[]) => {
    const r = run('run', '--targets', 'master', '--benchmark', 'cis-1.12', '--check', checks.join(','), '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const result = (out: any, id: string) => out.Controls[0].tests.flatMap((g: any) => g.results).find((c: any) => c.test_number === id);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cks-kube-bench-'));
    mkdirSync(M(), { recursive: true });
    mkdirSync(join(root, 'var/lib/etcd'), { recursive: true, mode: 0o700 });
    chmodSync(join(root, 'var/lib/etcd'), 0o700);
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\netcd:x:999:999::/home/etcd:/usr/sbin/nologin\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\netcd:x:999:\n');
    writeFileSync(join(M(), 'kube-apiserver.yaml'), manifest('kube-apiserver', ['--advertise-address=172.18.0.2', '--authorization-mode=Node,RBAC']), { mode: 0o600 });
    writeFileSync(join(M(), 'kube-controller-manager.yaml'), manifest('kube-controller-manager', ['--bind-address=127.0.0.1']), { mode: 0o600 });
    writeFileSync(join(M(), 'kube-scheduler.yaml'), manifest('kube-scheduler', ['--bind-address=127.0.0.1']), { mode: 0o600 });
    writeFileSync(join(M(), 'etcd.yaml'), manifest('etcd', ['--data-dir=/var/lib/etcd']), { mode: 0o600 });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prints the JSON shape of writeJSONOutput: Controls (with groups and results, fields in Go order) and Totals', () => {
    const out = json('1.1.1', '1.2.15');
    assert.deepEqual(Object.keys(out), ['Controls', 'Totals']);
    const c = out.Controls[0];
    assert.deepEqual(Object.keys(c), ['id', 'version', 'detected_version', 'text', 'node_type', 'tests', 'total_pass', 'total_fail', 'total_warn', 'total_info']);
    assert.deepEqual([c.id, c.version, c.detected_version, c.text, c.node_type], ['1', 'cis-1.12', 'none', 'Control Plane Security Configuration', 'master']);
    assert.deepEqual(c.tests.map((g: any) => [g.section, g.desc, g.pass, g.fail]), [['1.1', 'Control Plane Node Configuration Files', 1, 0], ['1.2', 'API Server', 0, 1]]);
    assert.deepEqual(Object.keys(c.tests[0]), ['section', 'type', 'pass', 'fail', 'warn', 'info', 'desc', 'results']);
    const r = c.tests[0].results[0];
    assert.deepEqual(Object.keys(r), ['test_number', 'test_desc', 'audit', 'AuditEnv', 'AuditConfig', 'type', 'remediation', 'test_info', 'status', 'actual_value', 'scored', 'IsMultiple', 'expected_result']);
    assert.equal(r.test_desc, 'Ensure that the API server pod specification file permissions are set to 600 or more restrictive (Automated)');
    assert.equal(r.audit, "/bin/sh -c 'if test -e /etc/kubernetes/manifests/kube-apiserver.yaml; then stat -c permissions=%a /etc/kubernetes/manifests/kube-apiserver.yaml; fi'");
    assert.equal(r.remediation, 'Run the below command (based on the file location on your system) on the\ncontrol plane node.\nFor example, chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml\n');
    assert.deepEqual(r.test_info, [r.remediation]);
    assert.deepEqual([r.status, r.actual_value, r.expected_result, r.scored], ['PASS', 'permissions=600', 'permissions has permissions 600, expected 600 or more restrictive', true]);
    assert.deepEqual(out.Totals, { total_pass: 1, total_fail: 1, total_warn: 0, total_info: 0 });
  });

  it('file permissions: a bitmask of 600 (400 passes, 644 fails); a missing file fails as "permissions is present"', () => {
    chmodSync(join(M(), 'kube-controller-manager.yaml'), 0o644);
    chmodSync(join(M(), 'kube-scheduler.yaml'), 0o400);
    const out = json('1.1.3', '1.1.5');
    assert.deepEqual([result(out, '1.1.3').status, result(out, '1.1.3').actual_value, result(out, '1.1.3').expected_result], ['FAIL', 'permissions=644', 'permissions has permissions 644, expected 600 or more restrictive']);
    assert.equal(result(out, '1.1.5').status, 'PASS');
    rmSync(join(M(), 'kube-scheduler.yaml'));
    const gone = result(json('1.1.5'), '1.1.5');
    assert.deepEqual([gone.status, gone.actual_value, gone.expected_result], ['FAIL', '', "'permissions' is present"]);
  });

  it('etcd data dir: found from etcd --data-dir, 700 or stricter, owner names from /etc/passwd and /etc/group', () => {
    const dir = join(root, 'var/lib/etcd');
    let out = json('1.1.11', '1.1.12');
    assert.equal(result(out, '1.1.11').status, 'PASS');
    assert.deepEqual([result(out, '1.1.12').status, result(out, '1.1.12').actual_value, result(out, '1.1.12').expected_result], ['FAIL', 'root:root', "'etcd:etcd' is present"]);
    assert.match(result(out, '1.1.12').audit, /^DATA_DIR=''\nfor d in \$\(ps -ef \| grep etcd \| grep -- --data-dir/);
    assert.match(result(out, '1.1.12').audit, /then DATA_DIR=\/var\/lib\/etcd\/default\.etcd; fi\nstat -c %U:%G "\$DATA_DIR"\n$/);
    chmodSync(dir, 0o755);
    chownSync(dir, 999, 0);
    out = json('1.1.11', '1.1.12');
    assert.deepEqual([result(out, '1.1.11').status, result(out, '1.1.11').actual_value], ['FAIL', 'permissions=755']);
    assert.deepEqual([result(out, '1.1.12').status, result(out, '1.1.12').actual_value], ['FAIL', 'etcd:root']);
    chownSync(dir, 999, 999);
    assert.equal(result(json('1.1.12'), '1.1.12').status, 'PASS');
    chownSync(dir, 1234, 1234);
    assert.equal(result(json('1.1.12'), '1.1.12').actual_value, 'UNKNOWN:UNKNOWN');
  });

  it('--profiling: absent fails ("is present"), false/False passes, true fails; the audit is the ps line', () => {
    let r = result(json('1.2.15'), '1.2.15');
    assert.deepEqual([r.status, r.expected_result, r.audit], ['FAIL', "'--profiling' is present", '/bin/ps -ef | grep kube-apiserver | grep -v grep']);
    assert.match(r.actual_value, /^root .* kube-apiserver --advertise-address=172\.18\.0\.2 --authorization-mode=Node,RBAC$/);
    writeFileSync(join(M(), 'kube-apiserver.yaml'), manifest('kube-apiserver', ['--profiling=false']));
    writeFileSync(join(M(), 'kube-controller-manager.yaml'), manifest('kube-controller-manager', ['--profiling=False']));
    writeFileSync(join(M(), 'kube-scheduler.yaml'), manifest('kube-scheduler', ['--profiling=true']));
    const out = json('1.2.15', '1.3.2', '1.4.1');
    assert.deepEqual(['1.2.15', '1.3.2', '1.4.1'].map((id) => result(out, id).status), ['PASS', 'PASS', 'FAIL']);
    assert.equal(result(out, '1.2.15').expected_result, "'--profiling' is equal to 'false'");
    writeFileSync(join(M(), 'kube-scheduler.yaml'), 'kind: Pod\nspec: [\n');
    r = result(json('1.4.1'), '1.4.1');
    assert.equal(r.status, 'FAIL');
    assert.match(r.reason, /^failed to run: "\/bin\/ps -ef \| grep kube-scheduler \| grep -v grep", output: "", error: exit status 1$/);
  });

  it('exit codes, version, text output; anything not simulated is refused, never guessed', () => {
    chmodSync(join(M(), 'kube-controller-manager.yaml'), 0o644);
    assert.equal(run('version').stdout, '0.15.6\n');
    assert.equal(run('run', '--targets', 'master', '--check', '1.1.3', '--json').code, 0, 'FAILs exit 0 by default');
    assert.equal(run('run', '--targets=master', '--check=1.1.3', '--json', '--exit-code', '5').code, 5);
    assert.equal(run('run', '--targets=master', '--check=1.1.1', '--json', '--exit-code', '5').code, 0);
    const text = run('run', '--targets', 'master', '--check', '1.1.1,1.1.3').stdout;
    assert.match(text, /^\[INFO\] 1 Control Plane Security Configuration\n\[INFO\] 1\.1 Control Plane Node Configuration Files\n\[PASS\] 1\.1\.1 Ensure .*\n\[FAIL\] 1\.1\.3 Ensure .*\n\n== Remediations master ==\n1\.1\.3 Run the below command/);
    assert.match(text, /== Summary master ==\n1 checks PASS\n1 checks FAIL\n0 checks WARN\n0 checks INFO\n\n== Summary total ==\n/);
    for (const args of [['run', '--targets', 'master', '--check', '1.2.1'], ['run', '--targets', 'node', '--check', '1.1.1'], ['run', '--targets', 'master', '--benchmark', 'cis-1.10', '--check', '1.1.1'], ['run', '--targets', 'master']]) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /simulated|give --check/);
    }
    assert.equal(run('run', '--targets', 'master', '--bogus').code, 1);
  });
});

describe('fake kube-apiserver and --profiling (kube-apiserver v1.34 exits at start on a bad bool flag)', () => {
  it('accepts the values strconv.ParseBool does; refuses others and a typo of the name with the real message', async () => {
    const { boolFlagError } = await import('./kube-apiserver/authn.js');
    for (const ok of [['--profiling=false'], ['--profiling=False'], ['--profiling=0'], ['--profiling'], []]) assert.equal(boolFlagError(ok, '--profiling'), null, ok.join(' '));
    assert.equal(boolFlagError(['--profiling=flase'], '--profiling'), 'invalid argument "flase" for "--profiling" flag: strconv.ParseBool: parsing "flase": invalid syntax');
    assert.equal(boolFlagError(['--profilling=false'], '--profiling'), 'unknown flag: --profilling');
  });
});
