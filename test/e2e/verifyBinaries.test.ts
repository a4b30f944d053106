/**
 * verify-binaries proven on the fakes: the grader computes the sha512 of every file left in
 * /opt/cks/release/bin on the node and compares it with the release list in scenario.yaml, so only
 * the effect counts — tampered bytes gone, every genuine binary still there — whatever commands the
 * learner used. The tampered names are a parameter: a run with other values is proven too.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams, scriptEnv, type Scenario } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkById as check } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('verify-binaries');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });

const checks = (r: GradeResult): Record<string, string> => Object.fromEntries(r.tasks.flatMap((t) => t.checks.map((c) => [c.id, c.status])));

describe('scenario verify-binaries on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-binaries', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    // Right after setup only the tampered files are wrong: the message counts them without naming them.
    assert.deepEqual(checks(proof.afterSetup!), { 'no-mismatch-left': 'fail', 'genuine-kept': 'pass' });
    assert.match(check(proof.afterSetup!, 'no-mismatch-left').actual, /found 2 file\(s\) whose sha512 is not their release sha512/);
    assert.doesNotMatch(check(proof.afterSetup!, 'no-mismatch-left').actual, /kubelet|kube-apiserver/);
  });

  describe('what learners get wrong fails the check it breaks; a right answer written differently passes', () => {
    const cluster = 'cks-binaries-mistakes';
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** Setup (with `run`'s parameters), then the learner's commands in /opt/cks/release/bin. */
    async function attempt(commands: string, run: Scenario = scenario): Promise<GradeResult> {
      await runNodeScript(world.provider, cluster, run.setupScript, 60_000, scriptEnv(run));
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: `set -e\ncd /opt/cks/release/bin\n${commands}\n` });
      assert.equal(out.exitCode, 0, out.stderr);
      return grader.grade(run, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
    }

    it('deleting every binary ("just to be safe") fails: the genuine ones must stay', async () => {
      const r = await attempt('rm -f ./*');
      assert.deepEqual(failed(r), ['tampered-deleted']);
      assert.deepEqual(checks(r), { 'no-mismatch-left': 'pass', 'genuine-kept': 'fail' });
      assert.match(check(r, 'genuine-kept').actual, /found 5 of the matching binaries deleted or changed/);
    });

    it('stopping at the first mismatch (kube-apiserver) leaves the tampered kubelet and fails', async () => {
      const r = await attempt('rm kube-apiserver');
      assert.deepEqual(failed(r), ['tampered-deleted']);
      assert.deepEqual(checks(r), { 'no-mismatch-left': 'fail', 'genuine-kept': 'pass' });
      assert.match(check(r, 'no-mismatch-left').actual, /found 1 file\(s\) whose sha512 is not their release sha512/);
    });

    it('quarantining the tampered binaries in place (renamed, or in a subfolder) does not remove them', async () => {
      const r = await attempt('mv kubelet kubelet.tampered\nmkdir quarantine\nmv kube-apiserver quarantine/');
      assert.deepEqual(checks(r), { 'no-mismatch-left': 'fail', 'genuine-kept': 'pass' });
      assert.match(check(r, 'no-mismatch-left').actual, /found 2 file\(s\)/);
    });

    it('"fixing" the checksum list to match the tampered binaries changes nothing', async () => {
      const r = await attempt('for f in kubelet kube-apiserver; do sha512sum "$f" | cut -d" " -f1 > ../sha512/$f.sha512; done');
      assert.deepEqual(checks(r), { 'no-mismatch-left': 'fail', 'genuine-kept': 'pass' });
    });

    it('deleting the wrong binary (kubectl) as well as the tampered ones fails on the genuine one', async () => {
      const r = await attempt('rm kube-apiserver kubelet kubectl');
      assert.deepEqual(checks(r), { 'no-mismatch-left': 'pass', 'genuine-kept': 'fail' });
      assert.match(check(r, 'genuine-kept').actual, /found 1 of the matching binaries deleted or changed/);
    });

    it('sha512sum --check over a list built from the .sha512 files, deleting what FAILED (and its checksum file), passes', async () => {
      const r = await attempt(`for f in *; do echo "$(cat ../sha512/$f.sha512)  $f"; done > /root/SHA512SUMS
sha512sum --check /root/SHA512SUMS 2>/dev/null | awk -F': ' '$2 != "OK" { print $1 }' > /root/tampered.txt || true
while read -r f; do rm -v -- "$f" "../sha512/$f.sha512"; done < /root/tampered.txt`);
      assert.deepEqual(failed(r), []);
      const gone = await world.provider.nodeExec(cluster, ['cat', '/root/tampered.txt']);
      assert.deepEqual(gone.stdout.trim().split('\n').sort(), ['kube-apiserver', 'kubelet']);
    });

    it('with every choice of tampered binaries, setup fails the task and the reference solution passes it', async () => {
      const choices = scenario.parameters!.find((p) => p.name === 'tampered')!.choices!;
      assert.ok(choices.length >= 4);
      for (const tampered of choices) {
        const run = applyParams(scenario, resolveParams(scenario, { tampered }));
        const before = await attempt('true', run);
        assert.deepEqual(checks(before), { 'no-mismatch-left': 'fail', 'genuine-kept': 'pass' }, tampered);
        const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: await readFile(run.solutionScript, 'utf8') });
        assert.equal(out.exitCode, 0, out.stderr);
        assert.deepEqual(out.stdout.trim().split('\n').sort(), tampered.split('+').map((n) => `tampered: ${n}`).sort());
        const probes = world.probesFor(cluster, await world.provider.kubeconfig(cluster));
        assert.deepEqual(failed(await grader.grade(run, probes)), [], tampered);
      }
    });

    it('a cluster set up with other tampered binaries is graded with its own values, not the defaults', async () => {
      const run = applyParams(scenario, resolveParams(scenario, { tampered: 'kubectl+kube-proxy' }));
      await attempt('rm kubectl kube-proxy', run);
      const probes = world.probesFor(cluster, await world.provider.kubeconfig(cluster));
      assert.deepEqual(failed(await grader.grade(run, probes)), []);
      // With the defaults, kubectl and kube-proxy would have been genuine binaries that had to stay.
      assert.deepEqual(checks(await grader.grade(scenario, probes)), { 'no-mismatch-left': 'pass', 'genuine-kept': 'fail' });
    });
  });
});
