/**
 * static-pod-backdoor proven on the fakes, on ONE cluster: the fake kubelet runs every file of its
 * staticPodPath as a static pod with a mirror Pod (kubelet/staticPods.ts), so the classic mistakes
 * behave as on a real node — a deleted mirror Pod comes back, a manifest renamed to .bak in place
 * still runs — and each fails the task it breaks; a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('static-pod-backdoor');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const FILE = '/etc/kubernetes/manifests/kube-metrics.yaml';
const ALL = ['backdoor-removed', 'evidence'];

describe('scenario static-pod-backdoor on the fakes', function () {
  this.timeout(600_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-static-backdoor';
  const mirror = `metrics-agent-${cluster}-control-plane`;
  after(() => world.cleanup());

  const { grade, run: node, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  /** Waits (bounded) until the mirror Pod is present (true) or absent (false). */
  const mirrorIs = (present: boolean) =>
    node(`for i in $(seq 1 100); do
  if kubectl -n kube-system get pod ${mirror} >/dev/null 2>&1; then [ ${present ? 1 : 0} = 1 ] && exit 0; else [ ${present ? 1 : 0} = 0 ] && exit 0; fi
  sleep 0.2
done; echo "mirror pod not ${present ? 'present' : 'absent'}" >&2; exit 1`);

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
    await setup();
  });

  it('is proven on one cluster: every task fails after setup, every task passes after the reference solution', async () => {
    const before = await grade();
    assert.deepEqual(failed(before), ALL);
    assert.match(check(before, 'backdoor-removed', 'no-mirror-pod').actual, /output containing "metrics-agent-": ".*metrics-agent-cks-static-backdoor-control/);
    assert.match(check(before, 'backdoor-removed', 'no-manifest').actual, new RegExp(`still defined in: ${FILE}`));
    const pod = JSON.parse(await node(`kubectl -n kube-system get pod ${mirror} -o json`));
    assert.equal(pod.metadata.annotations['kubernetes.io/config.source'], 'file', 'the learner can see it is a static pod');
    assert.equal(pod.status.phase, 'Running');
    await solve();
    const after = await grade();
    assert.deepEqual(failed(after), []);
    assert.equal(after.score, after.maxScore);
  });

  it('deleting the mirror Pod with kubectl: the kubelet creates it again — both tasks fail, naming the file', async () => {
    await setup();
    await mirrorIs(true);
    await node(`kubectl -n kube-system delete pod ${mirror} --wait=true >/dev/null`);
    await mirrorIs(true);
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    assert.match(check(r, 'backdoor-removed', 'no-manifest').actual, new RegExp(`still defined in: ${FILE}`));
  });

  it('renaming the manifest to .bak where it is: the kubelet still runs it — both tasks fail', async () => {
    await node(`mv ${FILE} ${FILE}.bak; sleep 1`);
    await mirrorIs(true);
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    assert.match(check(r, 'backdoor-removed', 'no-manifest').actual, new RegExp(`still defined in: ${FILE}\\.bak`));
    await node(`mv ${FILE}.bak ${FILE}`);
  });

  it('copying the manifest to the evidence folder but leaving the original: only the removal task fails', async () => {
    await node(`mkdir -p /root/evidence && cp ${FILE} /root/evidence/`);
    const r = await grade();
    assert.deepEqual(failed(r), ['backdoor-removed']);
  });

  it('clearing out kube-scheduler.yaml too ("it looked unfamiliar"): only the removal task fails, on the control plane', async () => {
    await node(`mv ${FILE} /root/evidence/ && mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/evidence/`);
    await mirrorIs(false);
    const r = await grade();
    assert.deepEqual(failed(r), ['backdoor-removed']);
    assert.match(check(r, 'backdoor-removed', 'control-plane-manifests').actual, /kube-scheduler\.yaml MISSING/);
    assert.equal(check(r, 'backdoor-removed', 'no-manifest').status, 'pass');
    await node('mv /root/evidence/kube-scheduler.yaml /etc/kubernetes/manifests/');
  });

  it('a right answer written differently passes: install -D into the evidence folder, rm the original, the mirror Pod deleted as well', async () => {
    await setup();
    await mirrorIs(true);
    await node(`install -D -m 600 ${FILE} /root/evidence/kube-metrics.yaml && rm -f ${FILE} && kubectl -n kube-system delete pod ${mirror} --ignore-not-found >/dev/null`);
    await mirrorIs(false);
    const r = await grade();
    assert.deepEqual(failed(r), []);
  });
});
