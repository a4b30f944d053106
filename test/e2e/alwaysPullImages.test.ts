/**
 * alwayspullimages proven on the fakes: admission graded by its effect (a server-side dry-run Pod
 * comes back with imagePullPolicy Always), through a real kube-apiserver restart of the simulated
 * static pod; the ways people get it wrong fail the task they break.
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
const scenario = catalog.require('alwayspullimages');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


/** Replace the kube-apiserver flag line(s) and wait for the new container (or its crash). */
const editFlags = (sedExpr: string, expectHealthy = true) => `set -e
M=/etc/kubernetes/manifests/kube-apiserver.yaml
cp /root/kube-apiserver.yaml.setup /root/edit.yaml
sed -E '${sedExpr}' /root/edit.yaml > /root/edit.new
if cmp -s /root/edit.new $M; then exit 0; fi
OLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
cat /root/edit.new > $M
${expectHealthy ? `for i in $(seq 1 60); do
  NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
  if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
exit 1` : `sleep 4
[ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ]`}
`;

describe('scenario alwayspullimages on the fakes', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-apull', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const probe = proof.afterSolution!.tasks[0]!.checks.find((c) => c.id === 'dry-run-pull-always')!;
    assert.match(probe.actual, /admitted/);
    const before = proof.afterSetup!.tasks[0]!.checks.find((c) => c.id === 'dry-run-pull-always')!;
    assert.match(before.actual, /admitted as .*imagePullPolicy.*IfNotPresent/, `found says what admission did: ${before.actual}`);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-apull-mistakes';
    const { grade, run, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    const recreateReports = 'set -e\nkubectl -n billing get pod reports -o yaml > /root/r.yaml\nkubectl replace --force -f /root/r.yaml >/dev/null\n';
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
      await run('cp /etc/kubernetes/manifests/kube-apiserver.yaml /root/kube-apiserver.yaml.setup');
    });

    it('replacing the plugin list (NodeRestriction dropped) fails only the plugin task, on NodeRestriction', async () => {
      await run(editFlags('s/--enable-admission-plugins=NodeRestriction/--enable-admission-plugins=AlwaysPullImages/'));
      await run(recreateReports);
      const r = await grade();
      assert.deepEqual(failed(r), ['plugin-enforced']);
      assert.equal(check(r, 'plugin-enforced', 'dry-run-pull-always').status, 'pass');
      assert.equal(check(r, 'plugin-enforced', 'node-restriction-kept').status, 'fail');
    });

    it('a misspelt plugin (AlwaysPullImage) crashes kube-apiserver: an error that shows why, never a silent pass', async () => {
      await run(editFlags('s/--enable-admission-plugins=NodeRestriction/--enable-admission-plugins=NodeRestriction,AlwaysPullImage/', false));
      const r = await grade();
      assert.ok(failed(r).includes('plugin-enforced'));
      const probe = check(r, 'plugin-enforced', 'dry-run-pull-always');
      assert.equal(probe.status, 'error');
      assert.match(`${probe.message} ${probe.actual}`, /plugin \\?"AlwaysPullImage\\?" is unknown/);
      assert.equal(check(r, 'plugin-enforced', 'apiserver-ready').status === 'pass', false);
    });

    it('turning the plugin on but leaving the old Pod as it was fails only the existing-Pod task', async () => {
      // The Pod as setup made it (while the plugin was off), then the plugin turned on.
      await run(editFlags('s/x/x/'));
      await run('set -e\nkubectl -n billing delete pod reports --wait=true >/dev/null\nkubectl -n billing run reports --image=nginx:1.27.3 --image-pull-policy=IfNotPresent >/dev/null\n');
      await run(editFlags('s/--enable-admission-plugins=NodeRestriction/--enable-admission-plugins=NodeRestriction,AlwaysPullImages/'));
      const r = await grade();
      assert.deepEqual(failed(r), ['existing-pod']);
      assert.match(check(r, 'existing-pod', 'reports-pull-always').actual, /IfNotPresent/);
    });

    it('re-creating the Pod from another image fails only the existing-Pod task, on the image', async () => {
      await run('set -e\nkubectl -n billing delete pod reports --wait=true >/dev/null\nkubectl -n billing run reports --image=nginx:latest >/dev/null\n');
      const r = await grade();
      assert.deepEqual(failed(r), ['existing-pod']);
      assert.equal(check(r, 'existing-pod', 'reports-pull-always').status, 'pass');
      assert.equal(check(r, 'existing-pod', 'reports-image-kept').status, 'fail');
    });

    it('a second --enable-admission-plugins flag (the flag accumulates), plugins in another order: passes', async () => {
      await run(editFlags('s/^( *)- --enable-admission-plugins=NodeRestriction$/\\1- --enable-admission-plugins=NodeRestriction\\n\\1- --enable-admission-plugins=AlwaysPullImages/'));
      await run('set -e\nkubectl -n billing delete pod reports --wait=true >/dev/null\nkubectl -n billing run reports --image=nginx:1.27.3 >/dev/null\n');
      assert.deepEqual(failed(await grade()), []);
      await run(editFlags('s/--enable-admission-plugins=NodeRestriction/--enable-admission-plugins=AlwaysPullImages,NodeRestriction/'));
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
