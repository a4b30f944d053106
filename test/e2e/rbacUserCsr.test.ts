/**
 * rbac-user-csr proven on the fakes: a user's client certificate through the CSR API (the fake
 * API server validates CSRs, a simulated kube-controller-manager signs approved ones with the
 * cluster CA, and client certificates authenticate as CN/O), a kubeconfig on the node, and
 * view-only RBAC — graded with the learner's own kubeconfig on the node and by the API server's
 * authorizer. Each way people get it wrong fails the task it breaks; other right answers pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams, scriptEnv } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn, failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = applyParams(catalog.require('rbac-user-csr'), resolveParams(catalog.require('rbac-user-csr'), {}));
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

/** The learner's steps as shell, with the defaults (jane, dev-readers, dev); each part can be swapped for a mistake. */
const KEY = (subject = '/CN=jane/O=dev-readers') => `openssl genrsa -out /root/jane.key 2048 2>/dev/null
openssl req -new -key /root/jane.key -subj "${subject}" -out /root/jane.csr`;
const CSR = (signer = 'kubernetes.io/kube-apiserver-client', usages = '["client auth"]', extra = '  expirationSeconds: 86400', verb = 'create') => `kubectl ${verb} -f - <<YAML
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: jane
spec:
  request: $(base64 -w0 < /root/jane.csr)
  signerName: ${signer}
  usages: ${usages}
${extra}
YAML`;
const APPROVE = 'kubectl certificate approve jane';
/** Waits (≤ 10 s) for the certificate; writes what there is (maybe nothing) to /root/jane.crt. */
const FETCH = `for i in $(seq 1 20); do [ -n "$(kubectl get csr jane -o jsonpath='{.status.certificate}')" ] && break; sleep 0.5; done
kubectl get csr jane -o jsonpath='{.status.certificate}' | base64 -d > /root/jane.crt`;
const KUBECONFIG_EMBEDDED = `SERVER=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
kubectl --kubeconfig=/root/jane.kubeconfig config set-cluster cks --server="$SERVER" --certificate-authority=/etc/kubernetes/pki/ca.crt --embed-certs=true >/dev/null
kubectl --kubeconfig=/root/jane.kubeconfig config set-credentials jane --client-certificate=/root/jane.crt --client-key=/root/jane.key --embed-certs=true >/dev/null
kubectl --kubeconfig=/root/jane.kubeconfig config set-context jane@cks --cluster=cks --user=jane >/dev/null
kubectl --kubeconfig=/root/jane.kubeconfig config use-context jane@cks >/dev/null`;
const BIND = (ns = 'dev', role = '--clusterrole=view') => `kubectl -n ${ns} create rolebinding jane-view ${role} --user=jane >/dev/null`;
const ALL = [KEY(), CSR(), APPROVE, FETCH, KUBECONFIG_EMBEDDED, BIND()];

describe('scenario rbac-user-csr on the fakes', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-csr', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
  });

  it('is proven with other parameters (user omar in group auditors, namespace staging)', async () => {
    const other = applyParams(catalog.require('rbac-user-csr'), resolveParams(catalog.require('rbac-user-csr'), { user: 'omar', group: 'auditors', namespace: 'staging' }));
    const proof = await proveScenario(other, lab, 'cks-proof-csr-params', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-csr-mistakes';
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** Back to the state setup leaves (it also removes jane's CSR, bindings and files), then the learner's steps. */
    async function attempt(steps: string[], cleanup = ''): Promise<GradeResult> {
      await runNodeScript(world.provider, cluster, scenario.setupScript, 60_000, scriptEnv(scenario));
      const script = `set -e
kubectl delete clusterrolebinding jane-view --ignore-not-found >/dev/null
kubectl -n dev delete role jane-reader --ignore-not-found >/dev/null
${cleanup}
${steps.join('\n')}
`;
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: KUBECONFIG });
      assert.equal(out.exitCode, 0, out.stderr);
      return grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
    }

    it('a CSR submitted but never approved: no certificate, so no identity — the RBAC task alone passes', async () => {
      const r = await attempt([KEY(), CSR(), FETCH, KUBECONFIG_EMBEDDED, BIND()]);
      assert.deepEqual(failed(r), ['csr-issued', 'kubeconfig-access', 'user-kubeconfig']);
      assert.match(checkIn(r, 'csr-issued', 'csr-approved').actual, /conditions/);
      assert.match(checkIn(r, 'csr-issued', 'certificate-subject').actual, /no certificate issued yet/);
    });

    it('the kubelet-serving signer: approved, but the signer refuses it (Failed, no certificate); the legacy signer is rejected at create', async () => {
      const r = await attempt([KEY(), CSR('kubernetes.io/kubelet-serving', '["digital signature", "key encipherment", "server auth"]'), APPROVE, FETCH, KUBECONFIG_EMBEDDED, BIND()]);
      assert.deepEqual(failed(r), ['csr-issued', 'kubeconfig-access', 'user-kubeconfig']);
      assert.match(checkIn(r, 'csr-issued', 'csr-approved').actual, /kubelet-serving/);
      const why = await world.provider.nodeExec(cluster, ['kubectl', 'get', 'csr', 'jane', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].message}'], { env: KUBECONFIG });
      assert.equal(why.stdout, 'subject organization is not system:nodes');

      await runNodeScript(world.provider, cluster, scenario.setupScript, 60_000, scriptEnv(scenario));
      const legacy = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: `${KEY()}\n${CSR('kubernetes.io/legacy-unknown')}\n`, env: KUBECONFIG });
      assert.equal(legacy.exitCode, 1);
      assert.match(legacy.stderr, /spec\.signerName: Invalid value: "kubernetes\.io\/legacy-unknown": the legacy signerName is not allowed via this API version/);
    });

    it('the RoleBinding in the wrong namespace fails only the access tasks', async () => {
      const r = await attempt([KEY(), CSR(), APPROVE, FETCH, KUBECONFIG_EMBEDDED, BIND('default')], 'kubectl -n default delete rolebinding jane-view --ignore-not-found >/dev/null');
      assert.deepEqual(failed(r), ['kubeconfig-access', 'view-only-rbac']);
      assert.match(checkIn(r, 'view-only-rbac', 'may-read').actual, /list pods in dev: no/);
      assert.match(checkIn(r, 'kubeconfig-access', 'can-i-with-kubeconfig').actual, /list pods -n dev: no/);
    });

    it('edit instead of view: jane could create and delete — the access tasks fail, naming the binding', async () => {
      const r = await attempt([KEY(), CSR(), APPROVE, FETCH, KUBECONFIG_EMBEDDED, BIND('dev', '--clusterrole=edit')]);
      assert.deepEqual(failed(r), ['kubeconfig-access', 'view-only-rbac']);
      assert.match(checkIn(r, 'view-only-rbac', 'may-not-change').actual, /create pods in dev: yes \(RBAC: allowed by RoleBinding "[^"]*jane-view[^"]*" of ClusterRole "edit"/);
      assert.match(checkIn(r, 'kubeconfig-access', 'can-i-with-kubeconfig').actual, /create pods -n dev: yes/);
    });

    it('a key made for "Jane": the certificate says Jane, who is not the user bound — the RBAC task alone passes', async () => {
      const r = await attempt([KEY('/CN=Jane/O=dev-readers'), CSR(), APPROVE, FETCH, KUBECONFIG_EMBEDDED, BIND()]);
      assert.deepEqual(failed(r), ['csr-issued', 'kubeconfig-access', 'user-kubeconfig']);
      assert.match(checkIn(r, 'user-kubeconfig', 'whoami').actual, /username=Jane /);
      assert.match(checkIn(r, 'kubeconfig-access', 'can-i-with-kubeconfig').actual, /list pods -n dev: no/);
    });

    it("a kubeconfig with the admin's token impersonating jane says jane in whoami, but holds no issued certificate", async () => {
      const impersonating = `cat > /root/jane.kubeconfig <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kind
  cluster:
    certificate-authority-data: $(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
    server: $(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
users:
- name: admin-as-jane
  user:
    token: $(kubectl config view --raw -o jsonpath='{.users[0].user.token}')
    as: jane
    as-groups: [dev-readers]
contexts:
- name: jane
  context: { cluster: kind, user: admin-as-jane }
current-context: jane
YAML`;
      const r = await attempt([KEY(), CSR(), APPROVE, FETCH, impersonating, BIND()]);
      assert.deepEqual(failed(r), ['user-kubeconfig']);
      assert.equal(checkIn(r, 'user-kubeconfig', 'whoami').status, 'pass');
      assert.match(checkIn(r, 'user-kubeconfig', 'issued-certificate').actual, /kubeconfig client certificate: none/);
    });

    it('a Role with get/list/watch bound to the group, a CSR applied without expiry and more usages, a kubeconfig with file paths and the CA from admin.conf: passes', async () => {
      const role = `kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: jane-reader, namespace: dev }
rules:
  - { apiGroups: [""], resources: [pods], verbs: [watch, list, get] }
  - { apiGroups: [apps], resources: [deployments], verbs: [get, list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: dev-readers, namespace: dev }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: jane-reader }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: dev-readers }]
YAML`;
      const filePaths = `kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > /root/cluster-ca.crt
cat > /root/jane.kubeconfig <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kind
  cluster:
    certificate-authority: /root/cluster-ca.crt
    server: $(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
users:
- name: jane
  user:
    client-key: jane.key
    client-certificate: jane.crt
contexts:
- name: jane
  context: { cluster: kind, user: jane, namespace: dev }
current-context: jane
YAML`;
      const r = await attempt([KEY('/O=dev-readers/CN=jane'), CSR('kubernetes.io/kube-apiserver-client', '["digital signature", "key encipherment", "client auth"]', '', 'apply'), APPROVE, FETCH, filePaths, role], 'kubectl -n dev delete rolebinding dev-readers --ignore-not-found >/dev/null');
      assert.deepEqual(failed(r), []);
    });

    it('the reference solution is idempotent: run twice, every task still passes', async () => {
      await runNodeScript(world.provider, cluster, scenario.setupScript, 60_000, scriptEnv(scenario));
      for (let i = 0; i < 2; i++) await runNodeScript(world.provider, cluster, scenario.solutionScript, 120_000, scriptEnv(scenario));
      const r = await grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
      assert.deepEqual(failed(r), []);
    });

    it('the reference steps as a learner types them pass, and jane really is refused what she may not do', async () => {
      const r = await attempt(ALL);
      assert.deepEqual(failed(r), []);
      const asJane = (...args: string[]) => world.provider.nodeExec(cluster, ['kubectl', '--kubeconfig=/root/jane.kubeconfig', ...args]);
      assert.equal((await asJane('get', 'configmaps', '-n', 'dev')).exitCode, 0);
      const secrets = await asJane('get', 'secrets', '-n', 'dev');
      assert.equal(secrets.exitCode, 1);
      assert.match(secrets.stderr, /secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "dev"/);
    });
  });
});
