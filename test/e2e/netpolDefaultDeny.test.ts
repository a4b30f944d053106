/**
 * netpol-default-deny (⚑ DESIGN.md) proven on the fakes: NetworkPolicy is graded by connections
 * made from inside the pods (busybox nc and nslookup, answered by the fake pod network under the
 * stored policies), so any set of policies with the right effect passes and each way people get it
 * wrong fails the task it breaks.
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
const scenario = catalog.require('netpol-default-deny');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };


const policy = (name: string, spec: string, namespace = 'shop') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec.replace(/^/gm, '  ')}`;

const DENY_ALL = policy('default-deny', 'podSelector: {}\npolicyTypes: [Ingress, Egress]');
const DENY_INGRESS = policy('default-deny', 'podSelector: {}\npolicyTypes: [Ingress]');
const DNS = (namespace = 'shop') => policy('allow-dns', `podSelector: {}
policyTypes: [Egress]
egress:
  - to:
      - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
        podSelector: { matchLabels: { k8s-app: kube-dns } }
    ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]`, namespace);
const FRONTEND_EGRESS = (port = '8080') => policy('frontend-to-backend', `podSelector: { matchLabels: { app: frontend } }
policyTypes: [Egress]
egress:
  - to: [{ podSelector: { matchLabels: { app: backend } } }]
    ports: [{ protocol: TCP, port: ${port} }]`);
const BACKEND_INGRESS = (port = '8080', from = '{ podSelector: { matchLabels: { app: frontend } } }') => policy('backend-from-frontend', `podSelector: { matchLabels: { app: backend } }
policyTypes: [Ingress]
ingress:
  - from: [${from}]
    ports: [{ protocol: TCP, port: ${port} }]`);

describe('scenario netpol-default-deny on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-netpol', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-netpol-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await mistakes.setup();
    });

    /** Back to the state setup leaves (no policies anywhere we write them), then the learner's manifests. */
    async function attempt(manifests: string[]): Promise<GradeResult> {
      const script = `set -e
kubectl delete networkpolicy --all -n shop >/dev/null
kubectl delete networkpolicy --all -n default >/dev/null
kubectl delete networkpolicy --all -n kube-system >/dev/null
${manifests.map((m, i) => `cat > /root/attempt-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/attempt-${i}.yaml >/dev/null`).join('\n')}
`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('the default deny without the DNS allowance fails only the egress task, on name resolution', async () => {
      const r = await attempt([DENY_ALL, FRONTEND_EGRESS(), BACKEND_INGRESS()]);
      assert.deepEqual(failed(r), ['egress-dns-only']);
      const dns = check(r, 'egress-dns-only', 'intruder-resolves');
      assert.equal(dns.status, 'fail');
      assert.match(dns.actual, /^shop\/intruder → DNS backend\.shop\.svc\.cluster\.local: timed out: no DNS server could be reached$/);
      assert.equal(check(r, 'egress-dns-only', 'intruder-no-other-egress').status, 'pass');
    });

    it('an ingress-only default deny fails only the egress task: the pods still reach other ports', async () => {
      const r = await attempt([DENY_INGRESS, FRONTEND_EGRESS(), BACKEND_INGRESS()]);
      assert.deepEqual(failed(r), ['egress-dns-only']);
      const leak = check(r, 'egress-dns-only', 'intruder-no-other-egress');
      assert.equal(leak.status, 'fail');
      assert.match(leak.actual, /^shop\/intruder → kube-dns:9153 \(10\.96\.0\.10\): connected$/);
      assert.equal(check(r, 'egress-dns-only', 'intruder-resolves').status, 'pass');
    });

    it('allow rules on the wrong port (the port 80 habit) fail only the frontend → backend task, saying it timed out', async () => {
      const r = await attempt([DENY_ALL, DNS(), FRONTEND_EGRESS('80'), BACKEND_INGRESS('80')]);
      assert.deepEqual(failed(r), ['frontend-to-backend']);
      const reach = check(r, 'frontend-to-backend', 'frontend-reaches-backend');
      assert.match(reach.actual, /^shop\/frontend-[a-z0-9]+-[a-z0-9]{5} → backend:8080 \(10\.96\.\d+\.\d+\): timed out after 2 s$/);
      assert.match(reach.message, /frontend connects to backend on port 8080: expected .* connects, found .*timed out after 2 s/);
    });

    it('a namespaceSelector that matches every namespace in the frontend egress fails only the frontend → backend task, on another pod\'s 8080', async () => {
      const everywhere = FRONTEND_EGRESS().replace('podSelector: { matchLabels: { app: backend } }', 'namespaceSelector: {}');
      const r = await attempt([DENY_ALL, DNS(), everywhere, BACKEND_INGRESS()]);
      assert.deepEqual(failed(r), ['frontend-to-backend']);
      assert.equal(check(r, 'frontend-to-backend', 'frontend-reaches-backend').status, 'pass');
      assert.match(check(r, 'frontend-to-backend', 'frontend-only-to-backend').actual, /^shop\/frontend-\w+-\w+ → kube-system\/coredns-\w+-\w+:8080 \(10\.244\.\d+\.\d+\): connected$/);
    });

    it('a namespaceSelector of {} in the backend ingress is masked by the intruder\'s own egress deny: the shop pods cannot show it, so it passes', async () => {
      const r = await attempt([DENY_ALL, DNS(), FRONTEND_EGRESS(), BACKEND_INGRESS('8080', '{ namespaceSelector: {} }')]);
      assert.deepEqual(failed(r), []);
    });

    it('only the backend ingress, without the frontend egress, fails only the frontend → backend task', async () => {
      const r = await attempt([DENY_ALL, DNS(), BACKEND_INGRESS()]);
      assert.deepEqual(failed(r), ['frontend-to-backend']);
    });

    it('the DNS allowance created in kube-system instead of shop fails only the egress task', async () => {
      const r = await attempt([DENY_ALL, DNS('kube-system'), FRONTEND_EGRESS(), BACKEND_INGRESS()]);
      assert.deepEqual(failed(r), ['egress-dns-only']);
    });

    it('every policy in the default namespace leaves shop open: the isolation tasks fail, DNS still works', async () => {
      const inDefault = (m: string) => m.replace('namespace: shop', 'namespace: default');
      const r = await attempt([DENY_ALL, DNS(), FRONTEND_EGRESS(), BACKEND_INGRESS()].map(inDefault));
      assert.deepEqual(failed(r), ['egress-dns-only', 'frontend-to-backend', 'ingress-denied']);
      assert.equal(check(r, 'egress-dns-only', 'intruder-resolves').status, 'pass');
      assert.match(check(r, 'ingress-denied', 'backend-not-to-frontend').actual, /→ frontend:80 \(10\.96\.\d+\.\d+\): connected$/);
    });

    it('one lockdown policy with the DNS rule inside, and one combined frontend/backend policy with named ports, passes', async () => {
      const lockdown = policy('lockdown', `podSelector: {}
policyTypes: [Ingress, Egress]
egress:
  - ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]
    to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }]`);
      const combined = policy('shop-traffic', `podSelector:
  matchExpressions: [{ key: app, operator: In, values: [frontend, backend] }]
policyTypes: [Ingress, Egress]
ingress:
  - from: [{ podSelector: { matchLabels: { app: frontend } } }]
    ports: [{ port: http }]
egress:
  - to: [{ podSelector: { matchLabels: { app: backend } } }]
    ports: [{ port: http }]`);
      const r = await attempt([lockdown, combined]);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });

    it('kubectl exec with busybox tools on the node agrees with the grader (learners check their work that way)', async () => {
      await attempt([DENY_ALL, DNS(), FRONTEND_EGRESS(), BACKEND_INGRESS()]);
      const exec = (...args: string[]) => world.provider.nodeExec(cluster, ['kubectl', '-n', 'shop', 'exec', ...args], { env: KUBECONFIG });
      const ok = await exec('deploy/frontend', '--', 'wget', '-q', '-O-', '-T', '2', 'http://backend:8080');
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.equal(ok.stdout, 'shop backend\n');
      const blocked = await exec('intruder', '--', 'nc', '-vz', '-w', '1', 'backend', '8080');
      assert.notEqual(blocked.exitCode, 0);
      assert.match(blocked.stderr, /nc: backend \(10\.96\.\d+\.\d+:8080\): Connection timed out/);
    });
  });
});
