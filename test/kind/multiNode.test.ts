/**
 * `npm run test:kind`: the multi-node lab on real kind — both nodes Ready, `ssh worker` and
 * `ssh control-plane` with the key pair CKS Lab set up at creation (real sshd, real host keys made
 * per node by the image's ssh.service drop-in), and a scenario whose checks read the worker proven
 * (setup fails it, the solution — which works over ssh — passes it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createJsonLogger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { loadScenario, type Scenario } from '../../server/scenarios/index.js';
import { newClusterName } from '../../server/sessions/index.js';
import { kindShard } from './shard.js';

const root = packageRoot();
const logger = createJsonLogger({ level: 'warn' });
const lab = loadLabs(join(root, 'labs')).get('two-node')!;

// Runs once, in part 1 of a split run (shard.ts).
(kindShard().k === 1 ? describe : describe.skip)('multi-node lab on real kind', () => {
  it('two-node: ssh between the nodes, and a scenario graded on the worker is proven', async () => {
    const { provider, probesFor } = clusterAdaptersFor(process.env, logger, { kubeconfigDir: mkdtempSync(join(tmpdir(), 'cks-kind-mn-')), readyTimeoutMs: 300_000 });
    const cluster = newClusterName('cks-test-');
    await provider.create(cluster, lab, () => undefined);
    try {
      const there = await provider.nodeExec(cluster, ['ssh', 'worker', 'hostname']);
      assert.equal(there.exitCode, 0, there.stderr);
      assert.equal(there.stdout.trim(), `${cluster}-worker`);
      const back = await provider.nodeExec(cluster, ['ssh', 'control-plane', 'hostname'], { node: 'worker' });
      assert.equal(back.stdout.trim(), `${cluster}-control-plane`, back.stderr);
    } finally {
      await provider.delete(cluster);
    }
    const r = loadScenario(join(root, 'test', 'scenarios', 'fixtures', 'multi-node-scenarios', 'worker-banner'), { labsDir: join(root, 'labs') });
    assert.ok(r.scenario, JSON.stringify(r.problems));
    const proof = await proveScenario(r.scenario as Scenario, lab, newClusterName('cks-test-'), { provider, probesFor, grader: new CheckEngine({ logger, defaultTimeoutMs: 30_000 }), scriptTimeoutMs: 300_000 });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });
});
