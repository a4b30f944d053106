/**
 * sa-token-hardening proven on the fakes: graded from inside the running Pods (the default token
 * path absent, the projected token present with its audience and lifetime decoded by the
 * container's own tools) and by what admission gives a new Pod (server-side dry-run), so any
 * manifest that has the effect passes, and each way people get it wrong fails the task it breaks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('sa-token-hardening');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

const statuses = (r: GradeResult, task: string): Record<string, string> => Object.fromEntries(r.tasks.find((t) => t.id === task)!.checks.map((c) => [c.id, c.status]));

/** The worker Pod as setup made it (a clean manifest), with optional extra spec lines. */
const WORKER = (extra = ''): string => `apiVersion: v1
kind: Pod
metadata: { name: worker, namespace: payments }
spec:
  terminationGracePeriodSeconds: 5
${extra}
  containers:
    - { name: worker, image: busybox:1.36.1, command: [sh, -c, 'echo worker started; sleep 86400'] }`;

/** The api Pod with a projected token volume; each part can be written differently. */
const API = (o: { sa?: string; automount?: string; token?: string; mountPath?: string; volume?: string } = {}): string => `apiVersion: v1
kind: Pod
metadata: { name: api, namespace: payments }
spec:
${o.sa ?? '  serviceAccountName: payment-api'}
${o.automount ?? '  automountServiceAccountToken: false'}
  containers:
    - name: api
      image: busybox:1.36.1
      command: [sh, -c, 'echo api started; sleep 86400']
      volumeMounts: [{ name: ${o.volume ?? 'vault-token'}, mountPath: ${o.mountPath ?? '/var/run/secrets/tokens'}, readOnly: true }]
  volumes:
    - name: ${o.volume ?? 'vault-token'}
      projected:
        sources:
          - serviceAccountToken: { ${o.token ?? 'audience: vault, expirationSeconds: 3600, path: vault-token'} }`;

const PATCH_DEFAULT_SA = `kubectl -n payments patch serviceaccount default -p '{"automountServiceAccountToken": false}' >/dev/null`;

describe('scenario sa-token-hardening on the fakes', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-satoken', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    // After setup the worker really has the token: the grader says so from inside the Pod.
    const worker = proof.afterSetup!.tasks.find((t) => t.id === 'worker-without-token')!.checks.find((c) => c.id === 'worker-token-absent')!;
    assert.match(worker.actual, /token present/);
  });

  it('is proven with other parameter values (namespace, ServiceAccount, audience, lifetime, path)', async () => {
    const run = applyParams(scenario, resolveParams(scenario, { namespace: 'billing', appServiceAccount: 'backend', audience: 'vault.internal', tokenExpiration: '1800', tokenPath: '/var/run/secrets/vault/token' }));
    const proof = await proveScenario(run, lab, 'cks-proof-satoken-params', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-satoken-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** A fresh namespace as setup leaves it, then the learner's commands (manifests in heredocs). */
    async function attempt(commands: string): Promise<GradeResult> {
      const reset = await world.provider.nodeExec(cluster, ['kubectl', 'delete', 'namespace', 'payments', '--ignore-not-found', '--wait=true'], { env: KUBECONFIG });
      assert.equal(reset.exitCode, 0, reset.stderr);
      await mistakes.setup();
      const script = `set -e\n${commands}\nkubectl -n payments wait --for=condition=Ready pod/api pod/worker --timeout=60s >/dev/null\n`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    /** Deletes both Pods and creates them from the given manifests. */
    const recreate = (...manifests: string[]): string =>
      `kubectl -n payments delete pod api worker --wait=true >/dev/null\n${manifests.map((m, i) => `cat > /root/pod-${i}.yaml <<'YAML'\n${m}\nYAML\nkubectl apply -f /root/pod-${i}.yaml >/dev/null`).join('\n')}`;

    it('automount off on each Pod but not on the default ServiceAccount fails only that task', async () => {
      const r = await attempt(recreate(WORKER('  automountServiceAccountToken: false'), API()));
      assert.deepEqual(failed(r), ['default-sa-automount-off']);
      assert.deepEqual(statuses(r, 'default-sa-automount-off'), { 'default-sa-field': 'fail', 'new-pods-no-token': 'fail' });
    });

    it('the ServiceAccount fixed but worker never re-created: the running Pod still has its token', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\nkubectl -n payments delete pod api --wait=true >/dev/null\ncat > /root/api.yaml <<'YAML'\n${API()}\nYAML\nkubectl apply -f /root/api.yaml >/dev/null`);
      assert.deepEqual(failed(r), ['worker-without-token']);
      assert.deepEqual(statuses(r, 'worker-without-token'), { 'worker-default-sa': 'pass', 'worker-token-absent': 'fail' });
    });

    it('worker re-created from `kubectl get pod -o yaml` keeps the kube-api-access volume, so the token is still there', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}
kubectl -n payments get pod worker -o yaml > /root/worker.yaml
kubectl replace --force -f /root/worker.yaml >/dev/null
${recreate(API()).replace('delete pod api worker', 'delete pod api')}`);
      assert.deepEqual(failed(r), ['worker-without-token']);
    });

    it('the projected token mounted at the wrong path fails only the projected-token task', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\n${recreate(WORKER(), API({ token: 'audience: vault, expirationSeconds: 3600, path: token' }))}`);
      assert.deepEqual(failed(r), ['api-projected-token']);
      assert.match(r.tasks.find((t) => t.id === 'api-projected-token')!.checks[0]!.actual, /no token file at \/var\/run\/secrets\/tokens\/vault-token/);
    });

    it('no audience (the token is for the API server) fails only the audience check', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\n${recreate(WORKER(), API({ token: 'expirationSeconds: 3600, path: vault-token' }))}`);
      assert.deepEqual(failed(r), ['api-projected-token']);
      assert.deepEqual(statuses(r, 'api-projected-token'), { 'token-file': 'pass', 'token-audience': 'fail', 'token-lifetime': 'pass' });
      assert.match(r.tasks.find((t) => t.id === 'api-projected-token')!.checks[1]!.actual, /"aud":\["https:\/\/kubernetes\.default\.svc\.cluster\.local"\]/);
    });

    it('a different lifetime fails only the lifetime check', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\n${recreate(WORKER(), API({ token: 'audience: vault, expirationSeconds: 7200, path: vault-token' }))}`);
      assert.deepEqual(failed(r), ['api-projected-token']);
      assert.deepEqual(statuses(r, 'api-projected-token'), { 'token-file': 'pass', 'token-audience': 'pass', 'token-lifetime': 'fail' });
    });

    it('api on its own ServiceAccount but with automount left on gets the default token too: only the identity task fails', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\n${recreate(WORKER(), API({ automount: '' }))}`);
      assert.deepEqual(failed(r), ['api-own-identity']);
      assert.deepEqual(statuses(r, 'api-own-identity'), { 'api-service-account': 'pass', 'api-default-token-absent': 'fail' });
    });

    it('api left on the default ServiceAccount fails only the identity task', async () => {
      const r = await attempt(`${PATCH_DEFAULT_SA}\n${recreate(WORKER(), API({ sa: '' }))}`);
      assert.deepEqual(failed(r), ['api-own-identity']);
      assert.deepEqual(statuses(r, 'api-own-identity'), { 'api-service-account': 'fail', 'api-default-token-absent': 'pass' });
    });

    it('passes written differently: automount off on the SAs and the Pods, another volume name and mount directory, expirationSeconds left to its default', async () => {
      const r = await attempt(`kubectl -n payments patch serviceaccount default --type=merge -p '{"automountServiceAccountToken": false}' >/dev/null
kubectl -n payments patch serviceaccount payment-api -p '{"automountServiceAccountToken": false}' >/dev/null
${recreate(WORKER('  automountServiceAccountToken: false'), API({ automount: '', volume: 'tokens', mountPath: '/var/run/secrets', token: 'path: tokens/vault-token, audience: vault' }))}`);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });
  });
});
