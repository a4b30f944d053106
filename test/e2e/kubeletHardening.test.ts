/**
 * kubelet-hardening proven on the fakes: the simulated kubelet reads /var/lib/kubelet/config.yaml
 * when `systemctl restart kubelet` starts it, serves :10250 (x509 / TokenReview / anonymous, then
 * AlwaysAllow or Webhook SubjectAccessReview) and the read-only port, and crash-loops on a config
 * it refuses. Graded by what curl on the node gets (401, 403 naming the ServiceAccount, a refused
 * 10255), the node's Ready state, and the file's values. The ways people get it wrong fail the
 * task they break; leaving readOnlyPort out (v1beta1's default is 0) passes.
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
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('kubelet-hardening');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const ALL = ['anonymous-rejected', 'read-only-port-closed', 'webhook-authorization'];

/** sed expressions on the config as setup left it (kubeadm's layout). */
const ANON_OFF = '/^authentication:$/,/^[A-Za-z]/ { /^  anonymous:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\\1 false/ }';
const WEBHOOK_AUTHN = '/^authentication:$/,/^[A-Za-z]/ { /^  webhook:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\\1 true/ }';
const mode = (m: string): string => `/^authorization:$/,/^[A-Za-z]/ s/^(  mode:).*$/\\1 ${m}/`;
const RO_ZERO = 's/^readOnlyPort:.*$/readOnlyPort: 0/';
const RO_GONE = '/^readOnlyPort:/d';

/**
 * The config as setup left it, edited with `seds`; then (unless `restart` is false) the kubelet
 * restarted and waited for: running and the node Ready — or, for a config it refuses, crash-looping.
 */
const configure = (seds: string[], opts: { restart?: boolean; refused?: boolean } = {}): string => `set -e
C=/var/lib/kubelet/config.yaml
${seds.length > 0 ? `sed -E ${seds.map((s) => `-e '${s}'`).join(' ')}` : 'cat'} /root/kubelet-config.setup.yaml > /root/kubelet-config.new
cat /root/kubelet-config.new > $C
${opts.restart === false ? 'exit 0' : `systemctl restart kubelet
for i in $(seq 1 60); do
  ${opts.refused
    ? '[ "$(systemctl is-active kubelet || true)" = activating ] && exit 0'
    : '[ "$(systemctl is-active kubelet || true)" = active ] && [ "$(kubectl get node "$(cat /etc/hostname)" -o jsonpath=\'{.status.conditions[?(@.type=="Ready")].status}\')" = True ] && exit 0'}
  sleep 0.5
done
systemctl status kubelet
exit 1`}
`;

describe('scenario kubelet-hardening on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld({ extra: { FAKE_KUBELET_READY_MS: '500', FAKE_NODE_MONITOR_GRACE_MS: '3000' } });
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-kubelet', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const anon = check(proof.afterSetup!, 'anonymous-rejected', 'anonymous-401');
    assert.match(anon.message, /expected HTTP 401, body containing "Unauthorized" from https:\/\/127\.0\.0\.1:10250\/pods, found HTTP 200 .*PodList/);
    assert.match(check(proof.afterSetup!, 'webhook-authorization', 'token-without-rbac-403').actual, /^HTTP 200 /);
    assert.match(check(proof.afterSetup!, 'read-only-port-closed', 'port-10255-refused').message, /expected connection refused on 127\.0\.0\.1:10255, found HTTP 200/);
    assert.equal(check(proof.afterSetup!, 'anonymous-rejected', 'node-ready').status, 'pass', 'setup leaves the node Ready');
    assert.match(check(proof.afterSolution!, 'webhook-authorization', 'token-without-rbac-403').actual, /^HTTP 403 "Forbidden \(user=system:serviceaccount:default:node-inspector, verb=get, resource=nodes, subresource\(s\)=\[pods proxy\]\)/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-kubelet-mistakes';
    const { grade, run, setup } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
      await run('cp /var/lib/kubelet/config.yaml /root/kubelet-config.setup.yaml');
    });

    it('anonymous off but authorization still AlwaysAllow: anonymous gets 401, a token without RBAC gets 200 — the authorization task fails', async () => {
      await run(configure([ANON_OFF, WEBHOOK_AUTHN, RO_ZERO]));
      const r = await grade();
      assert.deepEqual(failed(r), ['webhook-authorization']);
      const c = check(r, 'webhook-authorization', 'token-without-rbac-403');
      assert.match(c.message, /expected HTTP 403, body containing "Forbidden \(user=system:serviceaccount:default:node-inspector" from https:\/\/127\.0\.0\.1:10250\/pods as ServiceAccount default\/node-inspector, found HTTP 200 /);
      assert.match(check(r, 'webhook-authorization', 'webhook-config').message, /authorization\.mode/);
    });

    it('Webhook authorization but token review left off: the token is ignored (401), not judged — the authorization task fails', async () => {
      await run(configure([ANON_OFF, mode('Webhook'), RO_ZERO]));
      const r = await grade();
      assert.deepEqual(failed(r), ['webhook-authorization']);
      assert.match(check(r, 'webhook-authorization', 'token-without-rbac-403').actual, /^HTTP 401 "Unauthorized"/);
    });

    it('readOnlyPort left out instead of 0 (v1beta1 default: 0) passes every task', async () => {
      await run(configure([ANON_OFF, WEBHOOK_AUTHN, mode('Webhook'), RO_GONE]));
      const r = await grade();
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });

    it('the file fixed but the kubelet not restarted: every effect check fails, the file checks pass', async () => {
      await run(configure([], {}));
      await run(configure([ANON_OFF, WEBHOOK_AUTHN, mode('Webhook'), RO_ZERO], { restart: false }));
      const r = await grade();
      assert.deepEqual(failed(r), ALL);
      assert.equal(check(r, 'anonymous-rejected', 'anonymous-config').status, 'pass');
      assert.equal(check(r, 'webhook-authorization', 'webhook-config').status, 'pass');
      assert.equal(check(r, 'read-only-port-closed', 'no-read-only-port-config').status, 'pass');
      assert.match(check(r, 'anonymous-rejected', 'anonymous-401').actual, /^HTTP 200 /);
      assert.match(check(r, 'read-only-port-closed', 'port-10255-refused').actual, /^HTTP 200 /);
    });

    it('a typo the kubelet refuses (mode: Webhok): it crash-loops, the node is not Ready, the message quotes its error', async () => {
      await run(configure([ANON_OFF, WEBHOOK_AUTHN, mode('Webhok'), RO_ZERO], { refused: true }));
      const started = Date.now();
      const r = await grade();
      assert.ok(Date.now() - started < 20_000, 'a crash loop is answered without waiting out the restart window');
      assert.deepEqual(failed(r), ALL);
      const ready = check(r, 'anonymous-rejected', 'node-ready');
      assert.equal(ready.status, 'fail');
      assert.match(ready.message, /the kubelet exits at start and systemd keeps restarting it \(activating \(auto-restart\)\): failed to run Kubelet: unknown authorization mode Webhok/);
      assert.match(check(r, 'read-only-port-closed', 'node-ready-too').status, /fail/);
      assert.match(check(r, 'anonymous-rejected', 'anonymous-401').actual, /^connection refused/);
      // Fixed: systemd's next restart picks the file up without a restart by the learner.
      await run(`sed -i 's/mode: Webhok/mode: Webhook/' /var/lib/kubelet/config.yaml
for i in $(seq 1 60); do [ "$(systemctl is-active kubelet || true)" = active ] && exit 0; sleep 0.5; done; exit 1`);
      const fixed = await grade();
      assert.deepEqual(failed(fixed), []);
    });
  });
});
