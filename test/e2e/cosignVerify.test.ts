/**
 * cosign-verify proven on the fakes: real cosign signatures (the fake cosign: ECDSA P-256 over the
 * simple-signing payload, stored in the lab's registry) and real admission (the fake
 * kube-apiserver's ValidatingWebhookConfiguration calling the lab's verifier, an openssl s_server
 * backend on the node that runs cosign verify) — so each way learners get it wrong fails the task it
 * breaks, and a right answer written differently passes. One cluster: the proof keeps it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('cosign-verify');
// inspectLabs, not loadLabs: a lab another author is still writing must not stop this file.
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('registry')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

/** A ValidatingWebhookConfiguration for the verifier; `extra` lines go under the webhook. */
const WEBHOOK = (opts: { failurePolicy?: string; namespaceSelector?: string; caBundle?: boolean; rules?: string }) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: { name: cosign-verify }
webhooks:
  - name: verify.cosign.cks-lab.io
    clientConfig:
      url: https://127.0.0.1:9443/validate
${opts.caBundle === false ? '' : '      caBundle: CA_BUNDLE\n'}    rules: ${opts.rules ?? '[{ operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods] }]'}
${opts.namespaceSelector ?? '    namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: secure } }'}
${opts.failurePolicy ? `    failurePolicy: ${opts.failurePolicy}\n` : ''}    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 20`;

describe('scenario cosign-verify on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-proof-cosign';
  after(() => world.cleanup());
  const { grade, run } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });

  /** The verifier trusts `key` (a file, or null: none), and the webhook configuration is `webhook` (or none). */
  async function attempt(webhook: string | undefined, key: string | null = '/root/cosign/cosign.pub'): Promise<GradeResult> {
    await run(`set -e
kubectl delete validatingwebhookconfiguration cosign-verify --ignore-not-found >/dev/null
rm -f /etc/cosign-verifier/cosign.pub
${key ? `cp ${key} /etc/cosign-verifier/cosign.pub` : ''}
${webhook ? `cat > /root/webhook.yaml <<'YAML'\n${webhook}\nYAML\nsed -i "s|CA_BUNDLE|$(base64 -w0 /etc/cosign-verifier/ca.crt)|" /root/webhook.yaml\nkubectl apply -f /root/webhook.yaml >/dev/null` : ''}
`);
    return grade();
  }

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, cluster, { ...world, grader, keep: true });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.match(check(proof.afterSetup!, 'signed', 'cosign-verifies').actual, /no \/root\/cosign\/cosign\.pub/);
    assert.equal(check(proof.afterSetup!, 'admission', 'unsigned-denied').status, 'fail');
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    it('the reference webhook again passes every task', async () => {
      assert.deepEqual(failed(await attempt(WEBHOOK({ failurePolicy: 'Fail' }))), []);
    });

    it('the verifier left without the public key refuses the signed image too: only the admission task fails', async () => {
      const r = await attempt(WEBHOOK({ failurePolicy: 'Fail' }), null);
      assert.deepEqual(failed(r), ['admission']);
      assert.match(check(r, 'admission', 'signed-admitted').actual, /no trusted key/);
    });

    it('the verifier given another key than the one that signed: only the admission task fails, on the signed image', async () => {
      await run('set -e\nmkdir -p /root/other && cd /root/other && rm -f cosign.key cosign.pub && COSIGN_PASSWORD=x cosign generate-key-pair >/dev/null 2>&1');
      const r = await attempt(WEBHOOK({ failurePolicy: 'Fail' }), '/root/other/cosign.pub');
      assert.deepEqual(failed(r), ['admission']);
      assert.match(check(r, 'admission', 'signed-admitted').message, /no matching signatures/);
    });

    it('failurePolicy Ignore (fails open) fails only the admission task, on that check', async () => {
      const r = await attempt(WEBHOOK({ failurePolicy: 'Ignore' }));
      assert.deepEqual(failed(r), ['admission']);
      assert.equal(check(r, 'admission', 'fails-closed').status, 'fail');
      assert.equal(check(r, 'admission', 'unsigned-denied').status, 'pass');
    });

    it('no namespaceSelector: the unsigned image is refused in default too — only the admission task fails, on the scope', async () => {
      const r = await attempt(WEBHOOK({ failurePolicy: 'Fail', namespaceSelector: '' }));
      assert.deepEqual(failed(r), ['admission']);
      assert.equal(check(r, 'admission', 'other-namespace-untouched').status, 'fail');
    });

    it('no caBundle: kube-apiserver cannot trust the verifier, so with Fail every Pod in the namespace is refused', async () => {
      const r = await attempt(WEBHOOK({ failurePolicy: 'Fail', caBundle: false }));
      assert.deepEqual(failed(r), ['admission']);
      assert.match(check(r, 'admission', 'signed-admitted').message, /x509: certificate signed by unknown authority/);
    });

    it('the key pair kept elsewhere than /root/cosign (the verifier given its key): only the signing task fails', async () => {
      await run('set -e\nrm -rf /root/keys && cp -r /root/cosign /root/keys && rm -rf /root/cosign');
      try {
        const r = await attempt(WEBHOOK({ failurePolicy: 'Fail' }), '/root/keys/cosign.pub');
        assert.deepEqual(failed(r), ['signed']);
        assert.match(check(r, 'signed', 'cosign-verifies').actual, /no \/root\/cosign\/cosign\.pub/);
      } finally {
        await run('set -e\nrm -rf /root/cosign && mv /root/keys /root/cosign');
      }
    });

    it('written differently — failurePolicy left to its default (Fail), a matchExpressions selector, CREATE and UPDATE — passes', async () => {
      const r = await attempt(WEBHOOK({
        namespaceSelector: '    namespaceSelector: { matchExpressions: [{ key: kubernetes.io/metadata.name, operator: In, values: [secure] }] }',
        rules: '[{ operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: ["*"], resources: [pods], scope: Namespaced }]',
      }));
      assert.deepEqual(failed(r), []);
    });
  });
});
