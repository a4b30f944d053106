/**
 * falco-rules proven on the fakes, on ONE cluster of the `falco` lab (plus a second cluster on the
 * same fake host for the isolation case): the workers are real processes in the fake kubelet's
 * sandboxes, the node's Falco (the fake Falco service behind falco-modern-bpf.service) samples them
 * and evaluates the rules files on the node, writing Falco's alert lines to /var/log/falco.log. The
 * grader's probe Pod really reads /etc/shadow; each way learners get it wrong fails exactly the
 * task it breaks, and a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams, scriptEnv } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, failedChecks, failedFindings as found, checkIn as check } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('falco-rules');
// The same scenario as another learner's run draws it: another worker is the offender.
const other = applyParams(scenario, resolveParams(scenario, { offender: 'checkout' }));
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('falco')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const NS = 'shop';
const ANSWER = '/root/falco-alerts.txt';
const LOCAL = '/etc/falco/falco_rules.local.yaml';
const FORMAT = '%evt.time,%container.id,%k8s.pod.name,%user.name,%proc.name';
const LOGIN = `set -e\nexport KUBECONFIG=/etc/kubernetes/admin.conf\nNS=${NS}\n`;

/** A local rules file with one rule. */
const rule = (condition: string, output = FORMAT, priority = 'WARNING') =>
  `cat > ${LOCAL} <<'YAML'\n- rule: shadow read\n  desc: a container read /etc/shadow\n  condition: ${condition}\n  output: "${output}"\n  priority: ${priority}\nYAML\n`;
const RIGHT = rule('open_read and container and fd.name=/etc/shadow');
const restart = 'systemctl restart falco\nuntil [ "$(systemctl is-active falco)" = active ]; do sleep 0.2; done\n';

describe('scenario falco-rules on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-falco';
  const grade = async () => grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
  const run = async (script: string, on = cluster) => {
    const out = await world.provider.nodeExec(on, ['bash', '-s'], { input: LOGIN + script });
    assert.equal(out.exitCode, 0, out.stdout + out.stderr);
    return out.stdout;
  };
  const solve = (s = scenario, on = cluster) => runNodeScript(world.provider, on, s.solutionScript, 300_000, scriptEnv(s));
  /** Back to the state setup leaves (idempotent: rules as shipped, Falco restarted, 1 replica each, no alerts file). */
  const reset = (s = scenario, on = cluster) => runNodeScript(world.provider, on, s.setupScript, 300_000, scriptEnv(s));
  after(() => world.cleanup());

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('the bootstrap proves Falco 0.39.2 runs and fires a rule for a pod, puts the rules back, and refuses loudly otherwise', async () => {
    const bootstrap = readFileSync(join(ROOT, 'labs/falco/bootstrap.sh'), 'utf8');
    const ok = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: bootstrap });
    assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /falco lab self-check passed: Falco 0\.39\.2 \(modern eBPF\) runs and fired a rule for a pod's process \(container [0-9a-f]{12}\)/);
    const after = await run(`cat ${LOCAL}; grep -c cks-lab-falco-selftest /var/log/falco.log || true; systemctl is-active falco-modern-bpf`);
    assert.equal(after, '# Your custom rules (loaded after /etc/falco/falco_rules.yaml; restart Falco to load changes).\n0\nactive\n');
    // Another Falco version on PATH: refused, naming it.
    const old = `mkdir -p /tmp/oldfalco && printf '#!/bin/sh\\necho "Falco version: 0.38.0"\\n' > /tmp/oldfalco/falco && chmod +x /tmp/oldfalco/falco\nexport PATH=/tmp/oldfalco:$PATH\n`;
    const bad = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: old + bootstrap });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /falco lab self-check FAILED: falco says 'Falco version: 0\.38\.0', the lab pins Falco version: 0\.39\.2/);
  });

  it('is proven: every task fails after setup, every task passes after the reference solution (run twice: idempotent)', async () => {
    await reset();
    const before = await grade();
    assert.deepEqual(failed(before), ['alerts-saved', 'offender-stopped', 'rule-fires'], found(before));
    assert.deepEqual(failedChecks(before).filter((c) => c !== 'offender-no-pods' && c !== 'offender-replicas'), ['alerts-offender-lines', 'probe-alert'], found(before));
    assert.match(check(before, 'rule-fires', 'probe-alert').actual, /no line for falco-probe-\w{5} \(container [0-9a-f]{12}\) in 10 s/);
    assert.match(check(before, 'alerts-saved', 'alerts-offender-lines').actual, /not found/);
    await solve();
    await solve();
    const after = await grade();
    assert.deepEqual(failedChecks(after), [], found(after));
    assert.equal(after.score, after.maxScore);
    assert.match(check(after, 'rule-fires', 'probe-alert').actual, /"alerted: Warning \d\d:\d\d:\d\d\.\d{9},[0-9a-f]{12},falco-probe-\w{5},root,(sleep|sh)"/);
    assert.match(await run(`cat ${ANSWER}`), /^(\d\d:\d\d:\d\d\.\d{9}: Warning \d\d:\d\d:\d\d\.\d{9},[0-9a-f]{12},inventory-\w+-\w{5},root,(sleep|sh)\n)+$/);
  });

  describe('what learners get wrong fails exactly the right task (from the solved state)', () => {
    afterEach(() => run(RIGHT + restart));

    it('the rule written but Falco not restarted: the running Falco never loaded it', async () => {
      await run(`echo '# nothing yet' > ${LOCAL}\n${restart}${RIGHT}`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['probe-alert'], found(r));
      assert.match(check(r, 'rule-fires', 'probe-alert').actual, /no line for falco-probe-/);
    });

    it('another output format (spaces, container name instead of the Pod): the probe\'s line is not in the format', async () => {
      await run(rule('open_read and container and fd.name=/etc/shadow', '%evt.time %container.id %container.name %user.name %proc.name') + restart);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['probe-alert'], found(r));
      // What Falco did write for the probe is shown.
      assert.match(check(r, 'rule-fires', 'probe-alert').actual, /"not in the format: Warning \d\d:\d\d:\d\d\.\d{9} [0-9a-f]{12} probe root/);
    });

    it('a condition on every file below /etc: it alerts for the other workers too', async () => {
      await run(rule('open_read and container and fd.name startswith /etc/') + restart);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['only-shadow'], found(r));
      assert.match(check(r, 'rule-fires', 'only-shadow').actual, /"alerted for (checkout|recommender)-\w+-\w{5}: Warning /);
    });

    it('the wrong Deployment scaled down fails only the offender task', async () => {
      await run(`kubectl -n $NS scale deploy inventory --replicas=1 >/dev/null && kubectl -n $NS rollout status deploy/inventory --timeout=60s >/dev/null
kubectl -n $NS scale deploy recommender --replicas=0 >/dev/null
while [ -n "$(kubectl -n $NS get deploy recommender -o jsonpath='{.status.readyReplicas}')" ]; do sleep 0.2; done
`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['offender-no-pods', 'offender-replicas', 'others-available'], found(r));
      assert.deepEqual(failed(r), ['offender-stopped']);
      assert.match(check(r, 'offender-stopped', 'others-available').actual, /recommender=0\//);
      await run(`kubectl -n $NS scale deploy recommender --replicas=1 >/dev/null && kubectl -n $NS rollout status deploy/recommender --timeout=60s >/dev/null
kubectl -n $NS scale deploy inventory --replicas=0 >/dev/null
while [ -n "$(kubectl -n $NS get deploy inventory -o jsonpath='{.status.readyReplicas}')" ]; do sleep 0.2; done
`);
    });

    it('the whole log saved (the probe\'s lines with the offender\'s) fails only the alerts file', async () => {
      // The log holds the grader's probe lines next to the offender's.
      assert.match(await run(`cp ${ANSWER} /tmp/answer.bak && cp /var/log/falco.log ${ANSWER}\ngrep -c ',falco-probe-' ${ANSWER}\n`), /^[1-9]\d*\n$/);
      const r = await grade();
      await run(`cp /tmp/answer.bak ${ANSWER}\n`);
      assert.deepEqual(failedChecks(r), ['alerts-offender-lines'], found(r));
      assert.match(check(r, 'alerts-saved', 'alerts-offender-lines').message, /expected \/root\/falco-alerts\.txt matching/);
    });
  });

  describe('two clusters on one host', () => {
    const second = 'cks-falco-b';
    before(async () => {
      await world.provider.create(second, lab, () => undefined);
      await reset(other, second);
      await solve(other, second);
      // This cluster stays as the mistakes left it: solved, the rule loaded, its offender at 0.
    });

    it('cluster B\'s offender never appears in cluster A\'s Falco output or grade', async () => {
      // B's Falco reported B's offender (checkout there) and saved it.
      const theirs = await run(`cat ${ANSWER}`, second);
      assert.match(theirs, /,checkout-\w+-\w{5},root,/);
      const theirIds = (await run(`crictl ps -a -q`, second)).trim().split('\n').map((id) => id.slice(0, 12));
      // A's offender alerted in A's log…
      const log = await run(`cat /var/log/falco.log`);
      assert.match(log, /,inventory-\w+-\w{5},root,/);
      // …and no line of A's log names B's containers or B's Pods, though B's checkout read /etc/shadow until B's solution
      // stopped it, all the while A's Falco ran with the same rule (A's grade below shows that rule still fires in A).
      for (const id of theirIds) assert.ok(!log.includes(id), `B's container ${id} in A's falco.log`);
      const theirPods = [...new Set([...theirs.matchAll(/,(checkout-\w+-\w{5}),/g)].map((m) => m[1]!))];
      assert.ok(theirPods.length > 0);
      for (const pod of theirPods) assert.ok(!log.includes(pod), `B's Pod ${pod} in A's falco.log`);
      // B's offender lines as A's answer: the alerts file fails (they name B's offender), and A's grade is A's.
      await run(`cp ${ANSWER} /tmp/answer.bak\necho '${Buffer.from(theirs).toString('base64')}' | base64 -d > ${ANSWER}\n`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['alerts-offender-lines'], found(r));
      await run(`cp /tmp/answer.bak ${ANSWER}\n`);
    });
  });

  describe('a right answer written differently', () => {
    it('a right answer written differently passes: the rule in falco_rules.yaml with evt.type/is_open_read, priority warning, reloaded; kubectl patch; lines without a final newline', async () => {
      await reset();
      await run(`cat >> /etc/falco/falco_rules.yaml <<'YAML'

- rule: Read of the shadow file
  desc: shadow opened for reading by a container process
  condition: >
    evt.type in (open, openat, openat2) and evt.is_open_read = true
    and container.id != host and fd.name in (/etc/shadow) and k8s.ns.name = "${NS}"
  output: '${FORMAT}'
  priority: warning
YAML
systemctl reload falco-modern-bpf.service
POD=""
for _ in $(seq 1 100); do
  POD=$(awk -F, '$3 ~ /^(inventory|checkout|recommender)-/ { print $3; exit }' /var/log/falco.log)
  [ -n "$POD" ] && break
  sleep 0.2
done
test -n "$POD"
sleep 2.5
grep ",$POD," /var/log/falco.log | head -n 2 | head -c -1 > ${ANSWER}
kubectl -n $NS patch deployment "\${POD%-*-*}" --type merge -p '{"spec":{"replicas":0}}' >/dev/null
while [ -n "$(kubectl -n $NS get deploy "\${POD%-*-*}" -o jsonpath='{.status.readyReplicas}')" ]; do sleep 0.2; done
`);
      assert.doesNotMatch(await run(`tail -c 1 ${ANSWER} | od -c | head -n 1`), /\\n/);
      const r = await grade();
      assert.deepEqual(failedChecks(r), [], found(r));
    });
  });
});
