/**
 * `npm run test:kind`: every scenario for real on kind (needs Docker, kind and kubectl on PATH).
 * For each scenario: create a cluster from its lab, run setup, grade (every task fails), apply
 * the reference solution, grade (every task passes), delete. Kept out of `npm test`.
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
import { loadCatalog } from '../../server/scenarios/index.js';
import { newClusterName } from '../../server/sessions/index.js';
import { kindShard, scenarioInShard, shardUnits } from './shard.js';

const root = packageRoot();
const logger = createJsonLogger({ level: (process.env.CKS_LOG_LEVEL as 'info') ?? 'info' });
const { scenarios, problems } = loadCatalog(join(root, 'scenarios'), { labsDir: join(root, 'labs') });
const labs = loadLabs(join(root, 'labs'));
const only = process.env.CKS_SCENARIOS?.split(',').filter(Boolean);
const shard = kindShard();
const units = shardUnits(scenarios, [...labs.keys()], shard);

describe('scenarios on real kind clusters', () => {
  it('all scenarios load', () => assert.deepEqual(problems, []));

  for (const scenario of scenarios.filter((s) => (!only || only.includes(s.id)) && scenarioInShard(s, units))) {
    it(`${scenario.id}: setup fails every task, the reference solution passes every task`, async function () {
      const lab = labs.get(scenario.lab);
      assert.ok(lab, `lab ${scenario.lab} exists`);
      const { provider, probesFor } = clusterAdaptersFor(process.env, logger, { kubeconfigDir: mkdtempSync(join(tmpdir(), 'cks-kind-')), readyTimeoutMs: 300_000 });
      const preflight = await provider.preflight();
      assert.equal(preflight, null, 'Docker and kind are available');
      const unsupported = await provider.labSupport(lab);
      if (unsupported) {
        // e.g. the apparmor lab on a host without AppArmor: refused, never faked.
        logger.warn('scenario skipped on this host', { scenario: scenario.id, reason: unsupported });
        this.skip();
      }
      const result = await proveScenario(scenario, lab, newClusterName('cks-test-'), {
        provider,
        probesFor,
        grader: new CheckEngine({ logger, defaultTimeoutMs: 30_000 }),
        onProgress: (p) => logger.info('progress', { scenario: scenario.id, step: p.step, state: p.state }),
        keep: process.env.CKS_KEEP_CLUSTERS === '1',
        scriptTimeoutMs: 600_000,
      });
      assert.equal(result.error, null, `no error while proving: ${result.error}`);
      assert.deepEqual(result.passedAfterSetup, [], 'every task fails right after setup');
      assert.deepEqual(result.failedAfterSolution, [], `every task passes after the solution: ${JSON.stringify(result.afterSolution?.tasks.filter((t) => !t.passed), null, 1)}`);
    });
  }
});
