/**
 * apiserver-access proven on the fakes: anonymous access graded by the answer a stranger gets
 * (401), authorization by the API server's own SubjectAccessReviews, NodeRestriction by the
 * kubelet's own credentials trying to label its Node — through real restarts of the simulated
 * kube-apiserver static pod. The ways people get it wrong fail the task they break.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('apiserver-access');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


/** The manifest as setup left it, edited with `sedExpr`; waits for the new container (or, unhealthy, its crash). */
const editFlags = (sedExpr: string, expectHealthy = true) => `set -e
M=/etc/kubernetes/manifests/kube-apiserver.yaml
sed -E '${sedExpr}' /root/kube-apiserver.yaml.setup > /root/edit.new
if cmp -s /root/edit.new $M; then exit 0; fi
OLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
cat /root/edit.new > $M
${expectHealthy ? `for i in $(seq 1 60); do
  NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
  if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
exit 1` : `sleep 4
[ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ]`}
`;

/**
 * Right flags written the classic way: --anonymous-auth=false (the reference solution uses an
 * AuthenticationConfiguration instead, which keeps the kubelet's unauthenticated probes of /livez
 * and /readyz working on a real node; the fakes do not simulate those probes).
 */
const ANON_OFF = 's/^    - --anonymous-auth=true$/    - --anonymous-auth=false/';
const NODE_RBAC = 's/^(    - --authorization-mode=).*$/\\1Node,RBAC/';
const PLUGINS = 's/^(    - --enable-admission-plugins=.*)$/\\1,NodeRestriction/';
const CLUSTER_IP = "kubectl -n default patch service kubernetes -p '{\"spec\":{\"type\":\"ClusterIP\"}}' >/dev/null\n";
const NODE_PORT = "kubectl -n default patch service kubernetes -p '{\"spec\":{\"type\":\"NodePort\"}}' >/dev/null\n";

describe('scenario apiserver-access on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-apiacc', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const before = check(proof.afterSetup!, 'anonymous-rejected', 'unauthenticated-401');
    assert.match(before.actual, /HTTP 200 .*NamespaceLis/s, `found shows what a stranger got: ${before.actual}`);
    assert.match(check(proof.afterSetup!, 'authorization-mode', 'nobody-may-everything').actual, /list secrets \(cluster-wide\): yes/);
    assert.match(check(proof.afterSetup!, 'node-restriction', 'kubelet-label-refused').actual, /^output "allowed: the kubelet labelled its Node/);
    assert.match(check(proof.afterSolution!, 'node-restriction', 'kubelet-label-refused').actual, /refused: is not allowed to modify labels: node-restriction\.kubernetes\.io\/cks-pr/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-apiacc-mistakes';
    const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
      await run('cp /etc/kubernetes/manifests/kube-apiserver.yaml /root/kube-apiserver.yaml.setup');
    });

    it('AlwaysAllow removed but anonymous auth left on (with its read binding): a stranger still reads Namespaces — only the anonymous task fails', async () => {
      await run(CLUSTER_IP);
      await run(editFlags(`${NODE_RBAC};${PLUGINS}`));
      const r = await grade();
      assert.deepEqual(failed(r), ['anonymous-rejected']);
      assert.match(check(r, 'anonymous-rejected', 'unauthenticated-401').actual, /HTTP 200 /);
    });

    it('the anonymous binding deleted instead of turning anonymous auth off: 403 is not 401 — the anonymous task still fails', async () => {
      await run('kubectl delete clusterrolebinding debug-anonymous-read >/dev/null\n');
      const r = await grade();
      assert.deepEqual(failed(r), ['anonymous-rejected']);
      assert.match(check(r, 'anonymous-rejected', 'unauthenticated-401').actual, /HTTP 403 /);
      await run(`kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: debug-anonymous-read }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: debug-read-all }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:anonymous }]
YAML
`);
    });

    it('--anonymous-auth=false but AlwaysAllow kept: only the authorization task fails, and the found names the yes', async () => {
      await run(editFlags(`${ANON_OFF};${PLUGINS}`));
      const r = await grade();
      assert.deepEqual(failed(r), ['authorization-mode']);
      assert.equal(check(r, 'authorization-mode', 'mode-flag').status, 'fail');
      assert.match(check(r, 'authorization-mode', 'nobody-may-everything').actual, /delete namespaces \(cluster-wide\): yes/);
    });

    it('Node dropped (--authorization-mode=RBAC): kubelets lose their Node access — authorization fails, and so does the label probe (403 from RBAC, not NodeRestriction)', async () => {
      await run(editFlags(`${ANON_OFF};s/^(    - --authorization-mode=).*$/\\1RBAC/;${PLUGINS}`));
      const r = await grade();
      assert.deepEqual(failed(r), ['authorization-mode', 'node-restriction']);
      assert.match(check(r, 'authorization-mode', 'nobody-may-everything').actual, /get nodes \(cluster-wide\): no/);
      assert.match(check(r, 'node-restriction', 'kubelet-label-refused').actual, /refused: User .*system:node:/);
    });

    it('NodeRestriction left out: the kubelet sets the label — only the NodeRestriction task fails', async () => {
      await run(editFlags(`${ANON_OFF};${NODE_RBAC}`));
      const r = await grade();
      assert.deepEqual(failed(r), ['node-restriction']);
      assert.equal(check(r, 'node-restriction', 'plugin-flag').status, 'fail');
      assert.match(check(r, 'node-restriction', 'kubelet-label-refused').actual, /allowed: the kubelet labelled its Node/);
    });

    it('a misspelt flag (--anonymus-auth=false) makes kube-apiserver exit at start: API checks are errors that name it, never a silent pass', async () => {
      await run(editFlags(`${ANON_OFF};${NODE_RBAC};${PLUGINS};s/^(    - --enable-admission-plugins=.*)$/\\1\\n    - --anonymus-auth=false/`, false));
      const r = await grade();
      assert.ok(failed(r).includes('anonymous-rejected'));
      const ready = check(r, 'anonymous-rejected', 'apiserver-ready');
      assert.notEqual(ready.status, 'pass');
      const svc = check(r, 'service-clusterip', 'kubernetes-service-type');
      assert.equal(svc.status, 'error');
      assert.match(`${svc.message} ${svc.actual}`, /unknown flag: --anonymus-auth/);
    });

    it('the Service left as a NodePort: only the Service task fails', async () => {
      await run(editFlags(`${ANON_OFF};${NODE_RBAC};${PLUGINS}`));
      await run(NODE_PORT);
      const r = await grade();
      assert.deepEqual(failed(r), ['service-clusterip']);
      assert.match(check(r, 'service-clusterip', 'kubernetes-service-type').actual, /NodePort/);
    });

    it('--anonymous-auth left in the manifest next to an AuthenticationConfiguration with an anonymous section: kube-apiserver refuses to start, naming the conflict', async () => {
      await run(`set -e
mkdir -p /etc/kubernetes/authn
printf 'apiVersion: apiserver.config.k8s.io/v1\\nkind: AuthenticationConfiguration\\nanonymous:\\n  enabled: true\\n  conditions:\\n  - path: /livez\\n  - path: /readyz\\n' > /etc/kubernetes/authn/config.yaml
`);
      await run(editFlags(`${ANON_OFF};${NODE_RBAC};${PLUGINS};s|^(    - kube-apiserver)$|\\1\\n    - --authentication-config=/etc/kubernetes/authn/config.yaml|;s|^(    volumeMounts:)$|\\1\\n    - mountPath: /etc/kubernetes/authn\\n      name: authn|;s|^(  volumes:)$|\\1\\n  - hostPath:\\n      path: /etc/kubernetes/authn\\n    name: authn|`, false));
      const r = await grade();
      const svc = check(r, 'service-clusterip', 'kubernetes-service-type');
      assert.equal(svc.status, 'error');
      assert.match(`${svc.message} ${svc.actual}`, /--anonymous-auth flag cannot be set when anonymous field is configured/);
    });

    it('right answers written differently pass: the plugin list replaced by NodeRestriction alone (the others are on by default), the Service deleted (kube-apiserver recreates it as ClusterIP)', async () => {
      await run(editFlags(`${ANON_OFF};${NODE_RBAC};s/^(    - --enable-admission-plugins=).*$/\\1NodeRestriction/`));
      await run('kubectl -n default delete service kubernetes >/dev/null\nfor i in $(seq 1 40); do kubectl -n default get service kubernetes >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1\n');
      assert.deepEqual(failed(await grade()), []);
    });

    it('the reference solution (run twice) leaves /livez and /readyz open to the kubelet\'s unauthenticated probes, and everything else 401', async () => {
      await solve();
      await solve();
      const out = await world.provider.nodeExec(cluster, ['sh', '-c', `S=$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}'); for p in /livez /readyz /healthz /api/v1/namespaces /version; do printf '%s %s\\n' "$p" "$(curl -sk -o /dev/null -w '%{http_code}' "$S$p")"; done`], { env: KUBECONFIG });
      assert.equal(out.stdout, '/livez 200\n/readyz 200\n/healthz 200\n/api/v1/namespaces 401\n/version 401\n');
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
