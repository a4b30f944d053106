/**
 * The runtimeclass-kata scenario on the default lab, proven on the fakes both where the node has
 * no /dev/kvm (the VM task is skipped, said so, and left out of the score) and where it has
 * /dev/kvm and Kata (the test installs a fake Kata shim and handler into the node, as an operator
 * would; the simulated kubelet then runs the Pod "in a VM": its sandbox process is Kata's shim).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { onNode } from '../helpers/nodeScript.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';
import { failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const labs = loadLabs(join(ROOT, 'labs'));
const scenario = catalog.require('runtimeclass-kata');
const lab = labs.get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const hostHasKvm = existsSync('/dev/kvm') && statSync('/dev/kvm').isCharacterDevice();

/** What installing Kata into a node amounts to for containerd: its shim and a `kata` handler. */
const INSTALL_KATA = `set -e
printf '#!/bin/sh\\necho "containerd-shim-kata-v2: started by containerd" >&2\\nexit 1\\n' > /usr/local/bin/containerd-shim-kata-v2
chmod 0755 /usr/local/bin/containerd-shim-kata-v2
cat >> /etc/containerd/config.toml <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
  runtime_type = "io.containerd.kata.v2"
TOML
`;

describe('scenario runtimeclass-kata on the fakes', function () {
  this.timeout(180_000);

  describe('on a node without /dev/kvm', () => {
    const world = fakeClusterWorld({ extra: { FAKE_NODE_KVM: '0' } });
    after(() => world.cleanup());

    it('is proven with the VM task skipped, said so in the grade, and left out of the score', async () => {
      const proof = await proveScenario(scenario, lab, 'cks-proof-kata-nokvm', { ...world, grader });
      assert.equal(proof.error, null);
      assert.deepEqual(proof.passedAfterSetup, []);
      assert.deepEqual(proof.failedAfterSolution, []);
      assert.ok(proof.proven);
      assert.equal(proof.afterSolution?.score, 4);
      assert.equal(proof.afterSolution?.maxScore, 4);
      const vm = proof.afterSolution?.tasks.find((t) => t.id === 'runs-in-vm');
      assert.equal(vm?.skipped, true);
      for (const c of vm?.checks ?? []) {
        assert.equal(c.status, 'skip');
        assert.match(c.message, /not checked on this host — this node has no \/dev\/kvm or no Kata Containers runtime/);
      }
      assert.equal(proof.afterSetup?.tasks.find((t) => t.id === 'runs-in-vm')?.skipped, true);
    });

    it('even with Kata installed, a node without /dev/kvm never passes the VM task', async () => {
      const cluster = 'cks-kata-nokvm-installed';
      await world.provider.create(cluster, lab, () => undefined);
      try {
        await onNode(world.provider, cluster, INSTALL_KATA);
        await runNodeScript(world.provider, cluster, scenario.setupScript);
        await runNodeScript(world.provider, cluster, scenario.solutionScript);
        const r = await grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
        assert.equal(r.tasks.find((t) => t.id === 'runs-in-vm')?.skipped, true);
        const describe = await onNode(world.provider, cluster, 'kubectl describe pod isolated -n kata-lab');
        assert.match(describe.stdout, /Could not access KVM kernel module/);
      } finally {
        await world.provider.delete(cluster);
      }
    });
  });

  describe('on a node with /dev/kvm and Kata', () => {
    const world = fakeClusterWorld({ extra: { FAKE_NODE_KVM: '1' } });
    const cluster = 'cks-kata-kvm';
    before(async function () {
      if (!hostHasKvm) this.skip();
      await world.provider.create(cluster, lab, () => undefined);
      await onNode(world.provider, cluster, INSTALL_KATA);
      await runNodeScript(world.provider, cluster, scenario.setupScript);
    });
    after(() => world.cleanup());

    const grade = async () => grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));

    async function attempt(handler: string, podClass: string | null): Promise<GradeResult> {
      await onNode(world.provider, cluster, `set -e
kubectl delete pod isolated -n kata-lab --ignore-not-found --wait=true >/dev/null
kubectl delete runtimeclass kata --ignore-not-found >/dev/null
printf 'apiVersion: node.k8s.io/v1\\nkind: RuntimeClass\\nmetadata: { name: kata }\\nhandler: ${handler}\\n' | kubectl apply -f - >/dev/null
cat > /root/attempt.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: { name: isolated, namespace: kata-lab }
spec:
${podClass ? `  runtimeClassName: ${podClass}\n` : ''}  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]
YAML
kubectl apply -f /root/attempt.yaml >/dev/null
`);
      await waitFor(async () => {
        const ev = await onNode(world.provider, cluster, 'kubectl get pod isolated -n kata-lab -o jsonpath={.status.phase}; kubectl get events -n kata-lab -o name', { expectOk: false });
        return ev.stdout.startsWith('Running') || /failedcreatepodsandbox/.test(ev.stdout);
      }, 'pod settled', 20_000, 200);
      return grade();
    }

    it('after setup every task fails, none is skipped', async () => {
      const r = await grade();
      assert.deepEqual(failed(r), ['pod-runtimeclass', 'runs-in-vm', 'runtimeclass']);
      assert.ok(r.tasks.every((t) => !t.skipped));
      assert.equal(r.maxScore, 7);
    });

    it('a wrong handler fails the RuntimeClass and the VM', async () => {
      assert.deepEqual(failed(await attempt('kata-qemu', 'kata')), ['runs-in-vm', 'runtimeclass']);
    });

    it('runtimeClassName missing: Running, but under runc — no Kata shim', async () => {
      const r = await attempt('kata', null);
      assert.deepEqual(failed(r), ['pod-runtimeclass', 'runs-in-vm']);
      const shim = r.tasks.find((t) => t.id === 'runs-in-vm')?.checks.find((c) => c.id === 'kata-shim-running');
      assert.equal(shim?.status, 'fail');
    });

    it('the reference solution passes every task, the VM included', async () => {
      await runNodeScript(world.provider, cluster, scenario.solutionScript);
      const r = await grade();
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, 7);
    });
  });
});
