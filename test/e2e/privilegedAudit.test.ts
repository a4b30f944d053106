/**
 * privileged-audit proven on the fakes: the report compared as a set, and each fix graded by what
 * the running containers see — the capability bounding set, the processes in /proc (hostPID
 * really shares the host's PID namespace in the fake), the Pod's address against the node's, and
 * whether any mount holds the node's root — so a fix written another way passes and a half fix
 * fails the task it leaves open.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkById, failedTasks, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('privileged-audit');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

/** The failed tasks, each with what its failed checks found (so an assertion says why). */
const failed = (r: GradeResult): string[] => {
  const ids = failedTasks(r);
  for (const t of r.tasks.filter((x) => ids.includes(x.id))) for (const c of t.checks.filter((x) => x.status !== 'pass')) process.stderr.write(`  [${t.id}/${c.id}] ${c.status}: ${c.actual}\n`);
  return ids;
};

const REPORT = `printf 'node-exporter\\nlog-shipper\\ndebug-tools\\ndns-probe\\n' > /root/privileged-workloads.txt`;
const patch = (name: string, ops: string): string => `kubectl -n monitoring patch deployment ${name} --type=json -p '${ops}' >/dev/null`;
const FIX_EXPORTER = patch('node-exporter', '[{"op":"remove","path":"/spec/template/spec/containers/0/securityContext/privileged"}]');
const FIX_PROBE = patch('dns-probe', '[{"op":"remove","path":"/spec/template/spec/hostNetwork"}]');
const FIX_SHIPPER = patch('log-shipper', '[{"op":"remove","path":"/spec/template/spec/containers/0/volumeMounts"},{"op":"remove","path":"/spec/template/spec/volumes"}]');
const FIX_DEBUG = `kubectl -n monitoring get pod debug-tools -o yaml | sed '/^  hostPID: true$/d' > /root/debug-tools.yaml
kubectl replace --force -f /root/debug-tools.yaml >/dev/null`;
const ALL = [REPORT, FIX_EXPORTER, FIX_PROBE, FIX_SHIPPER, FIX_DEBUG];

// Two full parallel runs once saw this test's fake kube-apiserver go away part-way (connection refused); not
// reproduced alone nor beside three other e2e files. A failure now carries the API server's own last log lines.
describe('scenario privileged-audit on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-privaudit', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    const notPassed = (proof.afterSolution?.tasks ?? []).flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.status} ${c.message} | found ${c.actual}`));
    assert.deepEqual(proof.failedAfterSolution, [], notPassed.join('\n'));
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    // Failing by effect after setup: what the unfixed containers really see.
    const setup = proof.afterSetup!;
    assert.match(checkById(setup, 'no-sys-admin').actual, /CAP_SYS_ADMIN present/);
    assert.match(checkById(setup, 'own-pid-namespace').actual, /\d{2,} processes visible/);
    assert.match(checkById(setup, 'pod-network').actual, /uses the node network/);
    assert.match(checkById(setup, 'no-node-root').actual, /node root at \/host/);
  });

  it('is proven in another namespace', async () => {
    const run = applyParams(scenario, resolveParams(scenario, { namespace: 'tooling' }));
    const proof = await proveScenario(run, lab, 'cks-proof-privaudit-params', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-privaudit-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** A fresh namespace as setup leaves it, then the learner's commands, then every workload settled. */
    async function attempt(commands: string[]): Promise<GradeResult> {
      const reset = await world.provider.nodeExec(cluster, ['kubectl', 'delete', 'namespace', 'monitoring', '--ignore-not-found', '--wait=true'], { env: KUBECONFIG });
      assert.equal(reset.exitCode, 0, `${reset.stderr}\nkube-apiserver's log:\n${world.apiserverLogTail(cluster)}`);
      await mistakes.setup();
      const script = `set -e\n${commands.join('\n')}
for d in node-exporter log-shipper dns-probe; do kubectl -n monitoring rollout status deployment/$d --timeout=60s >/dev/null; done
for i in $(seq 1 60); do [ "$(kubectl -n monitoring get pods --no-headers | grep -c Terminating || true)" = 0 ] && break; sleep 0.5; done
if kubectl -n monitoring get pod debug-tools >/dev/null 2>&1; then kubectl -n monitoring wait --for=condition=Ready pod/debug-tools --timeout=60s >/dev/null; fi\n`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, `${out.stderr}\nkube-apiserver's log:\n${world.apiserverLogTail(cluster)}`);
      return mistakes.grade();
    }
    const without = (cmd: string): string[] => ALL.filter((c) => c !== cmd);

    it('the hostPath /var/log workload listed too (it is not the node root) fails only the report', async () => {
      const r = await attempt([...without(REPORT), `${REPORT}\necho app-logs >> /root/privileged-workloads.txt`]);
      assert.deepEqual(failed(r), ['report']);
      assert.match(checkById(r, 'report-exact').actual, /app-logs/);
    });

    it('Pod names with their hash, or namespace/name, fail only the report', async () => {
      let r = await attempt([...without(REPORT), `kubectl -n monitoring get pods -o name | grep -e node-exporter -e log-shipper -e debug-tools -e dns-probe | sed 's#^pod/##' > /root/privileged-workloads.txt`]);
      assert.deepEqual(failed(r), ['report']);
      r = await attempt([...without(REPORT), `printf 'monitoring/%s\\n' node-exporter log-shipper debug-tools dns-probe > /root/privileged-workloads.txt`]);
      assert.deepEqual(failed(r), ['report']);
    });

    it('privileged swapped for the SYS_ADMIN capability fails only the node-exporter task', async () => {
      const r = await attempt([...without(FIX_EXPORTER), patch('node-exporter', '[{"op":"replace","path":"/spec/template/spec/containers/0/securityContext","value":{"privileged":false,"capabilities":{"add":["SYS_ADMIN"]}}}]')]);
      assert.deepEqual(failed(r), ['node-exporter-fixed']);
      assert.match(checkById(r, 'no-sys-admin').actual, /CAP_SYS_ADMIN present/);
    });

    it('debug-tools deleted and not created again fails only its task', async () => {
      const r = await attempt([...without(FIX_DEBUG), 'kubectl -n monitoring delete pod debug-tools --wait=true >/dev/null']);
      assert.deepEqual(failed(r), ['debug-tools-fixed']);
    });

    it('the node root moved to another mount path fails only the log-shipper task', async () => {
      const r = await attempt([...without(FIX_SHIPPER), patch('log-shipper', '[{"op":"replace","path":"/spec/template/spec/containers/0/volumeMounts/0/mountPath","value":"/node-root"}]')]);
      assert.deepEqual(failed(r), ['log-shipper-fixed']);
      assert.match(checkById(r, 'no-node-root').actual, /node root at \/node-root/);
    });

    it('dns-probe left alone fails only its task, by the Pod address', async () => {
      const r = await attempt(without(FIX_PROBE));
      assert.deepEqual(failed(r), ['dns-probe-fixed']);
    });

    it('passes written differently: flags set to false, log-shipper keeps a narrower hostPath, the report unsorted with CRLF and blank lines', async () => {
      const r = await attempt([
        `printf 'dns-probe\\r\\n\\ndebug-tools  \\r\\nnode-exporter\\nlog-shipper\\n\\n' > /root/privileged-workloads.txt`,
        patch('node-exporter', '[{"op":"replace","path":"/spec/template/spec/containers/0/securityContext/privileged","value":false}]'),
        patch('dns-probe', '[{"op":"replace","path":"/spec/template/spec/hostNetwork","value":false}]'),
        patch('log-shipper', '[{"op":"replace","path":"/spec/template/spec/volumes/0/hostPath/path","value":"/var/log"}]'),
        `kubectl -n monitoring get pod debug-tools -o yaml | sed 's/^  hostPID: true$/  hostPID: false/' > /root/debug-tools.yaml
kubectl -n monitoring delete pod debug-tools --wait=true >/dev/null
kubectl create -f /root/debug-tools.yaml >/dev/null 2>&1 || { sed -i '/resourceVersion/d; /uid:/d' /root/debug-tools.yaml; kubectl create -f /root/debug-tools.yaml >/dev/null; }`,
      ]);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });
  });
});
