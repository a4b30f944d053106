/**
 * A parameterised scenario proven on the fakes: with its defaults and with values drawn from its
 * choices, setup fails every task and the solution passes every one — the README, the checks and
 * the scripts all took their names from the same values. `cks-lab grade --param` grades a cluster
 * set up with other values; the defaults alone do not.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { applyParams, loadScenario, resolveParams, scriptEnv, type Scenario } from '../../server/scenarios/index.js';
import { assertOneLineError, runCli } from '../cli/cliHelpers.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';

const FIXTURE = join(ROOT, 'test', 'scenarios', 'fixtures', 'param-scenarios');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;

describe('parameterised scenario on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const grader = new CheckEngine({ logger: createSilentLogger() });
  const r = loadScenario(join(FIXTURE, 'param-demo'), { labsDir: join(ROOT, 'labs') });
  const scenario = r.scenario as Scenario;
  after(() => world.cleanup());

  it('is proven with its defaults and with values drawn from its choices', async () => {
    assert.ok(scenario, JSON.stringify(r.problems));
    const random = applyParams(scenario, resolveParams(scenario, {}, { randomize: true, pick: (n) => n - 1 }));
    assert.deepEqual(random.values, { namespace: 'demo-c', configName: 'app-config' });
    for (const [i, s] of [scenario, random].entries()) {
      const proof = await proveScenario(s, lab, `cks-param-${i}`, { provider: world.provider, probesFor: world.probesFor, grader });
      assert.equal(proof.error, null);
      assert.deepEqual(proof.passedAfterSetup, [], `${JSON.stringify(s.values)}: every task fails after setup`);
      assert.deepEqual(proof.failedAfterSolution, [], `${JSON.stringify(s.values)}: every task passes after the solution`);
    }
  });

  it('cks-lab grade --param grades a cluster set up with other values; a wrong or unknown --param is one clear line', async () => {
    const cluster = 'cks-param-cli';
    const run = applyParams(scenario, resolveParams(scenario, { namespace: 'demo-b', configName: 'app-config' }));
    await world.provider.create(cluster, lab, () => undefined);
    const work = mkdtempSync(join(tmpdir(), 'cks-param-cli-'));
    cpSync(FIXTURE, join(work, 'scenarios'), { recursive: true });
    const env = { ...world.env, CKS_DATA_DIR: join(work, 'data'), CKS_SCENARIOS_DIR: join(work, 'scenarios') };
    try {
      await runNodeScript(world.provider, cluster, run.setupScript, 60_000, scriptEnv(run));
      await runNodeScript(world.provider, cluster, run.solutionScript, 60_000, scriptEnv(run));
      const withParams = await runCli(['grade', 'param-demo', '--cluster', cluster, '--format', 'json', '--param', 'namespace=demo-b', '--param', 'configName=app-config'], { env });
      assert.equal(withParams.code, 0, withParams.stdout + withParams.stderr);
      const defaults = await runCli(['grade', 'param-demo', '--cluster', cluster, '--format', 'json'], { env });
      assert.equal(defaults.code, 1, 'the defaults name objects that are not there');
      assert.match(JSON.parse(defaults.stdout).tasks[0].checks[0].actual, /not found/);
      assertOneLineError(await runCli(['grade', 'param-demo', '--cluster', cluster, '--param', 'namespace=prod'], { env }), /--param .*namespace must be one of demo-a, demo-b, demo-c/);
      assertOneLineError(await runCli(['grade', 'param-demo', '--cluster', cluster, '--param', 'ns=demo-b'], { env }), /--param ns: param-demo declares no parameter 'ns' \(declared: namespace, configName\)/);
      assertOneLineError(await runCli(['grade', 'param-demo', '--cluster', cluster, '--param', 'namespace'], { env }), /--param must be name=value/);
    } finally {
      await world.provider.delete(cluster);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
