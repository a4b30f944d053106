/**
 * The init-containers scenario proven against faithful fakes: the real KindProvider creates a
 * cluster with fake kind, setup and solution run on the fake node through fake docker, and the
 * real grader reads the fake API server, whose kubelet really runs the containers' commands.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';
import { failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const labs = loadLabs(join(ROOT, 'labs'));
const scenario = catalog.require('init-containers');
const lab = labs.get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });


describe('scenario init-containers on the fakes', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-init', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, 8);
    assert.ok(proof.proven);
    assert.deepEqual(await world.provider.list(), [], 'the cluster is deleted afterwards');
  });

  describe('common mistakes fail exactly the right task', () => {
    const cluster = 'cks-mistakes';
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await runNodeScript(world.provider, cluster, scenario.setupScript);
    });

    async function applyPod(manifest: string): Promise<GradeResult> {
      const script = `set -e
kubectl delete pod web -n init-lab --ignore-not-found --wait=true >/dev/null
cat > /root/attempt.yaml <<'YAML'
${manifest}
YAML
kubectl apply -f /root/attempt.yaml >/dev/null
`;
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });
      assert.equal(out.exitCode, 0, out.stderr);
      const kubeconfig = await world.provider.kubeconfig(cluster);
      // Let the simulated kubelet settle the pod before grading.
      await waitFor(async () => {
        const pod = await world.probesFor(cluster, kubeconfig).getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'init-lab', name: 'web' });
        const st = (pod?.status ?? {}) as { initContainerStatuses?: { state?: { running?: unknown }; restartCount?: number }[]; phase?: string };
        return st.phase === 'Running' || (st.initContainerStatuses?.[0]?.restartCount ?? 0) > 0;
      }, 'pod settled', 20_000);
      return grader.grade(scenario, world.probesFor(cluster, kubeconfig));
    }

    const pod = (init: string, main = '') => `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: init-lab }
spec:
  volumes: [{ name: content, emptyDir: {} }]
  initContainers:
${init}
  containers:
    - name: nginx
      image: nginx:1.27.3
      volumeMounts: [{ name: content, mountPath: ${main || '/usr/share/nginx/html'} }]`;

    const GOOD_INIT = `    - name: prepare
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'prepared by init' > /work/index.html"]
      volumeMounts: [{ name: content, mountPath: /work }]`;

    it('an unpinned busybox image fails only the init container spec task', async () => {
      const r = await applyPod(pod(GOOD_INIT.replace('busybox:1.36.1', 'busybox:latest')));
      assert.deepEqual(failed(r), ['init-spec']);
      const check = r.tasks.find((t) => t.id === 'init-spec')?.checks.find((c) => c.id === 'prepare-pinned');
      assert.equal(check?.status, 'fail');
      assert.match(check?.actual ?? '', /busybox:latest/);
    });

    it('an init container that exits non-zero fails "finished with exit code 0" and shows the exit code from lastState', async () => {
      const r = await applyPod(pod(GOOD_INIT.replace("echo 'prepared by init' > /work/index.html", 'echo broken; exit 3')));
      assert.deepEqual(failed(r), ['init-completed', 'page-served']);
      const exit = r.tasks.find((t) => t.id === 'init-completed')?.checks.find((c) => c.id === 'prepare-exit-code');
      assert.equal(exit?.status, 'fail');
      assert.match(exit?.actual ?? '', /\b3\b/);
      const served = r.tasks.find((t) => t.id === 'page-served')?.checks[0];
      assert.equal(served?.status, 'error', 'a pod that is not running cannot be exec’d into: error, not a silent fail');
    });

    it('nginx mounting the volume elsewhere fails the shared volume and the served page', async () => {
      const r = await applyPod(pod(GOOD_INIT, '/srv/www'));
      assert.deepEqual(failed(r), ['page-served', 'shared-volume']);
    });

    it('the reference-shaped pod passes every task', async () => {
      const r = await applyPod(pod(GOOD_INIT));
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });
  });
});
