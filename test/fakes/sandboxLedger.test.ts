/**
 * A pod's sandbox has its own mount namespace, so the node's clean-up cannot find it: when a fake
 * kube-apiserver is killed (a test timed out, a crash), its pods used to outlive the cluster — and
 * a container loop whose files were then deleted spun on a CPU for ever. The fake kubelet writes
 * each sandbox down; `kind delete cluster` ends the ones still running.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { clusterDir } from './lib/paths.mjs';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('fake kubelet sandboxes end with their cluster', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
  after(() => world.cleanup());

  it('kind delete cluster ends the pods of a kube-apiserver that was killed', async () => {
    const cluster = 'cks-ledger';
    await world.provider.create(cluster, lab, () => undefined);
    const run = await world.provider.nodeExec(cluster, ['sh', '-c', 'kubectl run spinner --image=busybox:1.36.1 --restart=Never -- sh -c "while true; do sleep 1; done" >/dev/null && kubectl wait --for=condition=Ready pod/spinner --timeout=60s'], { env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });
    assert.equal(run.exitCode, 0, run.stderr);
    const dir = join(clusterDir(cluster, world.env), 'sandboxes');
    const pids = readdirSync(dir).map(Number);
    assert.ok(pids.length > 0 && pids.every(alive), 'the running pod is written down');
    const record = JSON.parse(readFileSync(join(clusterDir(cluster, world.env), 'cluster.json'), 'utf8')) as { apiserver: { process: { pid: number } } };
    process.kill(record.apiserver.process.pid, 'SIGKILL');
    await waitFor(async () => !alive(record.apiserver.process.pid), 'kube-apiserver gone', 10_000);
    assert.ok(pids.every(alive), 'its pods outlive it (nothing else would end them)');
    await world.provider.delete(cluster);
    await waitFor(async () => pids.every((p) => !alive(p)), 'the pods ended by kind delete', 10_000);
  });
});
