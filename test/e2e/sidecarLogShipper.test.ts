/**
 * sidecar-log-shipper proven on the fakes: a native sidecar graded by what the kubelet reports and
 * what the shipper prints; the ways people get it wrong fail the task they break.
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
const scenario = catalog.require('sidecar-log-shipper');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

const SHIPPER = (policy: string, mountPath = '/var/log/orders') => `- name: shipper
  image: busybox:1.36.1
${policy ? `  restartPolicy: ${policy}\n` : ''}  command: ["sh", "-c", "touch /var/log/orders/orders.log; tail -n +1 -F /var/log/orders/orders.log"]
  volumeMounts: [{ name: logs, mountPath: ${mountPath} }]`;
const APP = `- name: app
  image: busybox:1.36.1
  command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo \\"order $i accepted\\" >> /var/log/orders/orders.log; sleep 1; done"]
  volumeMounts: [{ name: logs, mountPath: /var/log/orders }]`;

/** Deployment orders with these init containers and containers (YAML list items). */
function orders(inits: string, containers: string): string {
  const indent = (s: string) => s.replace(/^/gm, '      ');
  return `set -e
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: orders, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: orders } }
  template:
    metadata: { labels: { app: orders } }
    spec:
      volumes: [{ name: logs, emptyDir: {} }]
${inits ? `      initContainers:\n${indent(inits)}` : '      initContainers: []'}
      containers:
${indent(containers)}
YAML
kubectl -n shop rollout status deployment/orders --timeout=20s >/dev/null 2>&1 || true
sleep 2
`;
}

describe('scenario sidecar-log-shipper on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-sidecar', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.match(check(proof.afterSetup!, 'native-sidecar', 'shipper-init-running').actual, /started=false/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-sidecar-mistakes';
    const { grade, run, exec, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
    });

    it('moving the shipper into the regular containers runs everything, but it is no native sidecar: only that task fails', async () => {
      await run(orders('', `${SHIPPER('')}\n${APP}`));
      const r = await grade();
      assert.deepEqual(failed(r), ['native-sidecar']);
      assert.match(check(r, 'native-sidecar', 'shipper-not-regular').actual, /shipper/);
    });

    it('restartPolicy on the app container is refused by the API server, naming the field', async () => {
      const out = await exec(orders(SHIPPER(''), APP.replace('- name: app\n', '- name: app\n  restartPolicy: Always\n')));
      assert.notEqual(out.exitCode, 0);
      assert.match(out.stderr + out.stdout, /restartPolicy: Forbidden: may not be set for non-init containers/);
    });

    it('a native sidecar that mounts the volume elsewhere follows an empty file: only the shipping task fails', async () => {
      await run(orders(SHIPPER('Always', '/logs'), APP));
      const r = await grade();
      assert.deepEqual(failed(r), ['logs-shipped']);
    });

    it('the sidecar written out in full (kubectl apply) instead of a patch: passes', async () => {
      await run(orders(SHIPPER('Always'), APP));
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
