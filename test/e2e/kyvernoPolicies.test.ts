/**
 * kyverno-policies proven on the fakes, on one cluster of the `kyverno` lab (whose bootstrap
 * installs Kyverno from the manifest its image carries and proves it): the fake Kyverno
 * (test/fakes/kube-apiserver/kyverno/) answers the API server's admission webhook calls and
 * generates objects while its pods run. Graded by effect: a probe namespace gets the NetworkPolicy
 * and gets it back after a deletion; server-side dry-runs of Pods and Deployments are refused with
 * Kyverno's message or admitted. Each way learners get it wrong fails exactly the task it breaks,
 * and a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('kyverno-policies');
// inspectLabs: only this file's lab must be valid (another lab being written must not sink it).
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('kyverno')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const CLUSTER = 'cks-kyverno';

/** A validate rule over Pods with this pattern's `spec` (YAML, indented for the rule). */
const PATTERN_RULE = (name: string, action: string, spec: string): string => `
    - name: ${name}
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: ${action}
        message: "pinned images only"
        pattern:
          spec:
${spec}`;

const ALL_LISTS = (image: string): string => `            containers:
              - image: "${image}"
            =(initContainers):
              - image: "${image}"`;

/** The validate ClusterPolicy with these rules. */
const LATEST_POLICY = (rules: string, kind = 'ClusterPolicy', namespace = ''): string => `apiVersion: kyverno.io/v1
kind: ${kind}
metadata:
  name: disallow-latest-tag${namespace ? `\n  namespace: ${namespace}` : ''}
spec:
  rules:${rules}`;

const RIGHT_RULES = PATTERN_RULE('require-image-tag', 'Enforce', ALL_LISTS('*:*')) + PATTERN_RULE('validate-image-tag', 'Enforce', ALL_LISTS('!*:latest'));

/** The generate ClusterPolicy (synchronize as given). */
const GENERATE_POLICY = (synchronize: boolean): string => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: default-deny-networkpolicy
spec:
  rules:
    - name: generate-default-deny
      match:
        any:
          - resources:
              kinds: [Namespace]
      generate:
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        name: default-deny
        namespace: "{{request.object.metadata.name}}"
        synchronize: ${synchronize}
        data:
          spec:
            podSelector: {}
            policyTypes: [Ingress, Egress]`;

describe('scenario kyverno-policies on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());
  const { grade, run, setup, solve } = onCluster(world, scenario, CLUSTER, { grader, env: KUBECONFIG });
  /** Replaces every Kyverno policy by these manifests and waits until Kyverno reports them Ready. */
  const policies = async (...docs: string[]): Promise<void> => {
    await run(`set -e
kubectl delete clusterpolicy --all >/dev/null
kubectl delete policy --all -A >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
${docs.join('\n---\n')}
YAML
kubectl wait clusterpolicy --all --for=condition=Ready --timeout=30s >/dev/null
if kubectl get policy -A -o name | grep -q .; then kubectl wait policy --all -A --for=condition=Ready --timeout=30s >/dev/null; fi
`);
  };

  before(async () => {
    await world.provider.create(CLUSTER, lab, () => undefined);
  });

  it('is proven on the cluster: every task fails after setup, every task passes after the reference solution', async () => {
    await setup();
    const afterSetup = await grade();
    assert.deepEqual(failed(afterSetup), ['default-deny-generated', 'latest-refused']);
    assert.match(check(afterSetup, 'default-deny-generated', 'netpol-in-new-namespace').actual, /no NetworkPolicy default-deny in the new namespace/);
    assert.match(check(afterSetup, 'latest-refused', 'latest-pod-refused').actual, /admitted/);
    await solve();
    const afterSolution = await grade();
    assert.deepEqual(failed(afterSolution), [], JSON.stringify(afterSolution.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 2));
    assert.match(
      check(afterSolution, 'latest-refused', 'latest-pod-refused').actual,
      // The grader shows the message's line breaks as ⏎.
      /admission webhook "validate\.kyverno\.svc-fail" denied the request: {2}⏎ {2}⏎ resource Pod\/team-a\/cks-kyverno-probe-[a-z0-9]+ was blocked due to the following policies {2}⏎ {2}⏎ disallow-latest-tag: ⏎ {3}validate-image-tag: 'validation error: Using a mutable image tag e\.g\. ''latest'' ⏎ {5}is not allowed\. rule validate-image-tag failed at path \/spec\/containers\/0\/image\/'/,
    );
    assert.match(check(afterSolution, 'latest-refused', 'latest-deployment-refused').actual, /autogen-validate-image-tag: .*failed at path \/spec\/template\/spec\/containers\/0\/image\//s);
  });

  it('Audit instead of Enforce only reports: the refusal task fails, generation still passes', async () => {
    await policies(LATEST_POLICY(PATTERN_RULE('require-image-tag', 'Audit', ALL_LISTS('*:*')) + PATTERN_RULE('validate-image-tag', 'Audit', ALL_LISTS('!*:latest'))), GENERATE_POLICY(true));
    const r = await grade();
    assert.deepEqual(failed(r), ['latest-refused']);
    assert.match(check(r, 'latest-refused', 'latest-pod-refused').actual, /admitted/);
  });

  it('a pattern on containers only lets a latest init container through', async () => {
    const containersOnly = (image: string): string => `            containers:
              - image: "${image}"`;
    await policies(LATEST_POLICY(PATTERN_RULE('require-image-tag', 'Enforce', containersOnly('*:*')) + PATTERN_RULE('validate-image-tag', 'Enforce', containersOnly('!*:latest'))), GENERATE_POLICY(true));
    const r = await grade();
    assert.deepEqual(failed(r), ['latest-refused']);
    assert.equal(check(r, 'latest-refused', 'latest-init-refused').status, 'fail');
    assert.equal(check(r, 'latest-refused', 'latest-pod-refused').status, 'pass');
  });

  it('initContainers in the pattern without the =() anchor refuses every Pod that has none: pinned Pods fail', async () => {
    const plain = (image: string): string => `            containers:
              - image: "${image}"
            initContainers:
              - image: "${image}"`;
    await policies(LATEST_POLICY(PATTERN_RULE('validate-image-tag', 'Enforce', plain('!*:latest'))), GENERATE_POLICY(true));
    const r = await grade();
    assert.deepEqual(failed(r), ['latest-refused']);
    assert.equal(check(r, 'latest-refused', 'digest-pod-admitted').status, 'fail');
    assert.match(check(r, 'latest-refused', 'digest-pod-admitted').actual, /failed at path \/spec\/initContainers\//);
  });

  it('a namespaced Policy in team-a leaves other namespaces open', async () => {
    await policies(LATEST_POLICY(RIGHT_RULES, 'Policy', 'team-a'), GENERATE_POLICY(true));
    const r = await grade();
    assert.deepEqual(failed(r), ['latest-refused']);
    assert.equal(check(r, 'latest-refused', 'latest-default-refused').status, 'fail');
    assert.equal(check(r, 'latest-refused', 'latest-pod-refused').status, 'pass');
  });

  it('generate without synchronize: the NetworkPolicy appears, but a deleted one stays gone', async () => {
    await policies(LATEST_POLICY(RIGHT_RULES), GENERATE_POLICY(false));
    const r = await grade();
    assert.deepEqual(failed(r), ['default-deny-generated']);
    assert.equal(check(r, 'default-deny-generated', 'netpol-in-new-namespace').status, 'pass');
    assert.match(check(r, 'default-deny-generated', 'netpol-restored').actual, /deleted in cks-probe-kyverno-[0-9a-f]+ did not come b/);
  });

  it('a right answer written differently passes: deny conditions over the images variable, the deprecated spec-level failure action, a legacy match block, policyTypes listed Egress first', async () => {
    const deny = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-latest
spec:
  validationFailureAction: Enforce
  rules:
    - name: deny-latest
      match:
        resources:
          kinds: [Pod]
      validate:
        message: "image {{ request.object.metadata.name }} uses latest"
        deny:
          conditions:
            any:
              - key: "{{ images.containers.*.tag }}"
                operator: AnyIn
                value: [latest]
              - key: "{{ images.initContainers.*.tag || \`[]\` }}"
                operator: AnyIn
                value: [latest]`;
    await policies(deny, GENERATE_POLICY(true).replace('policyTypes: [Ingress, Egress]', 'policyTypes: [Egress, Ingress]'));
    const r = await grade();
    assert.deepEqual(failed(r), [], JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 2));
  });
});
