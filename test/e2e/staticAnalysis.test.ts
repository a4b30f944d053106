/**
 * static-analysis proven on the fakes: graded by the node's own kube-linter (the fake of 0.8.3,
 * default checks) and kubesec (the fake of 2.14.2) on the learner's file and on the live
 * Deployment, by `kubectl diff -f`, and inside the running Pods (the fake kubelet mounts the root
 * filesystem read-only for readOnlyRootFilesystem, so the app crashes without its emptyDir). One
 * fake cluster for every case: the proof keeps it, each mistake is applied on top and the
 * reference answer put back.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkById, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('static-analysis');
// inspectLabs, not loadLabs: a lab another author is still writing must not stop this one.
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('linters')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const FILE = '/root/static-analysis/app.yaml';

interface Variant {
  image?: string;
  annotations?: string;
  podSecurityContext?: string;
  securityContext?: string;
  resources?: string;
  env?: string;
  mounts?: string;
  volumes?: string;
  serviceAccount?: string;
  before?: string;
}
const REF_SC = `            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 10001
            runAsGroup: 10001
            capabilities:
              drop: [ALL]`;
const REF_RESOURCES = `            requests: { cpu: 50m, memory: 32Mi }
            limits: { cpu: 100m, memory: 64Mi }`;
/** The app's manifest with the given parts (defaults: the reference answer's). */
const manifest = (v: Variant = {}): string => `${v.before ?? ''}apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
${v.annotations ? `  annotations:\n${v.annotations}\n` : ''}spec:
  replicas: 1
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      terminationGracePeriodSeconds: 5
${v.serviceAccount ?? ''}${v.podSecurityContext ? `      securityContext:\n${v.podSecurityContext}\n` : ''}      containers:
        - name: api
          image: ${v.image ?? 'busybox:1.36.1'}
          command: [sh, -c, 'mkdir -p /tmp/app && while true; do date > /tmp/app/heartbeat; sleep 5; done']
          env:
${v.env ?? '            - { name: DB_SECRET, valueFrom: { secretKeyRef: { name: api-db, key: password } } }'}
          securityContext:
${v.securityContext ?? REF_SC}
          resources:
${v.resources ?? REF_RESOURCES}
          volumeMounts:
${v.mounts ?? '            - { name: tmp, mountPath: /tmp }'}
      volumes:
${v.volumes ?? '        - { name: tmp, emptyDir: {} }'}
`;

describe('scenario static-analysis on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-static-analysis';
  after(() => world.cleanup());
  const { grade, run } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  /** Writes the file; with `apply`, applies it and waits until only Pods of the new template are left (or, when they cannot start, a moment). */
  const write = (text: string, opts: { apply?: boolean; breaks?: boolean } = {}): Promise<string> =>
    run(`set -e\ncat > ${FILE} <<'YAML'\n${text}YAML\n${opts.apply === false ? '' : `kubectl apply -f ${FILE} >/dev/null\n${opts.breaks
      ? 'sleep 3'
      : 'kubectl -n payments rollout status deployment/api --timeout=60s >/dev/null\nfor i in $(seq 1 60); do [ "$(kubectl -n payments get pods -l app=api --no-headers | wc -l)" = 1 ] && break; sleep 0.5; done\nsleep 1'}\n`}`);
  /** Back to the reference answer, applied and running. */
  const reset = () => write(manifest());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, cluster, { ...world, grader, keep: true });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, [], JSON.stringify(proof.afterSolution?.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 1));
    const before = proof.afterSetup!;
    assert.match(checkById(before, 'kube-linter-clean').actual, /exit code 1: 9 lint errors: drop-net-raw-capability, env-var-secret, latest-tag/);
    assert.match(checkById(before, 'kubesec-file-score').actual, /kubesec score -30, below 8 \(critical: Privileged;/);
    assert.equal(checkById(before, 'live-matches-file').status, 'pass'); // setup applied its bad file
    assert.match(checkById(before, 'pods-run-hardened').actual, /uid=0 ⏎ rootfs=writable/);
    assert.match(checkById(proof.afterSolution!, 'kubesec-file-score').actual, /kubesec score 10, at least 8/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    it('the file fixed but not applied fails only the applied task', async () => {
      await write(manifest({ resources: `            requests: { cpu: 60m, memory: 32Mi }\n            limits: { cpu: 100m, memory: 64Mi }` }), { apply: false });
      const r = await grade();
      assert.deepEqual(failed(r), ['applied-and-running']);
      assert.match(checkById(r, 'live-matches-file').actual, /not applied, live vs file: -cpu: 50m \+cpu: 60m/);
      assert.equal(checkById(r, 'pods-run-hardened').status, 'pass');
      await reset();
      assert.deepEqual(failed(await grade()), []);
    });

    it('kube-linter silenced with ignore annotations (and a .kube-linter.yaml) fails only the lint task', async () => {
      await write(manifest({ image: 'busybox:latest', annotations: '    ignore-check.kube-linter.io/latest-tag: "the app team pins it later"' }));
      await run(`printf 'checks:\\n  exclude: [latest-tag]\\n' > /root/static-analysis/.kube-linter.yaml\ncd /root/static-analysis && kube-linter lint app.yaml | grep -q 'No lint errors found!'`);
      const r = await grade();
      assert.deepEqual(failed(r), ['lint-clean']);
      assert.match(checkById(r, 'no-ignore-annotations').actual, /ignore annotation\(s\): ignore-check\.kube-linter\.io\/latest-tag/);
      assert.equal(checkById(r, 'kube-linter-clean').status, 'pass'); // the annotation silences the tool itself…
      await run('rm -f /root/static-analysis/.kube-linter.yaml');
      await write(manifest({ image: 'busybox:latest' }));
      const r2 = await grade(); // …and the grader's kube-linter ignores the config next to the file
      assert.deepEqual(failed(r2), ['lint-clean']);
      assert.match(checkById(r2, 'kube-linter-clean').actual, /1 lint errors: latest-tag; first: latest-tag: The container/);
      await reset();
    });

    it('readOnlyRootFilesystem dropped and its kube-linter check silenced (non-root, so / is still not writable): lint and applied tasks fail', async () => {
      await write(manifest({ securityContext: REF_SC.replace(/\n +readOnlyRootFilesystem: true/, ''), annotations: '    ignore-check.kube-linter.io/no-read-only-root-fs: "app writes to /tmp"' }));
      const r = await grade();
      assert.deepEqual(failed(r), ['applied-and-running', 'lint-clean']);
      assert.match(checkById(r, 'pods-run-hardened').actual, /uid=10001 ⏎ rootfs=not-read-only \(touch: /);
      assert.equal(checkById(r, 'kubesec-file-score').status, 'pass'); // 9
      await reset();
    });

    it('readOnlyRootFilesystem without a volume where the app writes: the app crashes, only the applied task fails', async () => {
      await write(manifest({ mounts: '            []', volumes: '        []' }), { breaks: true });
      const r = await grade();
      assert.deepEqual(failed(r), ['applied-and-running']);
      assert.equal(checkById(r, 'live-matches-file').status, 'pass');
      const pods = checkById(r, 'pods-run-hardened');
      assert.notEqual(pods.status, 'pass');
      assert.match(`${pods.message} ${pods.actual}`, /CrashLoopBackOff|Error|exit code/, pods.message);
      await reset();
    });

    it('runAsNonRoot without a user (the image runs as root): the kubelet refuses it, only the applied task fails', async () => {
      await write(manifest({ securityContext: REF_SC.replace(/\n +runAsUser: 10001/, '') }), { breaks: true });
      const r = await grade();
      assert.deepEqual(failed(r), ['applied-and-running']);
      assert.equal(checkById(r, 'kubesec-file-score').status, 'pass'); // 9: still enough
      assert.match(checkById(r, 'pods-run-hardened').actual, /CreateContainerConfigError|runAsNonRoot and image will run as root/);
      await reset();
    });

    it('env-var-secret dodged by renaming the variable (the password still in the file): only the applied task fails', async () => {
      await write(manifest({ env: '            - { name: DB_PASSWORD, value: Vq3-lm8Tz4 }' }));
      const r = await grade();
      assert.deepEqual(failed(r), ['applied-and-running']);
      assert.equal(checkById(r, 'kube-linter-clean').status, 'pass');
      assert.equal(checkById(r, 'password-from-secret').status, 'fail');
      const pods = checkById(r, 'pods-run-hardened');
      assert.equal(pods.status, 'fail');
      assert.doesNotMatch(pods.actual, /DB_SECRET=set/, pods.actual);
      await reset();
    });

    it('lint-clean with the bare minimum (cpu request, memory limit, NET_RAW, uid 1000) scores 4: only the kubesec task fails', async () => {
      await write(manifest({
        securityContext: '            readOnlyRootFilesystem: true\n            runAsUser: 1000\n            capabilities: { drop: [NET_RAW] }',
        resources: '            requests: { cpu: 50m }\n            limits: { memory: 64Mi }',
      }));
      const r = await grade();
      assert.deepEqual(failed(r), ['kubesec-score']);
      assert.match(checkById(r, 'kubesec-file-score').actual, /kubesec score 4, below 8 \(critical: none/);
      await reset();
    });

    it('passes written differently: pod-level user and group, a ServiceAccount in the same file, cpu in cores, the secretKeyRef in block style, the emptyDir only at /tmp/app', async () => {
      await write(manifest({
        before: 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n---\n',
        serviceAccount: '      serviceAccountName: api\n      automountServiceAccountToken: false\n',
        podSecurityContext: '        runAsNonRoot: true\n        runAsUser: 20000\n        runAsGroup: 20000',
        securityContext: '            readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop:\n                - ALL',
        resources: '            limits:\n              memory: 64Mi\n              cpu: "0.1"\n            requests:\n              memory: 32Mi\n              cpu: "0.05"',
        env: '            - name: DB_SECRET\n              valueFrom:\n                secretKeyRef:\n                  key: password\n                  name: api-db',
        mounts: '            - mountPath: /tmp/app\n              name: state',
        volumes: '        - name: state\n          emptyDir:\n            medium: Memory',
      }));
      const r = await grade();
      assert.deepEqual(failed(r), [], JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 1));
      assert.match(checkById(r, 'kubesec-file-score').actual, /kubesec score 14, at least 8/);
      assert.equal((await run('kubectl -n payments exec "$(kubectl -n payments get pod -l app=api -o name)" -- id -u')).trim(), '20000');
    });
  });
});
