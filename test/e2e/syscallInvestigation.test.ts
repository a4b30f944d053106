/**
 * syscall-investigation proven on the fakes, on ONE cluster of the `strace` lab (plus a second
 * cluster on the same fake host for the isolation case): the workers are real processes in the
 * fake kubelet's sandboxes, the node's crictl lists them with their host pids (info.pid), and the
 * node's strace (the host's, Debian 6.1) really attaches to them and sees the offender's kill(2).
 * The grader reads replicas, availability and the answer file; each way learners get it wrong
 * fails exactly the checks it breaks, and a right answer written differently passes.
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
const scenario = catalog.require('syscall-investigation');
// The same scenario as another learner's run draws it: another worker is the offender.
const other = applyParams(scenario, resolveParams(scenario, { offender: 'cache-warmer' }));
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('strace')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const NS = 'ops';
const ANSWER = '/root/offender.txt';
const LOGIN = `set -e\nexport KUBECONFIG=/etc/kubernetes/admin.conf\nNS=${NS}\n`;
/** The offender's Pod name, as the learner finds it: its container's process is the one strace sees calling kill(2). */
const FIND = `POD=""
for id in $(crictl ps -q --namespace "$NS"); do
  pid=$(crictl inspect "$id" | jq -r .info.pid)
  timeout -k 1 2 strace -f -p "$pid" -e trace=kill -o /tmp/find.trace || true
  if grep -q 'kill(' /tmp/find.trace; then CID=$id; POD=$(crictl inspect "$id" | jq -r '.status.labels["io.kubernetes.pod.name"]'); break; fi
done
test -n "$POD"
`;

describe('scenario syscall-investigation on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-syscall';
  const grade = async () => grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
  const run = async (script: string, on = cluster) => {
    const out = await world.provider.nodeExec(on, ['bash', '-s'], { input: LOGIN + script });
    assert.equal(out.exitCode, 0, out.stdout + out.stderr);
    return out.stdout;
  };
  /** Back to the state setup leaves (idempotent: 1 replica each again, answer file removed). */
  const reset = () => runNodeScript(world.provider, cluster, scenario.setupScript, 300_000, scriptEnv(scenario));
  const scaleDown = (d: string) => `kubectl -n $NS scale deployment ${d} --replicas=0 >/dev/null\nfor _ in $(seq 1 150); do [ -z "$(kubectl -n $NS get deploy ${d} -o jsonpath='{.status.readyReplicas}')" ] && break; sleep 0.2; done\n`;
  after(() => world.cleanup());

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('the bootstrap proves strace attaches and sees a syscall, and refuses loudly with another strace', async () => {
    const bootstrap = readFileSync(join(ROOT, 'labs/strace/bootstrap.sh'), 'utf8');
    const ok = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: bootstrap });
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stdout, /strace lab self-check passed/);
    const old = `mkdir -p /tmp/oldstrace && printf '#!/bin/sh\\necho "strace -- version 5.10"\\n' > /tmp/oldstrace/strace && chmod +x /tmp/oldstrace/strace\nexport PATH=/tmp/oldstrace:$PATH\n`;
    const bad = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: old + bootstrap });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /strace lab self-check FAILED: strace says 'strace -- version 5\.10', the lab pins 6\.1/);
    // strace where Debian's package puts it.
    assert.equal((await world.provider.nodeExec(cluster, ['sh', '-c', 'test -x /usr/bin/strace'], {})).exitCode, 0);
  });

  it('the node has strace, and crictl gives the pid of a pod container strace attaches to', async () => {
    await reset();
    const out = await run(`strace -V | head -n 1
crictl ps --namespace $NS
id=$(crictl ps -q --name worker --namespace $NS | head -n 1)
crictl inspect "$id" | jq -c '{pid: .info.pid, ns: .status.labels["io.kubernetes.pod.namespace"], pod: .status.labels["io.kubernetes.pod.name"]}'
`);
    assert.match(out, /^strace -- version 6\.1\n/);
    assert.match(out, /CONTAINER +IMAGE +CREATED +STATE +NAME +ATTEMPT +POD ID +POD +NAMESPACE\n/);
    assert.equal(out.match(/ Running +worker +0 +[0-9a-f]{13} +(api-gateway|report-gen|cache-warmer)-\w+-\w{5} +ops\n/g)?.length, 3, out);
    const info = JSON.parse(out.trim().split('\n').pop()!) as { pid: number; ns: string; pod: string };
    assert.equal(info.ns, NS);
    assert.ok(info.pid > 1);
    // crictl exec into a workload container is not simulated: it says so instead of pretending.
    const exec = await world.provider.nodeExec(cluster, ['sh', '-c', `crictl exec $(crictl ps -q --namespace ${NS} | head -n 1) true`], {});
    assert.equal(exec.exitCode, 1);
    assert.match(exec.stderr, /fake crictl: exec into a workload container is not simulated/);
  });

  it('is proven: every task fails after setup, every task passes after the reference solution (run twice: idempotent)', async () => {
    await reset();
    const before = await grade();
    assert.deepEqual(failed(before), ['answer-recorded', 'offender-stopped']);
    assert.deepEqual(failedChecks(before), ['answer-pod-name', 'offender-no-pods', 'offender-replicas'], found(before));
    assert.match(check(before, 'answer-recorded', 'answer-pod-name').actual, /not found/);
    await runNodeScript(world.provider, cluster, scenario.solutionScript, 300_000, scriptEnv(scenario));
    await runNodeScript(world.provider, cluster, scenario.solutionScript, 300_000, scriptEnv(scenario));
    const after = await grade();
    assert.deepEqual(failedChecks(after), [], found(after));
    assert.equal(after.score, after.maxScore);
    assert.match(await run(`cat ${ANSWER}`), /^report-gen-[a-z0-9]+-[a-z0-9]{5}\n$/);
  });

  describe('what learners get wrong fails exactly the right checks; a right answer written differently passes', () => {
    beforeEach(() => reset());

    it('the wrong Deployment scaled down (read the YAML for "kill") fails the offender and the others', async () => {
      await run(FIND + `echo "$POD" > ${ANSWER}\n` + scaleDown('api-gateway'));
      const r = await grade();
      assert.deepEqual(failed(r), ['offender-stopped']);
      assert.deepEqual(failedChecks(r), ['offender-no-pods', 'offender-replicas', 'others-available']);
      assert.match(check(r, 'offender-stopped', 'others-available').actual, /api-gateway=0\//);
    });

    it('the offending Pod deleted instead of its Deployment scaled: the Deployment brings it back', async () => {
      await run(FIND + `echo "$POD" > ${ANSWER}\nkubectl -n $NS delete pod "$POD" >/dev/null\n` +
        `until [ "$(kubectl -n $NS get deploy report-gen -o jsonpath='{.status.readyReplicas}')" = 1 ] && ! kubectl -n $NS get pod "$POD" >/dev/null 2>&1; do sleep 0.2; done\n`);
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['offender-no-pods', 'offender-replicas']);
      assert.match(check(r, 'offender-stopped', 'offender-replicas').message, /replicas/);
    });

    it('an answer naming the container id, the Deployment, or another worker\'s Pod fails only the answer', async () => {
      await run(FIND + `echo "$CID" > ${ANSWER}\n` + scaleDown('report-gen'));
      let r = await grade();
      assert.deepEqual(failedChecks(r), ['answer-pod-name']);
      assert.match(check(r, 'answer-recorded', 'answer-pod-name').actual, /[0-9a-f]{64}/);
      await run(`echo report-gen > ${ANSWER}\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['answer-pod-name']);
      await run(`kubectl -n $NS get pods -l app=api-gateway -o jsonpath='{.items[0].metadata.name}' > ${ANSWER}\n`);
      r = await grade();
      assert.deepEqual(failedChecks(r), ['answer-pod-name']);
      assert.match(check(r, 'answer-recorded', 'answer-pod-name').actual, /api-gateway-/);
    });

    it('right answers written differently pass: namespace/pod without a newline, strace on each pid by hand, kubectl patch', async () => {
      await run(`for id in $(crictl ps -q); do
  ns=$(crictl inspect "$id" | jq -r '.status.labels["io.kubernetes.pod.namespace"]')
  [ "$ns" = "$NS" ] || continue
  pid=$(crictl inspect "$id" | jq -r .info.pid)
  timeout -k 1 2.5 strace -p "$pid" -o /tmp/trace.$pid || true
  if grep -q '^kill(1, 0)' /tmp/trace.$pid; then printf '%s/%s' "$NS" "$(crictl inspect "$id" | jq -r '.status.labels["io.kubernetes.pod.name"]')" > ${ANSWER}; fi
done
kubectl -n $NS patch deployment report-gen --type merge -p '{"spec":{"replicas":0}}' >/dev/null
while [ -n "$(kubectl -n $NS get deploy report-gen -o jsonpath='{.status.readyReplicas}')" ]; do sleep 0.2; done
`);
      assert.match(await run(`cat ${ANSWER}`), /^ops\/report-gen-\w+-\w{5}$/);
      const r = await grade();
      assert.deepEqual(failedChecks(r), []);
    });
  });

  describe('two clusters on one host', () => {
    const second = 'cks-syscall-b';
    before(async () => {
      await world.provider.create(second, lab, () => undefined);
      await runNodeScript(world.provider, second, other.setupScript, 300_000, scriptEnv(other));
      await reset();
    });

    it('crictl on each node lists only its own cluster\'s containers, and the answer naming the other cluster\'s offender fails', async () => {
      const mine = (await run(`crictl ps --namespace $NS -o json | jq -r '.containers[].labels["io.kubernetes.pod.name"]' | sort\n`)).trim().split('\n');
      const pods = (await run(`kubectl -n $NS get pods -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}' | sort\n`)).trim().split('\n');
      assert.deepEqual(mine, pods);
      const theirs = (await run(`crictl ps --namespace $NS -o json | jq -r '.containers[].labels["io.kubernetes.pod.name"]'\n`, second)).trim().split('\n');
      assert.equal(theirs.filter((p) => mine.includes(p)).length, 0);
      // The other cluster's offender (cache-warmer there), found with strace from the other node.
      const theirOffender = (await run(FIND + 'echo "$POD"\n', second)).trim();
      assert.match(theirOffender, /^cache-warmer-/);
      await run(`echo ${theirOffender} > ${ANSWER}\n` + scaleDown('report-gen'));
      const r = await grade();
      assert.deepEqual(failedChecks(r), ['answer-pod-name']);
      // …and that cluster's own grade is unaffected by what this learner did.
      const theirs2 = await grader.grade(other, world.probesFor(second, await world.provider.kubeconfig(second)));
      assert.deepEqual(failed(theirs2), ['answer-recorded', 'offender-stopped']);
    });
  });
});
