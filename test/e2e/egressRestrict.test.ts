/**
 * egress-restrict proven on the fakes: a namespace's egress is graded by connections made from
 * inside its pods — DNS over UDP (nslookup) and TCP (nc to kube-dns:53), the one allowed Service,
 * a Service next to it, a Service in another namespace, and a stand-in for a server outside the
 * cluster (203.0.113.10, held by a pod the node routes to, so it is reachable before any policy
 * and the "blocked" check cannot pass vacuously). Each common mistake fails the task it breaks.
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
const scenario = catalog.require('egress-restrict');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


const policy = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: checkout }
spec:
${spec.replace(/^/gm, '  ')}`;

const DNS_PEER = '{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } }';
const PAYMENTS_PEER = '{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: payments } }, podSelector: { matchLabels: { app: payments } } }';
const restrict = (opts: { types?: string; dnsTo?: string; dnsPorts?: string; paymentsTo?: string } = {}) => policy('restrict-egress', `podSelector: {}
policyTypes: ${opts.types ?? '[Egress]'}
egress:
  - to: [${opts.dnsTo ?? DNS_PEER}]
    ${opts.dnsPorts ?? 'ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]'}
  - to: [${opts.paymentsTo ?? PAYMENTS_PEER}]
    ports: [{ protocol: TCP, port: 8443 }]`);

describe('scenario egress-restrict on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-egress', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    const outside = proof.afterSetup!.tasks.find((t) => t.id === 'dns-and-no-outside')!.checks.find((c) => c.id === 'checkout-not-outside')!;
    assert.match(outside.actual, /→ 203\.0\.113\.10:80: connected$/, 'before any policy the outside stand-in answers: its check is not vacuous');
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-egress-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await mistakes.setup();
    });

    /** Back to the state setup leaves (no policies in checkout), then the learner's manifests. */
    async function attempt(manifests: string[]): Promise<GradeResult> {
      const script = `set -e
kubectl delete networkpolicy --all -n checkout >/dev/null
${manifests.map((m, i) => `cat > /root/attempt-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/attempt-${i}.yaml >/dev/null`).join('\n')}
`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('DNS allowed over UDP only fails only the DNS task, on TCP 53 (nslookup still resolves)', async () => {
      const r = await attempt([restrict({ dnsPorts: 'ports: [{ protocol: UDP, port: 53 }]' })]);
      assert.deepEqual(failed(r), ['dns-and-no-outside']);
      assert.equal(check(r, 'dns-and-no-outside', 'checkout-resolves').status, 'pass');
      assert.match(check(r, 'dns-and-no-outside', 'cron-dns-tcp').actual, /^checkout\/cron → kube-dns:53 \(10\.96\.0\.10\): timed out after 2 s$/);
    });

    it('a DNS rule to namespaceSelector {} without ports opens every pod of the cluster: only the in-cluster task fails', async () => {
      const r = await attempt([restrict({ dnsTo: '{ namespaceSelector: {} }', dnsPorts: '' })]);
      assert.deepEqual(failed(r), ['payments-only']);
      assert.match(check(r, 'payments-only', 'checkout-not-inventory').actual, /→ inventory:8080 \(10\.96\.\d+\.\d+\): connected$/);
      assert.equal(check(r, 'dns-and-no-outside', 'checkout-not-outside').status, 'pass', 'namespaceSelector matches pods, never an outside address');
    });

    it('policyTypes [Ingress] with the right egress rules isolates nothing for egress: both tasks fail', async () => {
      const r = await attempt([restrict({ types: '[Ingress]' })]);
      assert.deepEqual(failed(r), ['dns-and-no-outside', 'payments-only']);
      assert.match(check(r, 'dns-and-no-outside', 'cron-not-outside').actual, /^checkout\/cron → 203\.0\.113\.10:80: connected$/);
    });

    it('the whole payments namespace allowed (no podSelector) lets ledger through: only the in-cluster task fails, on ledger', async () => {
      const r = await attempt([restrict({ paymentsTo: '{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: payments } } }' })]);
      assert.deepEqual(failed(r), ['payments-only']);
      assert.equal(check(r, 'payments-only', 'checkout-not-ledger').status, 'fail');
      assert.equal(check(r, 'payments-only', 'checkout-not-inventory').status, 'pass');
    });

    it("an ipBlock with the payments Service's ClusterIP matches nothing (policies see the pod behind it): only the in-cluster task fails, payments times out", async () => {
      const ip = await world.provider.nodeExec(cluster, ['kubectl', '-n', 'payments', 'get', 'svc', 'payments', '-o', 'jsonpath={.spec.clusterIP}'], { env: KUBECONFIG });
      const r = await attempt([restrict({ paymentsTo: `{ ipBlock: { cidr: ${ip.stdout}/32 } }` })]);
      assert.deepEqual(failed(r), ['payments-only']);
      assert.match(check(r, 'payments-only', 'checkout-reaches-payments').actual, /→ payments:8443 \(10\.96\.\d+\.\d+\): timed out after 2 s$/);
    });

    it('a policy for the checkout pods only leaves cron open: both tasks fail on cron', async () => {
      const r = await attempt([restrict().replace('podSelector: {}', 'podSelector: { matchLabels: { app: checkout } }')]);
      assert.deepEqual(failed(r), ['dns-and-no-outside', 'payments-only']);
      assert.equal(check(r, 'payments-only', 'cron-not-inventory').status, 'fail');
      assert.equal(check(r, 'payments-only', 'checkout-not-inventory').status, 'pass');
      assert.equal(check(r, 'dns-and-no-outside', 'cron-not-outside').status, 'fail');
    });

    it('denying all egress blocks the outside but DNS and payments too: both tasks fail', async () => {
      const r = await attempt([policy('deny-all', 'podSelector: {}\npolicyTypes: [Egress]')]);
      assert.deepEqual(failed(r), ['dns-and-no-outside', 'payments-only']);
      assert.equal(check(r, 'dns-and-no-outside', 'checkout-not-outside').status, 'pass');
      assert.match(check(r, 'dns-and-no-outside', 'checkout-resolves').actual, /timed out: no DNS server could be reached$/);
    });

    it('a default deny plus separate allows (DNS by namespace and port, payments by a named port) passes', async () => {
      const r = await attempt([
        policy('default-deny-egress', 'podSelector: {}\npolicyTypes: [Egress]'),
        policy('allow-dns', `podSelector: {}
policyTypes: [Egress]
egress:
  - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }]
    ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]`),
        policy('allow-payments', `podSelector: {}
policyTypes: [Egress]
egress:
  - to: [${PAYMENTS_PEER}]
    ports: [{ port: http }]`),
      ]);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });

    it('kubectl exec with busybox tools on the node agrees with the grader (learners check their work that way)', async () => {
      await attempt([restrict()]);
      const exec = (...args: string[]) => world.provider.nodeExec(cluster, ['kubectl', '-n', 'checkout', 'exec', ...args], { env: KUBECONFIG });
      const ok = await exec('deploy/checkout', '--', 'wget', '-q', '-O-', '-T', '2', 'http://payments.payments:8443/');
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.equal(ok.stdout, 'payments\n');
      const tcp = await exec('cron', '--', 'nc', '-vz', '-w', '2', 'kube-dns.kube-system', '53');
      assert.equal(tcp.exitCode, 0, tcp.stderr);
      const outside = await exec('cron', '--', 'wget', '-q', '-O-', '-T', '1', 'http://203.0.113.10/');
      assert.match(outside.stderr, /wget: download timed out/);
    });
  });
});
