/**
 * The fake kube-linter (test/fakes/lib/kube-linter.cjs) and kubesec (kubesec.cjs) against the real
 * tools: kube-linter 0.8.3's default checks, messages, plain line format, JSON shape, ignore
 * annotations, .kube-linter.yaml and exit codes (pkg/command/lint, pkg/templates/*); kubesec
 * 2.14.2's rule ids, points, pod/container precedence, report order and fields, document split and
 * exit codes (pkg/ruler, pkg/rules, cmd/scan.go).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/testServer.js';

const run = (tool: 'kube-linter' | 'kubesec', args: string[], opts: { cwd?: string; input?: string } = {}) => {
  const r = spawnSync(process.execPath, [join(ROOT, `test/fakes/lib/${tool}.cjs`), ...args], { cwd: opts.cwd, input: opts.input ?? '', encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** A Deployment `api` in `payments` with the given container securityContext / extra container and pod fields. */
const deployment = (o: { sc?: string; pod?: string; container?: string; meta?: string; image?: string } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
${o.meta ?? ''}spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
${o.pod ?? ''}      containers:
        - name: api
          image: ${o.image ?? 'busybox:1.36.1'}
${o.container ?? ''}          securityContext:
${o.sc ?? '            privileged: true'}
`;
const GOOD_SC = '            readOnlyRootFilesystem: true\n            runAsNonRoot: true\n            runAsUser: 10001\n            runAsGroup: 10001\n            allowPrivilegeEscalation: false\n            capabilities: { drop: [ALL] }';
const GOOD_RES = '          resources:\n            requests: { cpu: 50m, memory: 32Mi }\n            limits: { cpu: 100m, memory: 64Mi }\n';

describe('fake kube-linter 0.8.3 and kubesec 2.14.2', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cks-linters-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('kube-linter', () => {
    it('prints one plain line per finding with the object, check and remediation, checks in name order, and exits 1', () => {
      const f = file('bad.yaml', deployment({ image: 'busybox' }));
      const r = run('kube-linter', ['lint', f]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Error: found 7 lint errors\n');
      const lines = r.stdout.split('\n\n');
      assert.equal(lines[0], 'KubeLinter 0.8.3');
      assert.equal(lines[1], `${f}: (object: payments/api apps/v1, Kind=Deployment) The container "api" is using an invalid container image, "busybox". Please use images that are not blocked by the \`BlockList\` criteria : [".*:(latest)$" "^[^:]*$" "(.*/[^:]+)$"] (check: latest-tag, remediation: Use a container image with a specific tag other than latest.)`);
      const checks = lines.slice(1).filter(Boolean).map((l) => /\(check: ([a-z-]+),/.exec(l)?.[1]);
      assert.deepEqual(checks, ['latest-tag', 'no-read-only-root-fs', 'privilege-escalation-container', 'privileged-container', 'run-as-non-root', 'unset-cpu-requirements', 'unset-memory-requirements']);
      assert.match(r.stdout, /container "api" has cpu request 0 \(check: unset-cpu-requirements/);
      assert.match(r.stdout, /container "api" has memory limit 0 \(check: unset-memory-requirements/);
    });

    it('says "No lint errors found!" and exits 0 on a clean file; JSON has Checks, Reports and Summary', () => {
      const f = file('good.yaml', deployment({ sc: GOOD_SC, container: GOOD_RES }));
      const r = run('kube-linter', ['lint', f]);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.stdout, 'KubeLinter 0.8.3\n\nNo lint errors found!\n');
      const j = run('kube-linter', ['lint', '--format', 'json', file('bad.yaml', deployment())]);
      assert.equal(j.code, 1);
      const out = JSON.parse(j.stdout);
      assert.deepEqual(Object.keys(out), ['Checks', 'Reports', 'Summary']);
      assert.equal(out.Summary.ChecksStatus, 'Failed');
      assert.equal(out.Summary.KubeLinterVersion, '0.8.3');
      assert.deepEqual(out.Reports[0].Object, { Metadata: { FilePath: join(dir, 'bad.yaml') }, K8sObject: { Namespace: 'payments', Name: 'api', GroupVersionKind: { Group: 'apps', Version: 'v1', Kind: 'Deployment' } } });
      assert.ok(out.Checks.some((c: { name: string }) => c.name === 'drop-net-raw-capability'));
    });

    it('takes runAsNonRoot/runAsUser from the pod when the container does not set them, and flags runAsUser 0', () => {
      const pod = '      securityContext: { runAsNonRoot: true }\n';
      let r = run('kube-linter', ['lint', '--include', 'run-as-non-root', '--do-not-auto-add-defaults', file('a.yaml', deployment({ pod, sc: '            runAsUser: 0' }))]);
      assert.match(r.stdout, /container "api" is set to runAsNonRoot, but runAsUser set to 0 \(check: run-as-non-root/);
      r = run('kube-linter', ['lint', '--include', 'run-as-non-root', '--do-not-auto-add-defaults', file('b.yaml', deployment({ pod, sc: '            readOnlyRootFilesystem: true' }))]);
      assert.equal(r.code, 0, r.stdout);
    });

    it('drop-net-raw-capability: nothing without capabilities, ALL counts, an added NET_RAW does not', () => {
      const lint = (sc: string) => run('kube-linter', ['lint', '--do-not-auto-add-defaults', '--include', 'drop-net-raw-capability', file('c.yaml', deployment({ sc }))]);
      assert.equal(lint('            readOnlyRootFilesystem: true').code, 0);
      assert.equal(lint('            capabilities: { drop: [all] }').code, 0);
      const r = lint('            capabilities: { add: [NET_RAW], drop: [CHOWN] }');
      assert.match(r.stdout, /container "api" has ADD capability: "NET_RAW", which matched with the forbidden capability for containers/);
      assert.match(r.stdout, /container "api" has DROP capabilities: \["CHOWN"\], but does not drop capability "NET_RAW" which is required/);
    });

    it('honours ignore annotations and .kube-linter.yaml in the working directory, like the real tool', () => {
      const f = file('d.yaml', deployment({ meta: '  annotations:\n    kube-linter.io/ignore-all: "true"\n' }));
      assert.equal(run('kube-linter', ['lint', f]).code, 0);
      const g = file('e.yaml', deployment({ sc: GOOD_SC, container: GOOD_RES, image: 'busybox:latest', meta: '  annotations:\n    ignore-check.kube-linter.io/latest-tag: later\n' }));
      assert.equal(run('kube-linter', ['lint', g]).code, 0);
      const h = file('h.yaml', deployment({ sc: GOOD_SC, container: GOOD_RES, image: 'busybox:latest' }));
      assert.equal(run('kube-linter', ['lint', h]).code, 1);
      writeFileSync(join(dir, '.kube-linter.yaml'), 'checks:\n  exclude: [latest-tag]\n');
      assert.equal(run('kube-linter', ['lint', h], { cwd: dir }).code, 0);
      assert.equal(run('kube-linter', ['lint', h]).code, 1, 'the config only applies from its own directory');
    });

    it('non-existent-service-account looks for the ServiceAccount among the linted objects; stdin is "<standard input>"', () => {
      const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: api, namespace: payments }\n---\n';
      const doc = deployment({ sc: GOOD_SC, container: GOOD_RES, pod: '      serviceAccountName: api\n' });
      assert.equal(run('kube-linter', ['lint', file('f.yaml', sa + doc)]).code, 0);
      const r = run('kube-linter', ['lint', '-'], { input: doc });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^<standard input>: \(object: payments\/api apps\/v1, Kind=Deployment\) serviceAccount "api" not found \(check: non-existent-service-account/m);
    });

    it('refuses what it does not simulate (exit 2) and warns on no objects; version prints 0.8.3', () => {
      assert.equal(run('kube-linter', ['lint', '--include', 'no-liveness-probe', file('g.yaml', deployment())]).code, 2);
      assert.match(run('kube-linter', ['lint', '--format', 'sarif', file('g.yaml', deployment())]).stderr, /not simulated/);
      const none = run('kube-linter', ['lint', file('empty.yaml', '# nothing\n')]);
      assert.equal(none.code, 0);
      assert.equal(none.stderr, 'Warning: no valid objects found.\n');
      assert.equal(run('kube-linter', ['version']).stdout, '0.8.3\n');
    });
  });

  describe('kubesec', () => {
    it('scores a privileged container -30 (critical) and exits 2, fields in the real order', () => {
      const r = run('kubesec', ['scan', file('bad.yaml', deployment())]);
      assert.equal(r.code, 2);
      const [rep] = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(rep), ['object', 'valid', 'fileName', 'message', 'score', 'scoring']);
      assert.equal(rep.object, 'Deployment/api.payments');
      assert.equal(rep.fileName, join(dir, 'bad.yaml'));
      assert.equal(rep.message, 'Failed with a score of -30 points');
      assert.deepEqual(rep.scoring.critical, [{ id: 'Privileged', selector: 'containers[] .securityContext .privileged == true', reason: 'Privileged containers can allow almost completely unrestricted host access', points: -30 }]);
      assert.equal(rep.scoring.passed, undefined);
      assert.deepEqual(rep.scoring.advise.map((a: { id: string }) => a.id).slice(0, 3), ['ApparmorAny', 'ServiceAccountName', 'SeccompAny']);
      assert.match(r.stdout, /^\[\n {2}\{\n {4}"object"/);
    });

    it('scores the hardened container 10 and exits 0; passed sorted by points, then selector', () => {
      const r = run('kubesec', ['scan', 'good.yaml'], { cwd: dir, input: '' });
      assert.equal(r.code, 1); // not written yet
      file('good.yaml', deployment({ sc: GOOD_SC, container: GOOD_RES }));
      const ok = run('kubesec', ['scan', 'good.yaml'], { cwd: dir });
      assert.equal(ok.code, 0, ok.stdout);
      const [rep] = JSON.parse(ok.stdout);
      assert.equal(rep.fileName, 'good.yaml');
      assert.equal(rep.score, 10);
      assert.equal(rep.message, 'Passed with a score of 10 points');
      assert.deepEqual(rep.scoring.passed.map((p: { id: string }) => p.id), ['RunAsGroup', 'RunAsNonRoot', 'RunAsUser', 'LimitsCPU', 'LimitsMemory', 'RequestsCPU', 'RequestsMemory', 'CapDropAny', 'CapDropAll', 'ReadOnlyRootFilesystem']);
    });

    it('a container value wins over the pod one; the stdin report is "STDIN"', () => {
      const pod = '      securityContext: { runAsNonRoot: true, runAsUser: 20000 }\n';
      let [rep] = JSON.parse(run('kubesec', ['scan', '-'], { input: deployment({ pod, sc: '            runAsNonRoot: false' }) }).stdout);
      assert.equal(rep.fileName, 'STDIN');
      const ids = (r: { scoring: { passed?: { id: string }[] } }) => (r.scoring.passed ?? []).map((p) => p.id);
      assert.ok(!ids(rep).includes('RunAsNonRoot'));
      assert.ok(ids(rep).includes('RunAsUser'));
      [rep] = JSON.parse(run('kubesec', ['scan', '/dev/stdin'], { input: deployment({ pod, sc: '            readOnlyRootFilesystem: false' }) }).stdout);
      assert.ok(ids(rep).includes('RunAsNonRoot'));
    });

    it('scores every document; a ServiceAccount is "not supported" with score 0, so the scan exits 2 (or --exit-code)', () => {
      const f = file('multi.yaml', `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: api, namespace: payments }\n---\n${deployment({ sc: GOOD_SC, container: GOOD_RES, pod: '      serviceAccountName: api\n' })}`);
      const r = run('kubesec', ['scan', f]);
      assert.equal(r.code, 2);
      const reps = JSON.parse(r.stdout);
      assert.deepEqual(reps.map((x: { object: string; score: number; message: string }) => [x.object, x.score, x.message]), [
        ['ServiceAccount/api.payments', 0, 'This resource kind is not supported by kubesec'],
        ['Deployment/api.payments', 13, 'Passed with a score of 13 points'],
      ]);
      assert.deepEqual(reps[0].scoring, {});
      assert.equal(run('kubesec', ['scan', '--exit-code', '0', f]).code, 0);
      assert.equal(run('kubesec', ['version']).stdout, 'version 2.14.2\ngit commit bb804de5ed6f311a7d281c3d119fe85e77e75a13\nbuild date 2024-11-22T16:34:22Z\n');
      assert.equal(run('kubesec', ['http', '8080']).code, 2);
    });
  });
});
