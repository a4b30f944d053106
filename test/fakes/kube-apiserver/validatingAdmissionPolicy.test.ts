import assert from 'node:assert/strict';
import { kubectl, startTestServer } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: digest-only }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["pods"]
  validations:
  - expression: "object.spec.containers.all(c, c.image.contains('@sha256:'))"
    message: "every container image must be pinned by digest (@sha256:...)"
  - expression: "object.spec.initContainers.all(c, c.image.contains('@sha256:'))"
`;

const BINDING = (actions: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: digest-only-prod }
spec:
  policyName: digest-only
  validationActions: ${actions}
  matchResources:
    namespaceSelector:
      matchLabels: { kubernetes.io/metadata.name: prod }
`;

const POD = (ns: string, image: string, init = '') => `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: ${ns} }
spec:
  containers: [{ name: web, image: "${image}" }]
${init}`;

const DIGEST = 'nginx@sha256:' + 'a'.repeat(64);

describe('fake kube-apiserver: ValidatingAdmissionPolicy', function () {
  this.timeout(60_000);
  let t: Started;
  const apply = (yaml: string, ...extra: string[]) => kubectl(t.kubeconfigFile, ['apply', ...extra, '-f', '-'], yaml);

  before(async () => {
    t = await startTestServer();
    for (const ns of ['prod', 'dev']) await kubectl(t.kubeconfigFile, ['create', 'namespace', ns]);
  });
  after(async () => t?.dispose());

  it('refuses a policy whose CEL does not compile, naming the field', async () => {
    const r = await apply(POLICY.replace("c.image.contains('@sha256:'))\"\n    message", "c.image.contains('@sha256:')\"\n    message"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spec\.validations\[0\]\.expression: Invalid value: .*compilation failed/);
    const binding = await apply(BINDING('[]'));
    assert.equal(binding.code, 1);
    assert.match(binding.stderr, /spec\.validationActions: Required value: at least one validation action is required/);
  });

  it('a policy without a binding does nothing; bound with Deny it refuses in the selected namespace only', async () => {
    assert.equal((await apply(POLICY)).code, 0);
    assert.equal((await apply(POD('prod', 'nginx:1.27'), '--dry-run=server')).code, 0, 'no binding yet');
    assert.equal((await apply(BINDING('[Deny]'))).code, 0);
    const denied = await apply(POD('prod', 'nginx:1.27'), '--dry-run=server');
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /pods "web" is forbidden: ValidatingAdmissionPolicy 'digest-only' with binding 'digest-only-prod' denied request: every container image must be pinned by digest \(@sha256:\.\.\.\)/);
    assert.equal((await apply(POD('dev', 'nginx:1.27'), '--dry-run=server')).code, 0, 'dev is not selected');
  });

  it('a pinned image passes; a missing field is a run-time error that denies under failurePolicy Fail', async () => {
    // The second validation reads object.spec.initContainers, which this Pod does not have.
    const r = await apply(POD('prod', DIGEST), '--dry-run=server');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /denied request: expression 'object\.spec\.initContainers\.all\(c, c\.image\.contains\('@sha256:'\)\)' resulted in error: no such key: initContainers/);
    const withInit = await apply(POD('prod', DIGEST, `  initContainers: [{ name: init, image: "busybox@sha256:${'b'.repeat(64)}" }]\n`), '--dry-run=server');
    assert.equal(withInit.code, 0, withInit.stderr);
    const failedExpr = await apply(POD('prod', DIGEST, '  initContainers: [{ name: init, image: "busybox:1.36" }]\n'), '--dry-run=server');
    assert.match(failedExpr.stderr, /denied request: failed expression: object\.spec\.initContainers\.all/);
  });

  it('Warn instead of Deny admits the Pod with a warning; reason Invalid answers 422', async () => {
    assert.equal((await apply(BINDING('[Warn]'))).code, 0);
    const warned = await apply(POD('prod', 'nginx:1.27'), '--dry-run=server');
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'digest-only' with binding 'digest-only-prod': every container image must be pinned/);
    await apply(BINDING('[Deny]'));
    await apply(POLICY.replace('    message: "every', '    reason: Invalid\n    message: "every'));
    const invalid = await apply(POD('prod', 'nginx:1.27'), '--dry-run=server');
    assert.match(invalid.stderr, /The Pod "web" is invalid: : ValidatingAdmissionPolicy 'digest-only' with binding 'digest-only-prod' denied request: every container/);
  });
});
