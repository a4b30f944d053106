/**
 * k8s-upgrade proven on the fakes: a two-node `upgrade` lab (staged packages in a real local apt
 * repository, the real apt/dpkg on the nodes, the fake kubeadm, a kubelet whose Node version
 * follows the binary a restart runs). Graded by what runs: crictl's containers, /version, the
 * Nodes' kubelet versions and schedulability. Common mistakes fail exactly the right task; a right
 * answer written differently (exact package versions, drain with --delete-emptydir-data) passes.
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
import { checkIn as check, failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('k8s-upgrade');
const lab = loadLabs(join(ROOT, 'labs')).get('upgrade')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const ENV = { KUBECONFIG: '/etc/kubernetes/admin.conf', PARAM_TARGET: 'v1.35.0', PARAM_PACKAGE: '1.35.0-1.1', PARAM_ETCD: '3.6.6-0' };
/** The failing checks with what they found, as an assertion message. */
const why = (r: GradeResult): string => JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.actual}`)), null, 1);
const ALL = ['control-plane', 'control-plane-node', 'worker-node'];

describe('scenario k8s-upgrade on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld({ extra: { FAKE_APISERVER_RESTART_MS: '400', FAKE_APISERVER_WARMUP_MS: '100', FAKE_KUBELET_READY_MS: '300' } });
  const cluster = 'cks-upgr';
  const grade = async () => grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
  const run = async (script: string, ok = true) => {
    const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: ENV, timeoutMs: 120_000 });
    if (ok) assert.equal(out.exitCode, 0, out.stdout + out.stderr);
    return out;
  };
  const readyAgain = (node: string) => `for i in $(seq 1 60); do [ "$(kubectl get node ${node} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] && break; sleep 0.5; done`;
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-pupg', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const before = proof.afterSetup!;
    assert.match(check(before, 'control-plane', 'running-images').actual, /kube-apiserver=registry\.k8s\.io\/kube-apiserver:v1\.34\.0/);
    assert.match(check(before, 'control-plane', 'server-version').actual, /server v1\.34\.0/);
    assert.match(check(before, 'worker-node', 'worker-kubelet').actual, /cks-pupg-worker: kubelet=v1\.34\.0 ready=True schedulable=yes/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    before(async function () {
      this.timeout(180_000);
      await world.provider.create(cluster, lab, () => undefined);
      await runNodeScript(world.provider, cluster, scenario.setupScript);
      assert.deepEqual(failed(await grade()), ALL);
    });

    it('kubeadm upgrade apply before upgrading the kubeadm package: refused, nothing changes', async () => {
      const out = await run('kubeadm upgrade apply v1.35.0 -y', false);
      assert.equal(out.exitCode, 1);
      assert.match(out.stderr, /Specified version to upgrade to "v1\.35\.0" is higher than the kubeadm version "v1\.34\.0"\. Upgrade kubeadm first/);
      const held = await run("apt-get install -y kubeadm='1.35.0-*' 2>&1", false);
      assert.match(held.stdout, /E: Held packages were changed and -y was used without --allow-change-held-packages\./);
      const r = await grade();
      assert.deepEqual(failed(r), ALL, why(r));
      assert.match(check(r, 'control-plane', 'server-version').actual, /server v1\.34\.0/);
    });

    it('control plane upgraded and its kubelet package installed, but the kubelet not restarted: its Node still reports v1.34.0', async () => {
      // Exact package versions instead of the wildcard; drain with --delete-emptydir-data.
      await run(`set -e
apt-mark unhold kubeadm && apt-get update -qq && apt-get install -y -qq kubeadm=1.35.0-1.1 && apt-mark hold kubeadm
kubeadm upgrade plan >/dev/null
kubeadm upgrade apply v1.35.0 --yes
kubectl drain cks-upgr-control-plane --ignore-daemonsets --delete-emptydir-data
apt-mark unhold kubelet kubectl && apt-get install -y -qq kubelet=1.35.0-1.1 kubectl=1.35.0-1.1 && apt-mark hold kubelet kubectl
kubectl uncordon cks-upgr-control-plane`);
      const r = await grade();
      assert.deepEqual(failed(r), ['control-plane-node', 'worker-node'], why(r));
      assert.equal(check(r, 'control-plane', 'running-images').status, 'pass');
      assert.match(check(r, 'control-plane-node', 'control-plane-kubelet').actual, /cks-upgr-control-plane: kubelet=v1\.34\.0 ready=True schedulable=yes/);
    });

    it('kubelet restarted but the node left cordoned: the control-plane node task still fails', async () => {
      await run(`set -e\nkubectl cordon cks-upgr-control-plane\nsystemctl daemon-reload && systemctl restart kubelet\n${readyAgain('cks-upgr-control-plane')}`);
      const r = await grade();
      assert.deepEqual(failed(r), ['control-plane-node', 'worker-node'], why(r));
      assert.match(check(r, 'control-plane-node', 'control-plane-kubelet').actual, /kubelet=v1\.35\.0 ready=True schedulable=no \(cordoned\)/);
    });

    it('only the control plane upgraded, not the worker: the worker task fails', async () => {
      await run('kubectl uncordon cks-upgr-control-plane');
      const r = await grade();
      assert.deepEqual(failed(r), ['worker-node'], why(r));
      assert.match(check(r, 'worker-node', 'worker-kubelet').actual, /cks-upgr-worker: kubelet=v1\.34\.0/);
    });

    it('worker upgraded (kubeadm upgrade node over ssh, drained from the control plane): every task passes', async () => {
      await run(`set -e
ssh worker "apt-mark unhold kubeadm && apt-get update -qq && apt-get install -y -qq kubeadm='1.35.0-*' && apt-mark hold kubeadm && kubeadm upgrade node"
kubectl drain cks-upgr-worker --ignore-daemonsets --delete-emptydir-data
ssh worker "apt-mark unhold kubelet kubectl && apt-get install -y -qq kubelet='1.35.0-*' kubectl='1.35.0-*' && apt-mark hold kubelet kubectl && systemctl daemon-reload && systemctl restart kubelet"
${readyAgain('cks-upgr-worker')}
kubectl uncordon cks-upgr-worker`);
      {
        const r = await grade();
        assert.deepEqual(failed(r), [], why(r));
      }
    });

    it('the reference solution on the upgraded cluster keeps every task passing (idempotent)', async () => {
      await runNodeScript(world.provider, cluster, scenario.solutionScript, undefined, { PARAM_TARGET: 'v1.35.0', PARAM_PACKAGE: '1.35.0-1.1', PARAM_ETCD: '3.6.6-0' });
      {
        const r = await grade();
        assert.deepEqual(failed(r), [], why(r));
      }
    });
  });
});
