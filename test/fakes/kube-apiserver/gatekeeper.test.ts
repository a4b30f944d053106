import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { knownRego, regoValue } from './gatekeeper/rego.js';
import { constraintMatches, globMatches } from './gatekeeper/match.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const LIB = 'labs/gatekeeper/image/gatekeeper-library/general/allowedrepos';
const MANIFEST = 'labs/gatekeeper/image/gatekeeper.yaml';

const CONSTRAINT = (repos: string, extra = '') => `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: { name: repo-is-openpolicyagent }
spec:
${extra}  match:
    kinds: [{ apiGroups: [""], kinds: [Pod] }]
    namespaces: [default]
  parameters:
    repos: ${repos}
`;

const POD = (name: string, image: string, init?: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
${init ? `  initContainers: [{ name: init, image: "${init}" }]\n` : ''}  containers: [{ name: app, image: "${image}" }]
`;

describe('fake Gatekeeper', function () {
  this.timeout(120_000);
  let t: Started;
  const k = (args: string[], stdin?: string) => kubectl(t.kubeconfigFile, args, stdin);

  it('recognises the vendored gatekeeper-library k8sallowedrepos Rego and formats like OPA', () => {
    const tpl = YAML.parse(readFileSync(`${LIB}/template.yaml`, 'utf8'));
    const known = knownRego(tpl.spec.targets[0].rego);
    assert.equal(known?.name, 'gatekeeper-library k8sallowedrepos 1.0.2');
    assert.equal(knownRego(tpl.spec.targets[0].rego.replace('containers[_]', 'containers[i]')), undefined);
    assert.equal(regoValue(['openpolicyagent/', 'a']), '["openpolicyagent/", "a"]');
    const msgs = known!.run({ review: { object: { spec: { containers: [{ name: 'nginx', image: 'nginx' }], initContainers: [{ name: 'i', image: 'docker.io.evil.com/x' }] } }, kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE' }, parameters: { repos: ['docker.io'] } });
    assert.deepEqual(msgs, ['container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io"]']);
    assert.ok(globMatches('kube-*', 'kube-system') && globMatches('*-system', 'gatekeeper-system') && globMatches('*sys*', 'kube-system') && !globMatches('kube-*', 'default'));
  });

  it('matches constraints as Gatekeeper does: kinds, namespaces, excludedNamespaces, selectors, scope', () => {
    const pod = (ns: string, labels: Record<string, string> = {}) => ({ group: '', kind: 'Pod', object: { metadata: { name: 'p', namespace: ns, labels } }, namespaceLabels: { team: ns === 'shop' ? 'a' : 'b' } });
    const kinds = [{ apiGroups: [''], kinds: ['Pod'] }];
    assert.ok(constraintMatches({ kinds }, pod('shop')));
    assert.ok(!constraintMatches({ kinds: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] }, pod('shop')));
    assert.ok(constraintMatches({ kinds: [{ apiGroups: ['*'], kinds: [] }] }, pod('shop')));
    assert.ok(!constraintMatches({ kinds, excludedNamespaces: ['sh*'] }, pod('shop')));
    assert.ok(constraintMatches({ kinds, namespaces: ['*op'] }, pod('shop')) && !constraintMatches({ kinds, namespaces: ['dev'] }, pod('shop')));
    assert.ok(constraintMatches({ labelSelector: { matchLabels: { app: 'web' } } }, pod('shop', { app: 'web' })) && !constraintMatches({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }, pod('shop')));
    assert.ok(constraintMatches({ namespaceSelector: { matchLabels: { team: 'a' } } }, pod('shop')) && !constraintMatches({ namespaceSelector: { matchLabels: { team: 'a' } } }, pod('dev')));
    assert.ok(!constraintMatches({ scope: 'Cluster' }, pod('shop')) && constraintMatches({ scope: 'Namespaced' }, pod('shop')));
    const ns = { group: '', kind: 'Namespace', object: { metadata: { name: 'shop', labels: { team: 'a' } } }, namespaceLabels: undefined };
    assert.ok(constraintMatches({ namespaces: ['shop'], namespaceSelector: { matchLabels: { team: 'a' } }, scope: 'Cluster' }, ns));
  });

  describe('in a fake cluster with the release manifest', () => {
    before(async () => {
      t = await startTestServer();
      const r = await k(['apply', '-f', MANIFEST]);
      assert.equal(r.code, 0, r.stderr);
      for (const d of ['gatekeeper-controller-manager', 'gatekeeper-audit']) {
        const w = await k(['-n', 'gatekeeper-system', 'rollout', 'status', `deployment/${d}`, '--timeout=90s']);
        assert.equal(w.code, 0, w.stderr + w.stdout);
      }
      await waitFor(async () => (await k(['get', 'validatingwebhookconfiguration', 'gatekeeper-validating-webhook-configuration', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}'])).stdout.length > 100, 20_000, 'caBundle injected');
    });
    after(async () => t?.dispose());

    it('creates the constraint CRD from a recognised template and marks it created', async () => {
      assert.equal((await k(['apply', '-f', `${LIB}/template.yaml`])).code, 0);
      await waitFor(async () => (await k(['get', 'constrainttemplate', 'k8sallowedrepos', '-o', 'jsonpath={.status.created}'])).stdout === 'true', 20_000, 'template created');
      await waitFor(async () => (await k(['get', 'crd', 'k8sallowedrepos.constraints.gatekeeper.sh'])).code === 0, 20_000, 'constraint CRD');
    });

    it('refuses a constraint whose parameters break the template schema (the API server\'s 422)', async () => {
      const r = await k(['apply', '-f', '-'], CONSTRAINT('"openpolicyagent/"'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /spec\.parameters\.repos: Invalid value: "string": spec\.parameters\.repos in body must be of type array: "string"/);
    });

    it('denies a disallowed image with Gatekeeper\'s message (dry run too) and admits an allowed one', async () => {
      assert.equal((await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]'))).code, 0);
      await waitFor(async () => (await k(['get', 'k8sallowedrepos', 'repo-is-openpolicyagent', '-o', 'jsonpath={.status.byPod[0].enforced}'])).stdout === 'true', 20_000, 'constraint enforced');
      const r = await k(['create', '--dry-run=server', '-f', '-'], POD('nginx', 'nginx', 'busybox'));
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error from server (Forbidden): error when creating "STDIN": admission webhook "validation.gatekeeper.sh" denied the request: [repo-is-openpolicyagent] container <app> has an invalid image repo <nginx>, allowed repos are ["openpolicyagent/"]\n[repo-is-openpolicyagent] initContainer <init> has an invalid image repo <busybox>, allowed repos are ["openpolicyagent/"]');
      const ok = await k(['create', '--dry-run=server', '-f', '-'], POD('opa', 'openpolicyagent/opa:0.9.2'));
      assert.equal(ok.code, 0, ok.stderr);
      const other = await k(['create', '--dry-run=server', '-n', 'kube-public', '-f', '-'], POD('nginx', 'nginx').replace('namespace: default', 'namespace: kube-public'));
      assert.equal(other.code, 0, other.stderr);
    });

    it('warns instead with enforcementAction warn; dryrun admits silently', async () => {
      assert.equal((await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]', '  enforcementAction: warn\n'))).code, 0);
      const w = await k(['create', '--dry-run=server', '-f', '-'], POD('nginx', 'nginx'));
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stderr, /Warning: \[repo-is-openpolicyagent\] container <app> has an invalid image repo <nginx>/);
      assert.equal((await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]', '  enforcementAction: dryrun\n'))).code, 0);
      const d = await k(['create', '--dry-run=server', '-f', '-'], POD('nginx', 'nginx'));
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stderr, '');
      const bad = await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]', '  enforcementAction: block\n'));
      assert.match(bad.stderr, /admission webhook "validation\.gatekeeper\.sh" denied the request: unrecognized enforcementAction: "block" is not within the supported list \[deny dryrun warn scoped\]/);
    });

    it('audits existing objects into the constraint status', async () => {
      assert.equal((await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]'))).code, 0);
      // Created while the constraint did not exist (in dryrun mode above it admitted; here deny would refuse).
      assert.equal((await k(['delete', 'k8sallowedrepos', 'repo-is-openpolicyagent'])).code, 0);
      assert.equal((await k(['create', '-f', '-'], POD('legacy', 'nginx:1.27'))).code, 0);
      assert.equal((await k(['apply', '-f', '-'], CONSTRAINT('["openpolicyagent/"]'))).code, 0);
      const v = await waitFor(async () => {
        const o = JSON.parse((await k(['get', 'k8sallowedrepos', 'repo-is-openpolicyagent', '-o', 'json'])).stdout);
        return o.status?.totalViolations === 1 ? o.status.violations : undefined;
      }, 20_000, 'audit');
      assert.deepEqual(v, [{ group: '', version: 'v1', kind: 'Pod', name: 'legacy', namespace: 'default', message: 'container <app> has an invalid image repo <nginx:1.27>, allowed repos are ["openpolicyagent/"]', enforcementAction: 'deny' }]);
      const table = await k(['get', 'k8sallowedrepos']);
      assert.match(table.stdout, /NAME\s+ENFORCEMENT-ACTION\s+TOTAL-VIOLATIONS\s+AGE\nrepo-is-openpolicyagent\s+deny\s+1\s+/);
    });

    it('reports an unrecognised Rego in the template status and makes no CRD', async () => {
      const tpl = readFileSync(`${LIB}/template.yaml`, 'utf8').replace('name: k8sallowedrepos', 'name: k8scustom').replace('kind: K8sAllowedRepos', 'kind: K8sCustom').replace(/containers\[_\]/g, 'containers[i]');
      assert.equal((await k(['apply', '-f', '-'], tpl)).code, 0);
      await waitFor(async () => /not simulated/.test((await k(['get', 'constrainttemplate', 'k8scustom', '-o', 'jsonpath={.status.byPod[*].errors[*].message}'])).stdout), 20_000, 'ingest error');
      assert.equal((await k(['get', 'crd', 'k8scustom.constraints.gatekeeper.sh'])).code, 1);
    });

    it('deleting the template deletes its CRD and constraints', async () => {
      assert.equal((await k(['delete', 'constrainttemplate', 'k8sallowedrepos'])).code, 0);
      await waitFor(async () => (await k(['get', 'crd', 'k8sallowedrepos.constraints.gatekeeper.sh'])).code === 1, 20_000, 'CRD gone');
      const r = await k(['create', '--dry-run=server', '-f', '-'], POD('nginx', 'nginx'));
      assert.equal(r.code, 0, r.stderr);
    });
  });
});
