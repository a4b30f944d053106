/**
 * trivy-scan proven on the fakes, on ONE cluster of the `scanners` lab: the node's trivy (the fake of
 * 0.62.1 with the lab's DB fixture) decides which images are affected, the grader reads replicas,
 * readiness and the saved report; each way learners get it wrong fails exactly the task it breaks,
 * and a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, failedChecks, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('trivy-scan');
// Only this lab is needed: another lab being written at the same time must not stop these tests.
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('scanners')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const NS = 'payments';
const REPORT = '/root/cve-report.json';
/** A login shell's environment on the node (/etc/profile.d), as the learner's terminal has it. */
const LOGIN = `set -e\nexport KUBECONFIG=/etc/kubernetes/admin.conf\nsource /etc/profile.d/cks-lab-trivy.sh\nNS=${NS}\n`;

describe('scenario trivy-scan on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-trivy';
  /** reset: back to the state setup leaves (setup is idempotent: it re-creates deleted Deployments, scales back and removes the report). */
  const { grade, run, setup: reset, solve } = onCluster(world, scenario, cluster, { grader, prefix: LOGIN });
  const SCALE = (names: string) => `for d in ${names}; do kubectl -n $NS scale deployment "$d" --replicas=0 >/dev/null; done\n`;
  const RIGHT_REPORT = `trivy image -q --format json -o ${REPORT} redis:6.2.6\n`;
  after(() => world.cleanup());

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('the lab bootstrap imported the images, and the node scans offline as a learner would', async () => {
    const out = await run(`ctr -n k8s.io images ls -q | grep -c 'docker.io/library/\\(nginx\\|redis\\|busybox\\)'
trivy image --severity CRITICAL nginx:1.21.6
`);
    assert.match(out, /^4\n/);
    assert.match(out, /zlib1g +│ CVE-2022-37434 │ CRITICAL │ fixed/);
    // Outside a login shell, trivy looks in containerd's `default` namespace: not found, as on kind.
    const bare = await world.provider.nodeExec(cluster, ['trivy', 'image', '--skip-db-update', 'redis:6.2.6'], {});
    assert.equal(bare.exitCode, 1);
    assert.match(bare.stderr, /unable to find the specified image "redis:6\.2\.6" in \["docker" "containerd" "podman" "remote"\]/);
  });

  it('the bootstrap refuses loudly when the scanner cannot see the CVE (a DB without it)', async () => {
    const bootstrap = readFileSync(join(ROOT, 'labs/scanners/bootstrap.sh'), 'utf8');
    const DB = '/root/.cache/trivy/db/trivy.db';
    await run(`cp ${DB} /root/trivy.db.orig && jq -c 'del(.advisories["debian 11"].zlib["CVE-2022-37434"])' /root/trivy.db.orig > ${DB}\n`);
    try {
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: bootstrap });
      assert.notEqual(out.exitCode, 0);
      assert.match(out.stderr, /scanners lab self-check FAILED: the offline scan of nginx:1\.21\.6 does not report CVE-2022-37434/);
    } finally {
      await run(`mv /root/trivy.db.orig ${DB}\n`);
    }
  });

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    await reset();
    const before = await grade();
    assert.deepEqual(failed(before), ['exactly-affected-down', 'report-saved']);
    assert.deepEqual(failedChecks(before), ['report-json', 'sessions-no-pods', 'sessions-replicas', 'storefront-no-pods', 'storefront-replicas']);
    assert.match(check(before, 'report-saved', 'report-json').actual, /not found/);
    await solve();
    const after = await grade();
    assert.deepEqual(failedChecks(after), []);
    assert.equal(after.score, after.maxScore);
  });

  describe('what learners get wrong fails exactly the right checks; a right answer written differently passes', () => {
    beforeEach(() => reset());

    it('every Deployment scaled to 0 (all have CRITICAL findings) fails the untouched ones', async () => {
      await run(SCALE('storefront sessions checkout-api toolbox') + RIGHT_REPORT);
      const r = await grade();
      assert.deepEqual(failed(r), ['exactly-affected-down']);
      assert.deepEqual(failedChecks(r), ['checkout-api-available', 'toolbox-available']);
      assert.match(check(r, 'exactly-affected-down', 'checkout-api-available').message, /replicas/);
    });

    it('scaled by image name (both nginx, not redis) fails checkout-api and sessions', async () => {
      await run(SCALE('storefront checkout-api') + RIGHT_REPORT);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['checkout-api-available', 'sessions-no-pods', 'sessions-replicas']);
      assert.match(check(r, 'exactly-affected-down', 'sessions-no-pods').actual, /1/);
    });

    it('the affected Deployments deleted instead of scaled fail as not found', async () => {
      await run(`kubectl -n $NS delete deployment storefront sessions --wait=false >/dev/null\n${RIGHT_REPORT}`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['sessions-no-pods', 'sessions-replicas', 'storefront-no-pods', 'storefront-replicas']);
      assert.match(check(r, 'exactly-affected-down', 'storefront-replicas').actual, /not found/);
    });

    it('a report as a table, of an unaffected image, or filtered so the CVE is left out fails only the report', async () => {
      await run(SCALE('storefront sessions') + `trivy image -q -o ${REPORT} redis:6.2.6\n`);
      let r = await grade();
      assert.deepEqual(failedChecks(r), ['report-json']);
      assert.match(check(r, 'report-saved', 'report-json').actual, /not valid JSON.*starts with "Report Summary"/s);
      await run(`trivy image -q -f json -o ${REPORT} nginx:1.23.3\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['report-json']);
      assert.match(check(r, 'report-saved', 'report-json').message, /ArtifactName/);
      await run(`trivy image -q -f json --severity HIGH -o ${REPORT} redis:6.2.6\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['report-json']);
      assert.match(check(r, 'report-saved', 'report-json').message, /Vulnerabilities|Results/);
    });

    it('right answers written differently pass: kubectl patch and scale deploy/x, a CRITICAL-only report of the full image name', async () => {
      await run(`kubectl -n $NS patch deployment storefront --type merge -p '{"spec":{"replicas":0}}' >/dev/null
kubectl -n $NS scale deploy/sessions --replicas 0 >/dev/null
trivy image --format=json --severity CRITICAL,HIGH --scanners vuln --output=${REPORT} docker.io/library/nginx:1.21.6 2>/dev/null
`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), []);
    });
  });
});
