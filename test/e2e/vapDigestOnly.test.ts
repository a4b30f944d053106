/**
 * vap-digest-only proven on the fakes: a ValidatingAdmissionPolicy graded by what kube-apiserver
 * answers (server-side dry-runs: tags refused in prod, digests admitted, dev untouched, a Pod from
 * the shop Deployment's template admitted); the ways people get it wrong fail the task they break.
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
const scenario = catalog.require('vap-digest-only');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const DIGEST = 'sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a';
const CONTAINERS = "object.spec.containers.all(c, c.image.contains('@sha256:'))";
const INIT = "!has(object.spec.initContainers) || object.spec.initContainers.all(c, c.image.contains('@sha256:'))";
const PROD = 'namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: prod } }';

/** Policy (validations as given), binding (or none), shop's image: the cluster state to grade. */
function state(opts: { validations: string[]; binding?: { actions: string; match?: string }; shopImage: string }): string {
  const validations = opts.validations.map((e) => `  - expression: ${JSON.stringify(e)}`).join('\n');
  const binding = opts.binding
    ? `---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: digest-only-prod }
spec:
  policyName: digest-only
  validationActions: ${opts.binding.actions}
${opts.binding.match ? `  matchResources: { ${opts.binding.match} }` : ''}`
    : '';
  return `set -e
kubectl delete validatingadmissionpolicybinding --all >/dev/null 2>&1 || true
kubectl delete validatingadmissionpolicy --all >/dev/null 2>&1 || true
kubectl -n prod set image deployment/shop nginx=${opts.shopImage} >/dev/null
kubectl -n prod rollout status deployment/shop --timeout=30s >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: digest-only }
spec:
  matchConstraints:
    resourceRules:
    - { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }
  validations:
${validations}
${binding}
YAML
`;
}

describe('scenario vap-digest-only on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-vap', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.match(check(proof.afterSolution!, 'tags-refused', 'tagged-container-refused').actual, /denied \(403\): pods "cks-vap-probe-[a-z0-9]+" is forbidden: ValidatingAdmissionPolicy 'digest-only' with binding 'digest-only-prod' denied request: containers must use/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-vap-mistakes';
    const { grade, run, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
    });

    it('a policy nobody bound does nothing: only the refusal task fails', async () => {
      await run(state({ validations: [CONTAINERS, INIT], shopImage: `nginx:1.27.3@${DIGEST}` }));
      const r = await grade();
      assert.deepEqual(failed(r), ['tags-refused']);
      assert.match(check(r, 'tags-refused', 'tagged-container-refused').actual, /admitted/);
    });

    it('reading initContainers without has(): every Pod without init containers errors and is refused, shop included', async () => {
      await run(state({ validations: [CONTAINERS, "object.spec.initContainers.all(c, c.image.contains('@sha256:'))"], binding: { actions: '[Deny]', match: PROD }, shopImage: `nginx:1.27.3@${DIGEST}` }));
      const r = await grade();
      assert.deepEqual(failed(r), ['digests-admitted', 'shop-pinned']);
      assert.match(check(r, 'digests-admitted', 'digest-admitted').actual, /resulted in error: no such key: initContainers/);
    });

    it('checking containers only lets a tagged init container through: only the refusal task fails', async () => {
      await run(state({ validations: [CONTAINERS], binding: { actions: '[Deny]', match: PROD }, shopImage: `nginx:1.27.3@${DIGEST}` }));
      const r = await grade();
      assert.deepEqual(failed(r), ['tags-refused']);
      assert.equal(check(r, 'tags-refused', 'tagged-container-refused').status, 'pass');
      assert.equal(check(r, 'tags-refused', 'tagged-init-refused').status, 'fail');
    });

    it('a binding without matchResources reaches every namespace: only the admitted task fails, on dev', async () => {
      await run(state({ validations: [CONTAINERS, INIT], binding: { actions: '[Deny]' }, shopImage: `nginx:1.27.3@${DIGEST}` }));
      const r = await grade();
      assert.deepEqual(failed(r), ['digests-admitted']);
      assert.equal(check(r, 'digests-admitted', 'dev-untouched').status, 'fail');
    });

    it('validationActions Warn only warns: only the refusal task fails', async () => {
      await run(state({ validations: [CONTAINERS, INIT], binding: { actions: '[Warn]', match: PROD }, shopImage: `nginx:1.27.3@${DIGEST}` }));
      assert.deepEqual(failed(await grade()), ['tags-refused']);
    });

    it('the policy right but shop left on its tag: only shop fails, its next Pod would be refused', async () => {
      await run(state({ validations: [CONTAINERS, INIT], binding: { actions: '[Deny]', match: PROD }, shopImage: 'nginx:1.27.3' }));
      const r = await grade();
      assert.deepEqual(failed(r), ['shop-pinned']);
      assert.match(check(r, 'shop-pinned', 'shop-template-admitted').actual, /forbidden: ValidatingAdmissionPolicy 'digest-only'/);
    });

    it('one expression over both lists with matches(), a matchExpressions binding, shop pinned without the tag: passes', async () => {
      const combined = "(has(object.spec.initContainers) ? object.spec.initContainers : []).all(c, c.image.matches('@sha256:[a-f0-9]{64}$')) && object.spec.containers.all(c, c.image.matches('@sha256:[a-f0-9]{64}$'))";
      await run(state({ validations: [combined], binding: { actions: '[Deny, Audit]', match: 'namespaceSelector: { matchExpressions: [{ key: kubernetes.io/metadata.name, operator: In, values: [prod] }] }' }, shopImage: `nginx@${DIGEST}` }));
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
