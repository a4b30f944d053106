/**
 * gatekeeper-repos proven on the fakes, on one cluster of the `gatekeeper` lab (its bootstrap
 * imports the preloaded image, applies Gatekeeper v3.23.0's release manifest and proves a
 * constraint; the fake API server simulates Gatekeeper while its pods run, and recognises the
 * vendored gatekeeper-library allowedrepos Rego — see test/fakes/kube-apiserver/gatekeeper/).
 * Graded by server-side dry-runs through Gatekeeper's real webhook and by its audit status. Every
 * task fails after setup and passes after the reference solution; the mistakes learners make fail
 * exactly the task they break; a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('gatekeeper-repos');
const lab = loadLabs(join(ROOT, 'labs')).get('gatekeeper')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const ALL = ['approved-admitted', 'audit', 'denied', 'lookalike-denied'];

/** A K8sAllowedRepos constraint `allowed-repos` (defaults: the right answer's parts). */
function constraint(o: { groups?: string; match?: string; repos?: string; action?: string } = {}): string {
  return `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: { name: allowed-repos }
spec:
${o.action ? `  enforcementAction: ${o.action}\n` : ''}  match:
    kinds: [{ apiGroups: ${o.groups ?? '[""]'}, kinds: [Pod] }]
${o.match === undefined ? '    namespaces: [payments, orders]\n' : o.match}  parameters:
    repos: ${o.repos ?? '["registry.k8s.io/", "ghcr.io/cks-lab/"]'}
`;
}

describe('scenario gatekeeper-repos on the fakes', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-gatekeeper';
  const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
  /**
   * Replaces the constraint and waits until Gatekeeper judges with it and its audit has run once
   * (a fresh constraint has no audit status: the grade would race the audit).
   */
  const use = (yaml: string) =>
    run(`set -e
kubectl delete k8sallowedrepos --all >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
${yaml}YAML
for _ in $(seq 1 100); do
  [ -n "$(kubectl get k8sallowedrepos allowed-repos -o jsonpath='{.status.auditTimestamp}')" ] && [ -n "$(kubectl get k8sallowedrepos allowed-repos -o jsonpath='{.status.byPod[0].enforced}')" ] && exit 0
  sleep 0.1
done
echo "no audit status" >&2; exit 1
`);
  after(() => world.cleanup());

  before(async function () {
    this.timeout(240_000);
    await world.provider.create(cluster, lab, () => undefined); // runs the lab's bootstrap (self-check)
    await setup();
  });

  it('fails every task after setup, saying what it found', async () => {
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    // The colleague's draft refuses everything, but the denial is not the constraint's asked for.
    assert.match(check(r, 'denied', 'container-refused').actual, /denied \(403\) with: admission webhook "validation\.gatekeeper\.sh" denied the request: \[registry-draft\] container <app> has an invalid image repo <docker\.io\/library\/nginx:1\.27>, allowed repos are \[\]/);
    assert.match(check(r, 'audit', 'legacy-listed').actual, /not found/);
  });

  it('passes every task after the reference solution, with Gatekeeper\'s own messages', async () => {
    await solve();
    const r = await grade();
    assert.deepEqual(failed(r), []);
    assert.match(check(r, 'denied', 'container-refused').actual, /admission webhook "validation\.gatekeeper\.sh" denied the request: \[allowed-repos\] container <app> has an invalid image repo <docker\.io\/library\/nginx:1\.27>, allowed repos are \["registry\.k8s\.io\/", "ghcr\.io\/cks-lab\/"\]/);
  });

  it('the core group written "v1" matches no Pod: nothing is refused and the audit finds nothing', async () => {
    await use(constraint({ groups: '["v1"]' }));
    const r = await grade();
    assert.deepEqual(failed(r), ['audit', 'denied', 'lookalike-denied']);
    assert.match(check(r, 'audit', 'legacy-listed').actual, /no value|missing|nothing/i);
  });

  it('prefixes without their trailing slash admit lookalike registries: only that task fails', async () => {
    await use(constraint({ repos: '["registry.k8s.io", "ghcr.io/cks-lab"]' }));
    const r = await grade();
    assert.deepEqual(failed(r), ['lookalike-denied']);
    assert.match(check(r, 'lookalike-denied', 'lookalike-refused').actual, /admitted/);
  });

  it('enforcementAction warn (or dryrun) only reports: the refusal tasks fail, the audit still lists the Pod', async () => {
    await use(constraint({ action: 'warn' }));
    assert.deepEqual(failed(await grade()), ['denied', 'lookalike-denied']);
    await use(constraint({ action: 'dryrun' }));
    assert.deepEqual(failed(await grade()), ['denied', 'lookalike-denied']);
  });

  it('the right constraint next to the draft left in place: approved images are still refused', async () => {
    await use(constraint());
    await run(`kubectl apply -f - >/dev/null <<'YAML'
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: { name: registry-draft }
spec:
  match: { kinds: [{ apiGroups: [""], kinds: [Pod] }], namespaces: [payments, orders, sandbox] }
  parameters: { repos: [] }
YAML
for _ in $(seq 1 100); do [ -n "$(kubectl get k8sallowedrepos registry-draft -o jsonpath='{.status.byPod[0].enforced}')" ] && exit 0; sleep 0.1; done; exit 1
`);
    const r = await grade();
    assert.deepEqual(failed(r), ['approved-admitted']);
    assert.match(check(r, 'approved-admitted', 'approved-a-admitted').actual, /\[registry-draft\]/);
  });

  it('a constraint without a namespace restriction reaches every namespace: only the admitted task fails', async () => {
    await use(constraint({ match: '' }));
    const r = await grade();
    assert.deepEqual(failed(r), ['approved-admitted']);
    assert.equal(check(r, 'approved-admitted', 'other-namespace-untouched').status, 'fail');
  });

  it('a namespaceSelector on the shop label, any API group, reordered repos and no explicit action: passes', async () => {
    await use(constraint({ groups: '["*"]', match: '    namespaceSelector:\n      matchExpressions: [{ key: registry-policy, operator: In, values: [enforced] }]\n', repos: '["ghcr.io/cks-lab/", "registry.k8s.io/"]' }));
    assert.deepEqual(failed(await grade()), []);
  });
});
