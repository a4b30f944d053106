/**
 * kube-bench-fix proven on the fakes: graded by the node's own kube-bench (the fake of 0.15.6,
 * cis-1.12, baked into the `cis` lab's image) for exactly the listed checks, plus kube-apiserver's
 * /readyz; the ways people get it wrong fail the task they break, a right answer written
 * differently passes, and a missing kube-bench fails loudly instead of passing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, failedChecks, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('kube-bench-fix');
const lab = loadLabs(join(ROOT, 'labs')).get('cis')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

describe('scenario kube-bench-fix on the fakes', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-kbench';
  const { grade, run, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  /** Put the setup state back: modes, owner, the manifests as setup left them (waits for kube-apiserver). */
  const reset = () =>
    run(`set -e
M=/etc/kubernetes/manifests
chmod 644 $M/kube-controller-manager.yaml $M/kube-scheduler.yaml; chmod 600 $M/kube-apiserver.yaml
chmod 755 /var/lib/etcd; chown root:root /var/lib/etcd
cp /root/kcm.setup $M/kube-controller-manager.yaml; cp /root/sched.setup $M/kube-scheduler.yaml
if ! cmp -s /root/apiserver.setup $M/kube-apiserver.yaml; then
  OLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
  cat /root/apiserver.setup > $M/kube-apiserver.yaml
  for i in $(seq 1 60); do
    NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
    if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then exit 0; fi
    sleep 0.5
  done
  exit 1
fi
`);
  const solution = scenario.solutionScript;
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-kbench', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const before = proof.afterSetup!;
    assert.match(check(before, 'manifest-permissions', 'kube-bench-1-1-3').actual, /1\.1\.3 FAIL \(found permissions=644\): Ensure/);
    assert.match(check(before, 'etcd-data-dir', 'kube-bench-1-1-12').actual, /1\.1\.12 FAIL \(found root:root\): Ensure/);
    assert.match(check(before, 'profiling', 'kube-bench-1-2-15').actual, /1\.2\.15 FAIL: Ensure that the --profiling argument is set to false/);
    assert.equal(check(before, 'profiling', 'apiserver-ready').status, 'pass');
    assert.match(check(proof.afterSolution!, 'etcd-data-dir', 'kube-bench-1-1-12').actual, /1\.1\.12 PASS/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    before(async function () {
      this.timeout(120_000);
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
      await run('set -e\nM=/etc/kubernetes/manifests\ncp $M/kube-apiserver.yaml /root/apiserver.setup\ncp $M/kube-controller-manager.yaml /root/kcm.setup\ncp $M/kube-scheduler.yaml /root/sched.setup\n');
      await runNodeScript(world.provider, cluster, solution);
      assert.deepEqual(failed(await grade()), []);
      await run('cp /etc/kubernetes/manifests/kube-apiserver.yaml /root/apiserver.solved');
    });

    it('chmod on the wrong file (kube-apiserver.yaml, not kube-controller-manager.yaml) fails only 1.1.3', async () => {
      await run('chmod 644 /etc/kubernetes/manifests/kube-controller-manager.yaml && chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml');
      const r = await grade();
      assert.deepEqual(failed(r), ['manifest-permissions']);
      assert.deepEqual(failedChecks(r), ['kube-bench-1-1-3']);
      assert.match(check(r, 'manifest-permissions', 'kube-bench-1-1-3').message, /1\.1\.3 FAIL \(found permissions=644\)/);
      await run('chmod 600 /etc/kubernetes/manifests/kube-controller-manager.yaml');
    });

    it('chown to the wrong owner (etcd user, group left root; or root:etcd) fails only 1.1.12', async () => {
      await run('chown etcd /var/lib/etcd && chgrp root /var/lib/etcd');
      let r = await grade();
      assert.deepEqual(failedChecks(r), ['kube-bench-1-1-12']);
      assert.match(check(r, 'etcd-data-dir', 'kube-bench-1-1-12').actual, /found etcd:root/);
      await run('chown root:etcd /var/lib/etcd');
      r = await grade();
      assert.deepEqual(failedChecks(r), ['kube-bench-1-1-12']);
      await run('chown etcd:etcd /var/lib/etcd');
    });

    it('profiling fixed only in kube-apiserver fails only the profiling task, on 1.3.2 and 1.4.1', async () => {
      await run('set -e\ncp /root/kcm.setup /etc/kubernetes/manifests/kube-controller-manager.yaml\ncp /root/sched.setup /etc/kubernetes/manifests/kube-scheduler.yaml\nchmod 600 /etc/kubernetes/manifests/*.yaml\n');
      const r = await grade();
      assert.deepEqual(failed(r), ['profiling']);
      assert.deepEqual(failedChecks(r), ['kube-bench-1-3-2', 'kube-bench-1-4-1']);
      assert.equal(check(r, 'profiling', 'kube-bench-1-2-15').status, 'pass');
    });

    it('a typo in the value (--profiling=flase) crash-loops kube-apiserver: the profiling task fails with an error naming why', async () => {
      await runNodeScript(world.provider, cluster, solution);
      await run(`set -e
sed -E 's/--profiling=false$/--profiling=flase/' /root/apiserver.solved > /root/broken.yaml
grep -q -- '--profiling=flase' /root/broken.yaml
cat /root/broken.yaml > /etc/kubernetes/manifests/kube-apiserver.yaml
sleep 3
[ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ]
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['profiling']);
      assert.equal(check(r, 'profiling', 'kube-bench-1-2-15').status, 'fail');
      const ready = check(r, 'profiling', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /invalid argument \\?"flase\\?" for \\?"--profiling\\?" flag/);
      await run(`set -e\ncat /root/apiserver.solved > /etc/kubernetes/manifests/kube-apiserver.yaml\nfor i in $(seq 1 60); do kubectl get --raw=/readyz >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1\n`);
      assert.deepEqual(failed(await grade()), []);
    });

    it('right answers written differently pass: chmod 400 / u=r,go=, chmod 0500 on the data dir, --profiling=False in args', async () => {
      await reset();
      await run(`set -e
M=/etc/kubernetes/manifests
# --profiling in the container's args (the kubelet runs command + args), spelt as pflag also accepts it.
sed -E 's/^(    image: registry.k8s.io\\/kube-controller-manager:.*)$/    args:\\n    - --profiling=False\\n\\1/' /root/kcm.setup > /root/kcm.new
sed -E 's/^(    image: registry.k8s.io\\/kube-scheduler:.*)$/    args:\\n    - --profiling=FALSE\\n\\1/' /root/sched.setup > /root/sched.new
grep -q -- '--profiling=False' /root/kcm.new && grep -q -- '--profiling=FALSE' /root/sched.new
cat /root/kcm.new > $M/kube-controller-manager.yaml; cat /root/sched.new > $M/kube-scheduler.yaml
chmod 400 $M/kube-controller-manager.yaml; chmod u=r,go= $M/kube-scheduler.yaml
chmod 0500 /var/lib/etcd; chown etcd:etcd /var/lib/etcd
`);
      // Wait for the NEW kube-apiserver (the manifest changed since reset()), not the old one still answering.
      await run(`set -e\nOLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)\ncat /root/apiserver.solved > /etc/kubernetes/manifests/kube-apiserver.yaml\nfor i in $(seq 1 120); do NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1); [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1\n`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), []);
    });

    it('without kube-bench on the node every benchmark check fails saying so, never passes', async () => {
      await run('mv /usr/local/bin/kube-bench /root/kube-bench.moved');
      try {
        const r = await grade();
        assert.deepEqual(failed(r), ['etcd-data-dir', 'manifest-permissions', 'profiling']);
        const c = check(r, 'manifest-permissions', 'kube-bench-1-1-3');
        assert.equal(c.status, 'fail');
        assert.match(c.actual, /kube-bench exited with 127: .*kube-bench: command not f/);
      } finally {
        await run('mv /root/kube-bench.moved /usr/local/bin/kube-bench');
      }
    });
  });
});
