/**
 * `npm run test:kind`: every shipped mock exam proven on real kind clusters, on the exam's own
 * layout (all setups of a cluster's questions → every question fails; all solutions → every
 * question passes), so questions placed together are shown not to collide.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { loadConfig, packageRoot } from '../../server/config/index.js';
import { loadExams, planExam, seededPick } from '../../server/exams/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createJsonLogger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { proveExam } from '../../server/proving/exam.js';
import { loadCatalog, ScenarioCatalog } from '../../server/scenarios/index.js';
import { newClusterName } from '../../server/sessions/index.js';
import { kindShard } from './shard.js';

const root = packageRoot();
const logger = createJsonLogger({ level: 'warn' });
const catalog = new ScenarioCatalog(loadCatalog(join(root, 'scenarios'), { labsDir: join(root, 'labs') }).scenarios);
const labs = loadLabs(join(root, 'labs'));
const { exams } = loadExams(join(root, 'exams'), catalog);

// Runs once, in part 1 of a split run (shard.ts).
(kindShard().k === 1 ? describe : describe.skip)('mock exams on real kind clusters', () => {
  for (const exam of exams) {
    it(`${exam.id}: every question fails after setup and passes after its solution, on the exam's cluster layout`, async function () {
      const plan = planExam(exam, catalog, { clusterMemoryMiB: loadConfig({}, {}).clusterMemoryMiB, pick: seededPick(1) });
      const { provider, probesFor } = clusterAdaptersFor(process.env, logger, { kubeconfigDir: mkdtempSync(join(tmpdir(), 'cks-kind-exam-')), readyTimeoutMs: 300_000 });
      for (const c of plan.clusters) {
        const why = await provider.labSupport(labs.get(c.lab)!);
        if (why) {
          logger.warn('exam skipped on this host', { exam: exam.id, reason: why });
          this.skip();
        }
      }
      const run = newClusterName('cks-test-').slice(0, 20);
      const results = await proveExam(plan, catalog, labs, {
        provider,
        probesFor,
        grader: new CheckEngine({ logger, defaultTimeoutMs: 30_000 }),
        scriptTimeoutMs: 600_000,
        clusterName: (planned) => `${run}-${planned}`,
      });
      assert.deepEqual(results.filter((r) => !r.proven).map((r) => ({ q: r.scenario, error: r.error, afterSetup: r.passedAfterSetup, afterSolution: r.failedAfterSolution })), []);
    });
  }
});
