/**
 * sbom proven on the fakes, on ONE cluster of the `scanners` lab: the node's trivy (the fake of
 * 0.62.1) writes the SBOMs, the grader reads the saved document as JSON and the Deployment's
 * template, status and Pods; each way learners get it wrong fails exactly the task it breaks, and a
 * right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, failedChecks, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('sbom');
// Only this lab is needed: another lab being written at the same time must not stop these tests.
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('scanners')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const SBOM = '/root/sbom.spdx.json';
/** A login shell's environment on the node (/etc/profile.d), as the learner's terminal has it. */
const LOGIN = 'set -e\nexport KUBECONFIG=/etc/kubernetes/admin.conf\nsource /etc/profile.d/cks-lab-trivy.sh\nNS=inventory\nD=shop\n';
const ROLLED = 'kubectl -n $NS rollout status deployment/$D --timeout=60s >/dev/null\n';

describe('scenario sbom on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-sbom';
  /** reset: back to the state setup leaves (setup is idempotent: re-creates the Deployment's template, removes the SBOM). */
  const { grade, run, setup: reset, solve } = onCluster(world, scenario, cluster, { grader, prefix: LOGIN });
  const REMOVE = (container: string) =>
    `kubectl -n $NS get deployment $D -o json | jq --arg c ${container} 'del(.spec.template.spec.containers[] | select(.name == $c))' | kubectl replace -f - >/dev/null\n${ROLLED}`;
  const RIGHT_SBOM = `trivy image -q --format spdx-json -o ${SBOM} nginx:1.23.3\n`;
  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution (twice: it is idempotent)', async () => {
    await reset();
    const before = await grade();
    assert.deepEqual(failed(before), ['container-removed', 'sbom-saved']);
    assert.deepEqual(failedChecks(before), ['running-pods-without-nginx', 'sbom-spdx-json', 'template-without-nginx']);
    assert.match(check(before, 'container-removed', 'running-pods-without-nginx').message, /nginx/);
    for (let i = 0; i < 2; i++) {
      await solve();
      const after = await grade();
      assert.deepEqual(failedChecks(after), []);
      assert.equal(after.score, after.maxScore);
    }
  });

  describe('what learners get wrong fails exactly the right checks; a right answer written differently passes', () => {
    beforeEach(() => reset());

    it('a CycloneDX SBOM, an SPDX tag-value file, or the SBOM of another image fails only the SBOM task', async () => {
      await run(REMOVE('web') + `trivy image -q --format cyclonedx -o ${SBOM} nginx:1.23.3\n`);
      let r = await grade();
      assert.deepEqual(failedChecks(r), ['sbom-spdx-json']);
      assert.match(check(r, 'sbom-saved', 'sbom-spdx-json').message, /spdxVersion/);
      await run(`trivy image -q --format spdx -o ${SBOM} nginx:1.23.3\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['sbom-spdx-json']);
      assert.match(check(r, 'sbom-saved', 'sbom-spdx-json').actual, /not valid JSON.*starts with "SPDXVersion: SPDX-2\.3"/s);
      await run(`trivy image -q --format spdx-json -o ${SBOM} redis:6.2.6\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['sbom-spdx-json']);
      assert.match(check(r, 'sbom-saved', 'sbom-spdx-json').message, /name/);
    });

    it('the wrong container removed (cache) fails the container task', async () => {
      await run(REMOVE('cache') + RIGHT_SBOM);
      const r = await grade();
      assert.deepEqual(failed(r), ['container-removed']);
      assert.deepEqual(failedChecks(r), ['running-pods-without-nginx', 'template-keeps-others', 'template-without-nginx']);
    });

    it('the whole Deployment deleted fails the container task, saying it is not found', async () => {
      await run(`kubectl -n $NS delete deployment $D --wait=false >/dev/null\n${RIGHT_SBOM}`);
      const r = await grade();
      assert.deepEqual(failed(r), ['container-removed']);
      assert.match(check(r, 'container-removed', 'deployment-available').actual, /not found/);
    });

    it('right answers written differently pass: a JSON patch removing the container, the SBOM of the full image name', async () => {
      await run(`kubectl -n $NS patch deployment $D --type json -p '[{"op":"remove","path":"/spec/template/spec/containers/0"}]' >/dev/null
${ROLLED}trivy image --quiet --format=spdx-json --output=${SBOM} docker.io/library/nginx:1.23.3
`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), []);
    });
  });
});
