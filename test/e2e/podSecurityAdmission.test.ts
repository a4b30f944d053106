/**
 * pod-security-admission (⚑) proven on the fakes: PodSecurity admission graded by its effect — a
 * privileged Pod refused in team-red, a Pod from the api Deployment's template admitted — and the
 * running replicas by what their processes are (uid, NoNewPrivs, capability bounding set, seccomp);
 * the ways people get it wrong fail the task they break.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('pod-security-admission');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

/** Namespace labels exactly as given (the others removed), then Deployment api with this pod template spec. */
function state(labels: Record<string, string>, podSpec: string): string {
  const remove = ['enforce', 'enforce-version', 'warn', 'warn-version', 'audit'].map((m) => `pod-security.kubernetes.io/${m}-`).join(' ');
  const add = Object.entries(labels).map(([k, v]) => `pod-security.kubernetes.io/${k}=${v}`).join(' ');
  return `set -e
kubectl label namespace team-red ${remove} >/dev/null 2>&1 || true
${add ? `kubectl label namespace team-red ${add} --overwrite >/dev/null 2>&1` : ''}
kubectl apply -f - >/dev/null 2>&1 <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: team-red }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
${podSpec.replace(/^/gm, '      ')}
YAML
kubectl -n team-red rollout status deployment/api --timeout=10s >/dev/null 2>&1 || true
`;
}

const CONTAINER = `- name: api
  image: busybox:1.36.1
  command: ["sh", "-c", "echo api ready; while true; do sleep 3600; done"]`;
const COMPLIANT = `securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
containers:
${CONTAINER}
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }`;
const PRIVILEGED_ROOT = `containers:
${CONTAINER}
  securityContext: { privileged: true, runAsUser: 0 }`;

describe('scenario pod-security-admission on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-psa', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const before = proof.afterSetup!;
    assert.match(check(before, 'enforce-restricted', 'privileged-pod-forbidden').actual, /admitted/);
    assert.match(check(before, 'api-non-root', 'uid-not-zero').actual, /api-[a-z0-9]+-[a-z0-9]{5}.*\b0\b/s, 'names the pod and the uid it found');
    assert.match(check(before, 'api-complies', 'no-capabilities').actual, /CapBnd:\s+000001f[0-9a-f]{9}/, 'a privileged container holds every capability');
    const after = proof.afterSolution!;
    assert.match(check(after, 'enforce-restricted', 'privileged-pod-forbidden').actual, /denied \(403\).*violates PodSecurity "restricted:latest": privileged/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-psa-mistakes';
    const { grade, run, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
    });

    it('labelling the namespace alone leaves the old privileged root Pods running: the Deployment tasks fail, saying why', async () => {
      await run(state({ enforce: 'restricted' }, PRIVILEGED_ROOT));
      const r = await grade();
      assert.deepEqual(failed(r), ['api-complies', 'api-non-root']);
      const template = check(r, 'api-complies', 'template-admitted');
      assert.match(template.actual, /denied \(403\): pods "api-cks-probe-[a-z0-9]+" is forbidden: violates PodSecurity "restricted:latest": privileged/);
      assert.match(check(r, 'api-non-root', 'uid-not-zero').actual, /\b0\b/);
    });

    it('a warn label instead of enforce (Deployment fixed) fails only the namespace task', async () => {
      await run(state({ warn: 'restricted' }, COMPLIANT));
      const r = await grade();
      assert.deepEqual(failed(r), ['enforce-restricted']);
      assert.match(check(r, 'enforce-restricted', 'privileged-pod-forbidden').actual, /admitted/);
    });

    it('enforcing baseline instead of restricted fails only the namespace task (baseline refuses privileged too)', async () => {
      await run(state({ enforce: 'baseline' }, COMPLIANT));
      const r = await grade();
      assert.deepEqual(failed(r), ['enforce-restricted']);
      assert.match(check(r, 'enforce-restricted', 'privileged-pod-forbidden').actual, /violates PodSecurity "baseline:latest"/);
      assert.equal(check(r, 'enforce-restricted', 'enforce-label').actual, 'baseline');
    });

    it('runAsNonRoot without a user for a root image: admitted, but the kubelet refuses the containers', async () => {
      await run(state({ enforce: 'restricted' }, COMPLIANT.replace('runAsNonRoot: true, runAsUser: 1000, ', 'runAsNonRoot: true, ')));
      const r = await grade();
      assert.deepEqual(failed(r), ['api-complies', 'api-non-root']);
      assert.equal(check(r, 'api-complies', 'template-admitted').status, 'pass');
      assert.equal(check(r, 'api-complies', 'replicas-available').status, 'fail');
    });

    it('leaving out the seccomp profile: the template is refused, and the message names seccompProfile', async () => {
      await run(state({ enforce: 'restricted' }, COMPLIANT.replace(', seccompProfile: { type: RuntimeDefault }', '')));
      const r = await grade();
      assert.ok(failed(r).includes('api-complies'));
      assert.deepEqual(failed(r).filter((t) => t !== 'api-non-root'), ['api-complies']);
      assert.match(check(r, 'api-complies', 'template-admitted').actual, /seccompProfile \(pod or container "api" must set securityContext\.seccompProfile\.type to "RuntimeDefault" or "Localhost"\)/);
    });

    it('container-level settings, NET_BIND_SERVICE kept, a pinned enforce-version: passes', async () => {
      const containerLevel = `containers:
${CONTAINER}
  securityContext:
    runAsNonRoot: true
    runAsUser: 2000
    allowPrivilegeEscalation: false
    seccompProfile: { type: RuntimeDefault }
    capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }`;
      await run(state({ enforce: 'restricted', 'enforce-version': 'v1.34' }, containerLevel));
      const r = await grade();
      assert.deepEqual(failed(r), []);
      assert.match(check(r, 'api-non-root', 'uid-not-zero').actual, /^2 pod\(s\) .* met it$/);
    });
  });
});
