/**
 * metadata-protect proven on the fakes: egress to the node's metadata endpoint (a stand-in pod that
 * holds 169.254.169.254, routed to by the node) is graded by connections made from inside the pods,
 * so any set of policies with the right effect passes, and each way people get it wrong fails the
 * task it breaks — including "deny all egress", which blocks the endpoint but takes the api
 * Service and DNS with it.
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
const scenario = catalog.require('metadata-protect');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


const policy = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: apps }
spec:
${spec.replace(/^/gm, '  ')}`;

const DENY_METADATA = (podSelector = '{}') => policy('deny-metadata', `podSelector: ${podSelector}
policyTypes: [Egress]
egress:
  - to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [169.254.169.254/32] } }]`);
const ALLOW_ACCESSORS = policy('allow-metadata-accessors', `podSelector: { matchLabels: { role: metadata-accessor } }
policyTypes: [Egress]
egress:
  - to: [{ ipBlock: { cidr: 169.254.169.254/32 } }]
    ports: [{ protocol: TCP, port: 80 }]`);

describe('scenario metadata-protect on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-metadata', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-metadata-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await mistakes.setup();
    });

    /** Back to the state setup leaves (no policies, node-agent unlabelled), then the learner's manifests. */
    async function attempt(manifests: string[], label = true): Promise<GradeResult> {
      const script = `set -e
kubectl delete networkpolicy --all -n apps >/dev/null
kubectl -n apps label pod node-agent role- >/dev/null
${label ? 'kubectl -n apps label pod node-agent role=metadata-accessor >/dev/null' : ''}
${manifests.map((m, i) => `cat > /root/attempt-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/attempt-${i}.yaml >/dev/null`).join('\n')}
`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('the ipBlock written the wrong way round (an allow for 169.254.169.254 instead of an except) fails both tasks: the endpoint is the one thing left', async () => {
      const inverted = policy('deny-metadata', `podSelector: {}
policyTypes: [Egress]
egress:
  - to: [{ ipBlock: { cidr: 169.254.169.254/32 } }]`);
      const r = await attempt([inverted, ALLOW_ACCESSORS]);
      assert.deepEqual(failed(r), ['accessor-allowed', 'metadata-blocked']);
      assert.match(check(r, 'metadata-blocked', 'web-no-metadata').actual, /^apps\/web-\w+-\w+ → 169\.254\.169\.254:80: connected$/);
      assert.match(check(r, 'metadata-blocked', 'web-reaches-api').actual, /→ api:8080 \(10\.96\.\d+\.\d+\): timed out after 2 s$/);
      assert.equal(check(r, 'accessor-allowed', 'node-agent-reaches-metadata').status, 'pass');
    });

    it('a policy that selects only some of the other pods (role Exists + NotIn leaves the unlabelled web open) fails only the blocking task, on web', async () => {
      const someOnly = DENY_METADATA(`
  matchExpressions:
    - { key: role, operator: Exists }
    - { key: role, operator: NotIn, values: [metadata-accessor] }`);
      const r = await attempt([someOnly]);
      assert.deepEqual(failed(r), ['metadata-blocked']);
      assert.equal(check(r, 'metadata-blocked', 'web-no-metadata').status, 'fail');
      assert.equal(check(r, 'metadata-blocked', 'batch-no-metadata').status, 'pass');
      assert.match(check(r, 'metadata-blocked', 'batch-no-metadata').actual, /^apps\/batch → 169\.254\.169\.254:80: timed out after 2 s$/);
    });

    it('a policy for web alone leaves batch reading the metadata: only the blocking task fails', async () => {
      const r = await attempt([DENY_METADATA('{ matchLabels: { app: web } }')]);
      assert.deepEqual(failed(r), ['metadata-blocked']);
      assert.match(check(r, 'metadata-blocked', 'batch-no-metadata').actual, /: connected$/);
    });

    it('an allow-only policy for the accessors isolates them: without a broad egress rule selecting them too, node-agent keeps the endpoint and loses the rest', async () => {
      const r = await attempt([DENY_METADATA('{ matchLabels: { app: web } }'), ALLOW_ACCESSORS]);
      assert.deepEqual(failed(r), ['accessor-allowed', 'metadata-blocked']);
      assert.equal(check(r, 'accessor-allowed', 'node-agent-reaches-metadata').status, 'pass');
      assert.match(check(r, 'accessor-allowed', 'node-agent-reaches-api').actual, /timed out after 2 s$/);
    });

    it('denying all egress blocks the endpoint but takes the api Service and DNS too: both tasks fail', async () => {
      const denyAll = policy('deny-all-egress', 'podSelector: {}\npolicyTypes: [Egress]');
      const r = await attempt([denyAll, ALLOW_ACCESSORS]);
      assert.deepEqual(failed(r), ['accessor-allowed', 'metadata-blocked']);
      assert.equal(check(r, 'metadata-blocked', 'web-no-metadata').status, 'pass');
      assert.match(check(r, 'metadata-blocked', 'web-resolves').actual, /timed out: no DNS server could be reached$/);
      assert.equal(check(r, 'accessor-allowed', 'node-agent-reaches-metadata').status, 'pass');
      assert.equal(check(r, 'accessor-allowed', 'node-agent-reaches-api').status, 'fail');
    });

    it('the except for every pod and no allow for the accessors blocks node-agent too: only the accessor task fails', async () => {
      const r = await attempt([DENY_METADATA()]);
      assert.deepEqual(failed(r), ['accessor-allowed']);
      assert.match(check(r, 'accessor-allowed', 'node-agent-reaches-metadata').actual, /^apps\/node-agent → 169\.254\.169\.254:80: timed out after 2 s$/);
    });

    it('the right policies with node-agent left unlabelled fail only the accessor task, on the label and on the connection', async () => {
      const r = await attempt([DENY_METADATA(), ALLOW_ACCESSORS], false);
      assert.deepEqual(failed(r), ['accessor-allowed']);
      assert.equal(check(r, 'accessor-allowed', 'node-agent-labelled').status, 'fail');
      assert.equal(check(r, 'accessor-allowed', 'node-agent-reaches-metadata').status, 'fail');
    });

    it('policyTypes left out of an egress policy for every pod also isolates them for ingress: api stops answering, the blocking task fails', async () => {
      const noTypes = policy('deny-metadata', `podSelector: {}
egress:
  - to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [169.254.169.254/32] } }]`);
      const r = await attempt([noTypes, ALLOW_ACCESSORS]);
      assert.deepEqual(failed(r), ['accessor-allowed', 'metadata-blocked']);
      assert.match(check(r, 'metadata-blocked', 'web-reaches-api').actual, /timed out after 2 s$/);
      assert.equal(check(r, 'metadata-blocked', 'web-no-metadata').status, 'pass');
    });

    it('one policy for the pods NotIn role=metadata-accessor, DNS and api allowed by name, passes', async () => {
      const one = policy('metadata-guard', `podSelector:
  matchExpressions: [{ key: role, operator: NotIn, values: [metadata-accessor] }]
policyTypes: [Egress]
egress:
  - to: [{ podSelector: { matchLabels: { app: api } } }]
    ports: [{ port: 8080 }]
  - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } }]
    ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]`);
      const r = await attempt([one]);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });

    it('kubectl exec with busybox tools on the node agrees with the grader (learners check their work that way)', async () => {
      await attempt([DENY_METADATA(), ALLOW_ACCESSORS]);
      const exec = (...args: string[]) => world.provider.nodeExec(cluster, ['kubectl', '-n', 'apps', 'exec', ...args], { env: KUBECONFIG });
      const ok = await exec('node-agent', '--', 'wget', '-q', '-O-', '-T', '2', 'http://169.254.169.254/latest/meta-data/instance-id');
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.equal(ok.stdout, 'i-0c5lab0metadata\n');
      const blocked = await exec('batch', '--', 'wget', '-q', '-O-', '-T', '1', 'http://169.254.169.254/');
      assert.notEqual(blocked.exitCode, 0);
      assert.match(blocked.stderr, /wget: download timed out/);
    });
  });
});
