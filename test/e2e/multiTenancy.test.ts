/**
 * multi-tenancy proven on the fakes: quota and LimitRange by server-side dry-run Pods (the fake
 * API server's LimitRanger and ResourceQuota admission), isolation by connections from inside the
 * client pods, Pod Security by a privileged dry-run, RBAC by SubjectAccessReviews — so each way
 * learners get it wrong fails the task it breaks, and a right answer written differently passes.
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
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('multi-tenancy');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

const QUOTA = (ns: string, hard = "{ pods: '10', requests.cpu: '1', requests.memory: 1Gi, limits.cpu: '2', limits.memory: 2Gi }") => `apiVersion: v1
kind: ResourceQuota
metadata: { name: tenant-quota, namespace: ${ns} }
spec:
  hard: ${hard}`;
const LIMITS = (ns: string, item = '{ type: Container, default: { cpu: 500m, memory: 256Mi }, defaultRequest: { cpu: 100m, memory: 128Mi } }') => `apiVersion: v1
kind: LimitRange
metadata: { name: tenant-limits, namespace: ${ns} }
spec:
  limits: [${item}]`;
const DNS_EGRESS = `
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
          podSelector: { matchLabels: { k8s-app: kube-dns } }
      ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]`;
const ISOLATE = (ns: string, dns = true) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: tenant-isolation, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{ from: [{ podSelector: {} }] }]
  egress:
    - to: [{ podSelector: {} }]${dns ? DNS_EGRESS : ''}`;
const ADMIN = (ns: string, user: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: tenant-admin, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: ${user} }]`;
const TENANTS = [['tenant-a', 'alice'], ['tenant-b', 'bob']] as const;
const RIGHT = TENANTS.flatMap(([ns, user]) => [QUOTA(ns), LIMITS(ns), ISOLATE(ns), ADMIN(ns, user)]);

describe('scenario multi-tenancy on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());
  const cluster = 'cks-tenancy';
  const target = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-tenancy', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await target.setup();
    });

    /** Back to the state setup leaves, PSA baseline labelled, then the learner's manifests. */
    async function attempt(manifests: string[], psa = true): Promise<GradeResult> {
      const script = `set -e
kubectl delete clusterrolebinding tenant-admins --ignore-not-found >/dev/null
for ns in tenant-a tenant-b default; do
  kubectl -n $ns delete networkpolicy,resourcequota,limitrange,rolebinding --all >/dev/null
  kubectl label namespace $ns pod-security.kubernetes.io/enforce- >/dev/null
done
${psa ? 'for ns in tenant-a tenant-b; do kubectl label namespace $ns pod-security.kubernetes.io/enforce=baseline --overwrite >/dev/null; done' : ''}
${manifests.map((m, i) => `cat > /root/attempt-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/attempt-${i}.yaml >/dev/null`).join('\n')}
`;
      const out = await target.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return target.grade();
    }

    it('the right objects pass every task', async () => {
      assert.deepEqual(failed(await attempt(RIGHT)), []);
    });

    it('a default deny of all egress without the DNS allowance fails only the isolation task, on name resolution', async () => {
      const r = await attempt(RIGHT.map((m) => (m.includes('kind: NetworkPolicy') ? ISOLATE(/namespace: (\S+) }/.exec(m)![1]!, false) : m)));
      assert.deepEqual(failed(r), ['isolation']);
      assert.equal(check(r, 'isolation', 'isolation-a-dns').status, 'fail');
      assert.equal(check(r, 'isolation', 'isolation-a-cross').status, 'pass');
      assert.equal(check(r, 'isolation', 'isolation-a-own').status, 'pass');
    });

    it('a LimitRange with defaultRequest but no default limits fails only the limits task', async () => {
      const r = await attempt(RIGHT.map((m) => (m.includes('kind: LimitRange') ? LIMITS(/namespace: (\S+) }/.exec(m)![1]!, '{ type: Container, defaultRequest: { cpu: 100m, memory: 128Mi } }') : m)));
      assert.deepEqual(failed(r), ['limits']);
      assert.match(check(r, 'limits', 'limits-a-defaulted').message, /limits/);
    });

    it('a LimitRange with only max gives containers max as requests and limits (API defaulting), which the quota then refuses: only the limits task fails', async () => {
      const r = await attempt(RIGHT.map((m) => (m.includes('kind: LimitRange') ? LIMITS(/namespace: (\S+) }/.exec(m)![1]!, '{ type: Container, max: { cpu: "2", memory: 1Gi } }') : m)));
      assert.deepEqual(failed(r), ['limits']);
      assert.match(check(r, 'limits', 'limits-a-defaulted').actual, /exceeded quota: tenant-quota, requested: requests\.cpu=2, used: requests\.cpu=0, limited: requests\.cpu=1$/);
    });

    it("tenant-b's quota created in default fails only the quota task, for tenant-b", async () => {
      const r = await attempt(RIGHT.map((m) => (m === QUOTA('tenant-b') ? QUOTA('default') : m)));
      assert.deepEqual(failed(r), ['quota']);
      assert.equal(check(r, 'quota', 'quota-a-exceeded').status, 'pass');
      assert.equal(check(r, 'quota', 'quota-b-exceeded').status, 'fail');
    });

    it('admin bound cluster-wide (a ClusterRoleBinding) instead of per namespace fails only the RBAC task', async () => {
      const crb = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: tenant-admins }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: alice }, { apiGroup: rbac.authorization.k8s.io, kind: User, name: bob }]`;
      const r = await attempt([...RIGHT.filter((m) => !m.includes('kind: RoleBinding')), crb]);
      assert.deepEqual(failed(r), ['rbac']);
      assert.match(check(r, 'rbac', 'rbac-a-others').message, /get pods/);
    });

    it("a Role with '*' on the core group lets the tenant lift its own quota: only the RBAC task fails, on that", async () => {
      const wide = (ns: string, user: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: tenant-owner, namespace: ${ns} }
rules: [{ apiGroups: ['', apps], resources: ['*'], verbs: ['*'] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: owner, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: tenant-owner }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: ${user} }]`;
      const r = await attempt([...RIGHT.filter((m) => !m.includes('kind: RoleBinding')), ...TENANTS.map(([ns, user]) => wide(ns, user))]);
      assert.deepEqual(failed(r), ['rbac']);
      assert.equal(check(r, 'rbac', 'rbac-a-limits').status, 'fail');
      assert.equal(check(r, 'rbac', 'rbac-a-own').status, 'pass');
      assert.equal(check(r, 'rbac', 'rbac-a-others').status, 'pass');
    });

    it('no Pod Security label fails only the pod-security task', async () => {
      const r = await attempt(RIGHT, false);
      assert.deepEqual(failed(r), ['pod-security']);
    });

    it('a right answer written differently passes: legacy quota names, decimal cpu, namespaceSelector isolation, a Role of its own', async () => {
      const other = TENANTS.flatMap(([ns, user]) => [
        QUOTA(ns, "{ cpu: '1000m', memory: 1024Mi, limits.memory: 2Gi, limits.cpu: '2', count/pods: '10', pods: '10' }"),
        LIMITS(ns, '{ type: Container, defaultRequest: { memory: 128Mi, cpu: "0.1" }, default: { memory: 256Mi, cpu: "0.5" } }'),
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all, namespace: ${ns} }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: same-tenant, namespace: ${ns} }
spec:
  podSelector: {}
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${ns} } } }] }]
  egress:
    - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${ns} } } }]
    - ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
      to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }]`,
        `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: tenant-owner, namespace: ${ns} }
rules:
  - { apiGroups: [''], resources: [pods, services, secrets, configmaps], verbs: ['*'] }
  - { apiGroups: [apps], resources: ['*'], verbs: ['*'] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: owner, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: tenant-owner }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: ${user} }]`,
      ]);
      assert.deepEqual(failed(await attempt(other)), []);
    });
  });
});
