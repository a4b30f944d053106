/**
 * rbac-least-privilege (⚑ DESIGN.md) proven on the fakes: RBAC is graded by the API server's own
 * answers (SubjectAccessReview, as `kubectl auth can-i --as` asks), so any correct set of Roles and
 * bindings passes and each way people get it wrong fails the task it breaks, naming the binding.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('rbac-least-privilege');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


const ROLE = (verbs: string, groups = '["apps"]', kind = 'Role', name = 'deployer') => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: { name: ${name}${kind === 'Role' ? ', namespace: ci' : ''} }
rules:
  - apiGroups: ${groups}
    resources: ["deployments"]
    verbs: ${verbs}`;

const BINDING = (roleKind = 'Role', roleName = 'deployer', subject = '{ kind: ServiceAccount, name: deployer, namespace: ci }', kind = 'RoleBinding') => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: { name: deployer${kind === 'RoleBinding' ? ', namespace: ci' : ''} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName} }
subjects: [${subject}]`;

describe('scenario rbac-least-privilege on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-rbac', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-rbac-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** Back to the state setup leaves, then the learner's manifests (and optional extra commands). */
    async function attempt(manifests: string[], keepAdminBinding = false): Promise<GradeResult> {
      const script = `set -e
kubectl -n ci delete role,rolebinding --all >/dev/null
kubectl delete clusterrole deployer deployment-patcher --ignore-not-found >/dev/null
kubectl delete clusterrolebinding deployer --ignore-not-found >/dev/null
${manifests.map((m, i) => `cat > /root/attempt-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/attempt-${i}.yaml >/dev/null`).join('\n')}
${keepAdminBinding ? '' : 'kubectl delete clusterrolebinding deployer-admin --ignore-not-found >/dev/null'}
`;
      await mistakes.setup();
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('adding the Role but keeping deployer-admin fails both tasks, naming the binding that grants too much', async () => {
      const r = await attempt([ROLE('["get", "list", "patch"]'), BINDING()], true);
      assert.deepEqual(failed(r), ['admin-binding-removed', 'deployer-role']);
      const more = r.tasks.find((t) => t.id === 'deployer-role')!.checks.find((c) => c.id === 'other-verbs-denied')!;
      assert.match(more.actual, /create deployments\.apps in ci: yes \(RBAC: allowed by ClusterRoleBinding "deployer-admin" of ClusterRole "cluster-admin" to ServiceAccount "deployer\/ci"\)/);
    });

    it('a ClusterRole with a ClusterRoleBinding (the verbs everywhere) fails only the cluster-wide task', async () => {
      const r = await attempt([ROLE('["get", "list", "patch"]', '["apps"]', 'ClusterRole'), BINDING('ClusterRole', 'deployer', '{ kind: ServiceAccount, name: deployer, namespace: ci }', 'ClusterRoleBinding')]);
      assert.deepEqual(failed(r), ['admin-binding-removed']);
      const wide = r.tasks.find((t) => t.id === 'admin-binding-removed')!.checks.find((c) => c.id === 'nothing-cluster-wide')!;
      assert.equal(wide.status, 'fail');
      assert.match(wide.actual, /get deployments\.apps in default: yes/);
    });

    it('verbs ["*"] fails only the Role task, on "nothing else"', async () => {
      const r = await attempt([ROLE('["*"]'), BINDING()]);
      assert.deepEqual(failed(r), ['deployer-role']);
      const status = Object.fromEntries(r.tasks.find((t) => t.id === 'deployer-role')!.checks.map((c) => [c.id, c.status]));
      assert.deepEqual(status, { 'deploy-verbs-allowed': 'pass', 'other-verbs-denied': 'fail' });
    });

    it('deployments in the core group (apiGroups [""]) fails only the Role task, on "may deploy"', async () => {
      const r = await attempt([ROLE('["get", "list", "patch"]', '[""]'), BINDING()]);
      assert.deepEqual(failed(r), ['deployer-role']);
      assert.match(r.tasks.find((t) => t.id === 'deployer-role')!.checks[0]!.actual, /patch deployments\.apps in ci: no/);
    });

    it('binding a User named deployer instead of the ServiceAccount fails only the Role task', async () => {
      const r = await attempt([ROLE('["get", "list", "patch"]'), BINDING('Role', 'deployer', '{ kind: User, name: deployer, apiGroup: rbac.authorization.k8s.io }')]);
      assert.deepEqual(failed(r), ['deployer-role']);
    });

    it('a ClusterRole bound by a RoleBinding in ci, verbs in another order and split over two rules, passes', async () => {
      const split = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: deployment-patcher }
rules:
  - { apiGroups: [apps], resources: [deployments], verbs: [patch] }
  - { apiGroups: [apps], resources: [deployments], verbs: [list, get] }`;
      const r = await attempt([split, BINDING('ClusterRole', 'deployment-patcher')]);
      assert.deepEqual(failed(r), []);
    });

    it('kubectl auth can-i --as on the node agrees with the grader (learners check their work that way)', async () => {
      await attempt([ROLE('["get", "list", "patch"]'), BINDING()]);
      const ask = async (...args: string[]) => (await world.provider.nodeExec(cluster, ['kubectl', 'auth', 'can-i', ...args, '--as=system:serviceaccount:ci:deployer'], { env: KUBECONFIG })).stdout.trim();
      assert.equal(await ask('patch', 'deployments', '-n', 'ci'), 'yes');
      assert.equal(await ask('get', 'secrets', '-n', 'ci'), 'no');
      assert.equal(await ask('get', 'deployments', '-n', 'default'), 'no');
      const denied = await world.provider.nodeExec(cluster, ['kubectl', 'get', 'secrets', '-n', 'ci', '--as=system:serviceaccount:ci:deployer'], { env: KUBECONFIG });
      assert.equal(denied.exitCode, 1);
      assert.match(denied.stderr, /secrets is forbidden: User "system:serviceaccount:ci:deployer" cannot list resource "secrets" in API group "" in the namespace "ci"/);
    });
  });
});
