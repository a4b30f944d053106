/**
 * Grading while kube-apiserver restarts, on the faithful fakes: the real KindProvider, the real
 * ClientNodeProbes and the real kubectl on the node. The fake API server restarts when its static
 * pod manifest changes: connections refused for FAKE_APISERVER_RESTART_MS, then /readyz 500 for
 * FAKE_APISERVER_WARMUP_MS, then ok — or a crash loop when the manifest is broken. Every check
 * type meets each phase: API-dependent checks come out as `error` with the restart message (never
 * a fail), node files and etcd keep their real verdict, and a crash loop says what to look at.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { API_RESTARTING, CheckEngine } from '../../server/grading/index.js';
import type { CheckResult, GradeResult } from '../../server/grading/types.js';
import { ClientNodeProbes } from '../../server/kube/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';
import { scenario, task } from '../grading/scenarioFixture.js';

const RESTART_MS = 7000;
const WARMUP_MS = 6000;
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const KUBECTL = 'kubectl --kubeconfig=/etc/kubernetes/admin.conf';

/** One check of every type, each passing on the healthy cluster after `prepare`. */
const checks: Check[] = [
  { id: 'object', type: 'object', description: 'namespace vault is labelled', resource: { apiVersion: 'v1', kind: 'Namespace', name: 'vault' }, match: { metadata: { labels: { team: 'vault' } } } },
  { id: 'absent', type: 'objectAbsent', description: 'namespace gone is deleted', resource: { apiVersion: 'v1', kind: 'Namespace', name: 'gone' } },
  { id: 'jsonpath', type: 'jsonpath', description: 'pod web runs', resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'vault', name: 'web' }, paths: ['{.status.phase}'], expect: { equals: 'Running' } },
  { id: 'podExec', type: 'podExec', description: 'pod web answers', namespace: 'vault', pod: 'web', command: ['cat', '/etc/hostname'], expect: { exitCode: 0 } },
  {
    id: 'readiness',
    type: 'nodeCommand',
    description: 'kube-apiserver answers /readyz with ok',
    command: ['sh', '-c', `for i in 1 2; do ${KUBECTL} get --raw=/readyz 2>/dev/null && exit 0; sleep 0.5; done; ${KUBECTL} get --raw=/readyz`],
    expect: { exitCode: 0, stdoutContains: ['ok'] },
  },
  { id: 'kubectlGet', type: 'nodeCommand', description: 'kubectl sees namespace vault', command: ['sh', '-c', `${KUBECTL} get ns vault -o name`], expect: { stdoutContains: ['namespace/vault'] } },
  { id: 'nodeCmd', type: 'nodeCommand', description: 'the node has the marker', command: ['cat', '/root/marker'], expect: { stdoutContains: ['marked'] } },
  { id: 'nodeFile', type: 'nodeFile', description: 'the marker file', path: '/root/marker', expect: { contains: ['marked'] } },
  {
    id: 'nodeYaml',
    type: 'nodeYaml',
    description: 'kube-apiserver runs with --profiling=false',
    path: MANIFEST,
    match: { spec: { containers: { $contains: [{ name: 'kube-apiserver', command: { $contains: ['--profiling=false'] } }] } } },
  },
  { id: 'etcd', type: 'etcdValue', description: 'the Secret is in etcd', key: '/registry/secrets/vault/s', expect: { exists: true } },
];
/**
 * encryption-at-rest's own "kube-apiserver healthy again" check (apiReady). It waits up to 30 s for a
 * restart; here its wait and timeout are cut to meet the restart.
 */
const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const encReady = catalog.require('encryption-at-rest').tasks.flatMap((t) => t.checks).find((c) => c.id === 'apiserver-ready')!;
checks.push({ ...encReady, id: 'encReady', timeoutMs: 3000, ...(encReady.type === 'apiReady' ? { waitSeconds: 2 } : {}) } as typeof encReady);
const API_CHECKS = ['object', 'absent', 'jsonpath', 'podExec', 'readiness', 'kubectlGet', 'encReady'];
const NODE_CHECKS = ['nodeCmd', 'nodeFile', 'nodeYaml', 'etcd'];
const all = scenario(checks.map((c) => task(c.id, 1, [c])), 'api-restart');

const byId = (r: GradeResult): Record<string, CheckResult> => Object.fromEntries(r.tasks.map((t) => [t.id, t.checks[0]!]));
const statuses = (r: GradeResult): Record<string, string> => Object.fromEntries(r.tasks.map((t) => [t.id, t.checks[0]!.status]));

describe('grading while kube-apiserver restarts (fakes)', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ extra: { FAKE_APISERVER_RESTART_MS: String(RESTART_MS), FAKE_APISERVER_WARMUP_MS: String(WARMUP_MS) } });
  const cluster = 'cks-api-restart';
  after(async () => {
    await world.provider.delete(cluster).catch(() => undefined);
    await world.cleanup();
  });

  async function node(script: string): Promise<string> {
    const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });
    assert.equal(out.exitCode, 0, out.stderr);
    return out.stdout;
  }
  /** Probes as production builds them, but giving up on a restarting API after 1 s (not 8 s) to keep the test short. */
  async function grade(): Promise<GradeResult> {
    const kubeconfig = await world.provider.kubeconfig(cluster);
    const probes = new ClientNodeProbes({ kubeconfig, nodeExec: (argv) => world.provider.nodeExec(cluster, argv), apiRetryMs: 1000 });
    return grader.grade(all, probes);
  }
  const apiState = () => node(`${KUBECTL} get --raw=/readyz 2>&1 || true`);

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
    await node(`set -e
kubectl create namespace vault >/dev/null
kubectl label namespace vault team=vault >/dev/null
kubectl create secret generic s -n vault --from-literal=a=b >/dev/null
kubectl run web -n vault --image=busybox:1.36 --restart=Never -- sleep 3600 >/dev/null
echo marked > /root/marker
sed -i 's#^    - --allow-privileged=true$#    - --allow-privileged=true\\n    - --profiling=false#' ${MANIFEST}
`);
    await waitFor(async () => /^ok/.test(await apiState()) && (await node(`${KUBECTL} get pod web -n vault -o jsonpath='{.status.phase}'`)) === 'Running', 'api back and pod running', 60_000);
  });

  it('healthy: every check passes', async () => {
    const r = await grade();
    assert.deepEqual(statuses(r), Object.fromEntries(checks.map((c) => [c.id, 'pass'])), JSON.stringify(r.tasks.map((t) => t.checks[0]), null, 1));
  });

  it('refusing connections, then answering /readyz 500, then ok: API checks are errors with the restart message, node checks keep their verdict', async () => {
    // A harmless edit (a second flag) that the nodeYaml check does not care about.
    await node(`sed -i 's#^    - --profiling=false$#    - --profiling=false\\n    - --v=2#' ${MANIFEST}`);
    await waitFor(async () => /refused/.test(await apiState()), 'the API refuses connections', 10_000);
    const down = byId(await grade());
    for (const id of API_CHECKS) {
      assert.equal(down[id]?.status, 'error', `${id}: ${down[id]?.message}`);
      assert.match(down[id]!.message, new RegExp(`: ${API_RESTARTING}$`), id);
      assert.match(down[id]!.actual, /\/readyz: connection refused|the check saw: /, `${id}: ${down[id]?.actual}`);
    }
    assert.match(down['object']!.actual, /connection refused \(for 1 s\)/);
    assert.match(down['readiness']!.actual, /the check saw: The connection to the server \S+ was refused/);
    for (const id of NODE_CHECKS) assert.equal(down[id]?.status, 'pass', `${id}: ${down[id]?.message}`);

    await waitFor(async () => /readyz check failed/.test(await apiState()), 'the API listens but is not ready', 15_000);
    const starting = byId(await grade());
    assert.equal(starting['readiness']?.status, 'error');
    assert.match(starting['readiness']!.message, new RegExp(`: ${API_RESTARTING}$`));
    assert.match(starting['readiness']!.actual, /the check saw: Error from server \(InternalError\)/);
    assert.match(starting['readiness']!.actual, /\/readyz: HTTP 500: \[-\]poststarthook\/rbac\/bootstrap-roles failed.*crictl ps -a: kube-apiserver Running, started \d+ s ago, not ready yet/);
    for (const id of [...API_CHECKS, ...NODE_CHECKS]) assert.notEqual(starting[id]?.status, 'fail', `${id} must not fail while the API starts: ${starting[id]?.message}`);

    await waitFor(async () => /^ok/.test(await apiState()), 'the API is ready again', 15_000);
    assert.deepEqual(Object.values(statuses(await grade())).filter((s) => s !== 'pass'), []);
  });

  it('a broken manifest (crash loop): API checks are errors naming the crash loop and its log, node checks keep their verdict', async () => {
    const exited = async () => Number((await node("crictl ps -a --name '^kube-apiserver$' --state exited -q | wc -l")).trim());
    const before = await exited();
    await node(`sed -i 's#^    - --v=2$#    - --v=2\\n    - --encryption-provider-config=/etc/kubernetes/enc/missing.yaml#' ${MANIFEST}`);
    // The old container stopped, then the new one exited twice: after the restart delay, and after the back-off.
    await waitFor(async () => (await exited()) >= before + 3, 'kube-apiserver exited twice in its new pod', 30_000, 200);
    const r = byId(await grade());
    for (const id of API_CHECKS) {
      assert.equal(r[id]?.status, 'error', `${id}: ${r[id]?.message}`);
      assert.match(r[id]!.message, /API server is not coming back: its container keeps exiting \(crash loop\)\. Look at `crictl ps -a --name kube-apiserver`/, `${id}: ${r[id]?.message} | ${r[id]?.actual}`);
      assert.match(r[id]!.actual, /crictl ps -a: kube-apiserver exited \d+ times \(last exit code 1\).*its log ends: "command failed" err="error while parsing file: error opening encryption provider configuration file/, `${id}: ${r[id]?.actual}`);
    }
    for (const id of NODE_CHECKS) assert.equal(r[id]?.status, 'pass', `${id}: ${r[id]?.message}`);
  });
});
