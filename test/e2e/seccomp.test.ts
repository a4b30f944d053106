/**
 * The seccomp scenario proven on the fakes, on one shared fake cluster: the simulated kubelet
 * installs each container's seccomp filter for real (kubelet/seccomp.ts), so the grader reads
 * `Seccomp: 2` from /proc/1/status and sees mkdir fail with EPERM exactly when the learner's
 * settings would do that on kind. Setup fails every task, the reference solution passes every one,
 * each common mistake fails the task it breaks, and answers written differently pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('seccomp');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const ENV = { KUBECONFIG: '/etc/kubernetes/admin.conf', PARAM_NAMESPACE: 'seccomp-lab', PARAM_PROFILE: 'deny-mkdir.json' };
const ALL = ['api-runtime-default', 'profile-installed', 'uploader-confined'];

/** Deployment api as the learner might write it: pod-level and per-container securityContext. */
const api = (podSc: string, appSc: string, metricsSc: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: seccomp-lab }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      ${podSc ? `securityContext: ${podSc}` : ''}
      containers:
        - name: app
          image: busybox:1.36.1
          command: ["sh", "-c", "echo 'api serving'; sleep 3600"]
          ${appSc ? `securityContext: ${appSc}` : ''}
        - name: metrics
          image: busybox:1.36.1
          command: ["sh", "-c", "echo 'metrics exporting'; sleep 3600"]
          ${metricsSc ? `securityContext: ${metricsSc}` : ''}`;

const uploader = (podSc: string, containerSc: string): string => `apiVersion: v1
kind: Pod
metadata: { name: uploader, namespace: seccomp-lab }
spec:
  ${podSc ? `securityContext: ${podSc}` : ''}
  containers:
    - name: uploader
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'uploader ready'; sleep 3600"]
      ${containerSc ? `securityContext: ${containerSc}` : ''}`;

const RD = '{ seccompProfile: { type: RuntimeDefault } }';
const LOCAL = '{ seccompProfile: { type: Localhost, localhostProfile: profiles/deny-mkdir.json } }';
const profile = (action: string, extra = ''): string =>
  `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "${action}"${extra}}]}`;
const GOOD = { api: api(RD, '', ''), uploader: uploader('', LOCAL), dir: '/var/lib/kubelet/seccomp/profiles', profile: profile('SCMP_ACT_ERRNO') };

describe('scenario seccomp on the fakes', function () {
  this.timeout(600_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-seccomp';
  after(() => world.cleanup());

  const { grade, exec, setup, solve } = onCluster(world, scenario, cluster, { grader, env: ENV, scriptEnv: ENV });

  /** The learner's answer: the profile written into `dir`, the Deployment applied (rolled out), uploader replaced. */
  async function attempt(a: { api: string; uploader: string; dir: string; profile: string }): Promise<{ grade: GradeResult; out: string }> {
    const script = `set -e
rm -rf /var/lib/kubelet/seccomp
mkdir -p ${a.dir}
cat > ${a.dir}/deny-mkdir.json <<'JSON'
${a.profile}
JSON
cat > /root/attempt-api.yaml <<'YAML'
${a.api}
YAML
cat > /root/attempt-uploader.yaml <<'YAML'
${a.uploader}
YAML
kubectl apply -f /root/attempt-api.yaml >/dev/null
kubectl rollout status deployment/api -n seccomp-lab --timeout=60s >/dev/null || true
kubectl delete pod uploader -n seccomp-lab --ignore-not-found --wait=true >/dev/null
kubectl apply -f /root/attempt-uploader.yaml 2>&1 || true
for i in $(seq 1 40); do
  phase=$(kubectl get pod uploader -n seccomp-lab -o jsonpath='{.status.phase}' 2>/dev/null || true)
  reason=$(kubectl get pod uploader -n seccomp-lab -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null || true)
  [ "$phase" = Running ] || [ "$reason" = CreateContainerError ] || ! kubectl get pod uploader -n seccomp-lab >/dev/null 2>&1 && break
  sleep 0.5
done
`;
    const out = await exec(script);
    assert.equal(out.exitCode, 0, out.stderr);
    return { grade: await grade(), out: out.stdout + out.stderr };
  }

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('after setup every task fails, saying what it found', async () => {
    await setup();
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    assert.match(check(r, 'api-runtime-default', 'api-app-seccomp').actual, /^pod api-[a-z0-9]+-[a-z0-9]{5}: output "Seccomp:\t0/);
    assert.equal(check(r, 'profile-installed', 'profile-file').status, 'fail');
    assert.match(check(r, 'uploader-confined', 'uploader-mkdir-denied').actual, /^exit code 0/);
  });

  it('after the reference solution every task passes (and the solution can run again)', async () => {
    for (let i = 0; i < 2; i++) {
      await solve();
    }
    const r = await grade();
    assert.deepEqual(failed(r), []);
    assert.equal(r.score, r.maxScore);
    assert.match(check(r, 'api-runtime-default', 'api-metrics-seccomp').actual, /^2 pod\(s\) \(api-/);
  });

  describe('common mistakes fail exactly the right task', () => {
    it('the profile placed in the seccomp root instead of profiles/: the container cannot be created (CreateContainerError)', async () => {
      const { grade: r } = await attempt({ ...GOOD, dir: '/var/lib/kubelet/seccomp' });
      assert.deepEqual(failed(r), ['profile-installed', 'uploader-confined']);
      assert.equal(check(r, 'uploader-confined', 'uploader-running').actual, 'Pending (pod phase Pending; uploader: CreateContainerError)');
    });

    it('localhostProfile as an absolute path is refused by the API server: uploader is missing', async () => {
      const { grade: r, out } = await attempt({ ...GOOD, uploader: uploader('', '{ seccompProfile: { type: Localhost, localhostProfile: /var/lib/kubelet/seccomp/profiles/deny-mkdir.json } }') });
      assert.match(out, /must be a relative path/);
      assert.deepEqual(failed(r), ['uploader-confined']);
    });

    it('the draft left at SCMP_ACT_LOG: the filter is in force but mkdir still succeeds', async () => {
      const { grade: r } = await attempt({ ...GOOD, profile: profile('SCMP_ACT_LOG') });
      assert.deepEqual(failed(r), ['uploader-confined']);
      assert.equal(check(r, 'uploader-confined', 'uploader-seccomp').status, 'pass');
      assert.equal(check(r, 'uploader-confined', 'uploader-mkdir-denied').status, 'fail');
    });

    it('a profile that denies mkdir but forgets mkdirat: only the profile task fails (x86_64 libcs call mkdir, so the probe still sees EPERM)', async () => {
      const { grade: r } = await attempt({ ...GOOD, profile: '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}' });
      assert.deepEqual(failed(r), ['profile-installed']);
      assert.match(check(r, 'profile-installed', 'profile-names-both').expected, /containing ""mkdirat""$/);
    });

    it('the pre-1.27 annotation instead of the field: the API server warns it is non-functional, task 1 fails', async () => {
      const annotated = api('', '', '').replace('metadata: { labels: { app: api } }', "metadata: { labels: { app: api }, annotations: { seccomp.security.alpha.kubernetes.io/pod: 'runtime/default' } }");
      const script = `cat > /root/attempt-annotated.yaml <<'YAML'\n${annotated}\nYAML\nkubectl apply -f /root/attempt-annotated.yaml 2>&1`;
      const out = await exec(script);
      assert.match(out.stdout, /Warning: spec\.template\.metadata\.annotations\[seccomp\.security\.alpha\.kubernetes\.io\/pod\]: non-functional in v1\.27\+; use the "seccompProfile" field instead/);
      const { grade: r } = await attempt({ ...GOOD, api: annotated });
      assert.deepEqual(failed(r), ['api-runtime-default']);
    });

    it('RuntimeDefault on container app only (metrics still Unconfined): only task 1 fails, on metrics', async () => {
      const { grade: r } = await attempt({ ...GOOD, api: api('', RD, '{ seccompProfile: { type: Unconfined } }') });
      assert.deepEqual(failed(r), ['api-runtime-default']);
      assert.equal(check(r, 'api-runtime-default', 'api-app-seccomp').status, 'pass');
      assert.match(check(r, 'api-runtime-default', 'api-metrics-seccomp').actual, /^pod api-.*Seccomp:\t0/);
    });

    it("RuntimeDefault at Pod level while metrics' own Unconfined stays (the container wins): task 1 fails", async () => {
      const { grade: r } = await attempt({ ...GOOD, api: api(RD, '', '{ seccompProfile: { type: Unconfined } }') });
      assert.deepEqual(failed(r), ['api-runtime-default']);
    });

    it('metrics made privileged: the runtime applies no seccomp to it, task 1 fails', async () => {
      const { grade: r } = await attempt({ ...GOOD, api: api(RD, '', '{ privileged: true }') });
      assert.deepEqual(failed(r), ['api-runtime-default']);
      assert.match(check(r, 'api-runtime-default', 'api-metrics-seccomp').message, /Seccomp: 2.*found in pod api-.*Seccomp:\t0/);
    });
  });

  describe('right answers written differently pass', () => {
    it('RuntimeDefault per container, uploader profile at Pod level, errnoRet given explicitly', async () => {
      const { grade: r } = await attempt({ api: api('', RD, RD), uploader: uploader(LOCAL, ''), dir: GOOD.dir, profile: profile('SCMP_ACT_ERRNO', ', "errnoRet": 1') });
      assert.deepEqual(failed(r), []);
    });

    it('the profile as two rules and the pod-level RuntimeDefault also set on each container', async () => {
      const two = '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}, {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}';
      const { grade: r } = await attempt({ api: api(RD, RD, RD), uploader: GOOD.uploader, dir: GOOD.dir, profile: two });
      assert.deepEqual(failed(r), []);
    });
  });
});
