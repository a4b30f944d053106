/**
 * imagepolicywebhook proven on the fakes: the scenario's own backend (openssl s_server + bash + jq,
 * run by the node's systemctl) answers the fake kube-apiserver's ImageReviews over real mutual TLS;
 * the plugin's configuration is read through the kube-apiserver pod's mounts at each restart. The
 * ways people get it wrong fail the task they break; right answers written differently pass.
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
const scenario = catalog.require('imagepolicywebhook');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const ADM = '/etc/kubernetes/admission';

/** The kubeconfig the learner writes: file paths, or the certificates embedded (*-data). */
const kubeconfig = (opts: { embedded?: boolean; noContext?: boolean; path?: string } = {}): string => `set -e
cat > ${opts.path ?? `${ADM}/imagepolicy.kubeconfig`} <<EOF
apiVersion: v1
kind: Config
clusters:
- name: backend
  cluster:
${opts.embedded ? `    certificate-authority-data: $(base64 -w0 ${ADM}/webhook-ca.crt)` : `    certificate-authority: ${ADM}/webhook-ca.crt`}
    server: https://127.0.0.1:8443/imagepolicy
users:
- name: apiserver
  user:
${opts.embedded ? `    client-certificate-data: $(base64 -w0 ${ADM}/apiserver-client.crt)\n    client-key-data: $(base64 -w0 ${ADM}/apiserver-client.key)` : `    client-certificate: ${ADM}/apiserver-client.crt\n    client-key: ${ADM}/apiserver-client.key`}
${opts.noContext ? '' : 'contexts:\n- name: webhook\n  context:\n    cluster: backend\n    user: apiserver\ncurrent-context: webhook'}
EOF
`;

/** The AdmissionConfiguration, YAML (inline imagePolicy). */
const admissionConfig = (opts: { defaultAllow?: boolean; kubeConfigFile?: string } = {}): string => `set -e
cat > ${ADM}/admission-config.yaml <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: ImagePolicyWebhook
  configuration:
    imagePolicy:
      kubeConfigFile: ${opts.kubeConfigFile ?? `${ADM}/imagepolicy.kubeconfig`}
      allowTTL: 50
      denyTTL: 50
      retryBackoff: 500
      defaultAllow: ${opts.defaultAllow ?? false}
EOF
`;

const PLUGIN = 's/^( *)- --enable-admission-plugins=NodeRestriction$/\\1- --enable-admission-plugins=NodeRestriction,ImagePolicyWebhook/';
const FLAG = 's/^( *)- --enable-admission-plugins=(.*)$/&\\n\\1- --admission-control-config-file=\\/etc\\/kubernetes\\/admission\\/admission-config.yaml/';
const MOUNT_DIR = [
  's/^( *)volumeMounts:$/&\\n\\1- mountPath: \\/etc\\/kubernetes\\/admission\\n\\1  name: admission\\n\\1  readOnly: true/',
  's/^( *)volumes:$/&\\n\\1- hostPath:\\n\\1    path: \\/etc\\/kubernetes\\/admission\\n\\1    type: DirectoryOrCreate\\n\\1  name: admission/',
];

/** Rewrite the kube-apiserver manifest from setup's copy with sed expressions; wait for the new container (or its crash). */
const manifest = (exprs: string[], expectHealthy = true): string => `(set -e
M=/etc/kubernetes/manifests/kube-apiserver.yaml
sed -E ${exprs.map((e) => `-e '${e}'`).join(' ')} /root/kube-apiserver.yaml.orig > /root/edit.new
if cmp -s /root/edit.new $M; then exit 0; fi
OLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
cat /root/edit.new > $M
${
  expectHealthy
    ? `for i in $(seq 1 80); do
  NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
  if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
exit 1`
    : `sleep 4
[ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ]`
}
)
`;

describe('scenario imagepolicywebhook on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-ipw', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    const denied = proof.afterSolution!.tasks.find((t) => t.id === 'latest-refused')!.checks.find((c) => c.id === 'latest-denied')!;
    assert.match(denied.actual, /image policy webhook backend denied one or more images: .*nginx:latest/);
    const before = proof.afterSetup!.tasks.find((t) => t.id === 'fail-closed')!.checks[0]!;
    assert.match(before.actual, /admitted/, `found says what admission did: ${before.actual}`);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-ipw-mistakes';
    const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await setup();
    });

    it('defaultAllow true: with the backend stopped a Pod is admitted (failed-open) — fails the config and fail-closed tasks only', async () => {
      await run(kubeconfig() + admissionConfig({ defaultAllow: true }));
      await run(manifest([PLUGIN, FLAG, ...MOUNT_DIR]));
      const r = await grade();
      assert.deepEqual(failed(r), ['admission-config', 'fail-closed'], JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 1));
      assert.match(check(r, 'fail-closed', 'no-answer-denied').actual, /admitted/);
      // The backend really stopped: the Pod is admitted with the plugin's failed-open annotation.
      const out = await run(`systemctl stop image-policy-webhook
trap 'systemctl start image-policy-webhook' EXIT
kubectl run down-probe --image=nginx:1.27.2 --dry-run=server -o jsonpath='{.metadata.annotations}' 2>&1 || true`);
      assert.match(out, /alpha.image-policy.k8s.io\/failed-open":"true"/);
    });

    it('defaultAllow false: with the backend really stopped kube-apiserver refuses, naming the refused connection', async () => {
      await run(admissionConfig() + manifest(['s/x/x/']) + manifest([PLUGIN, FLAG, ...MOUNT_DIR]));
      assert.deepEqual(failed(await grade()), []);
      const out = await run(`systemctl stop image-policy-webhook
trap 'systemctl start image-policy-webhook' EXIT
kubectl run down-probe --image=nginx:1.27.1 --dry-run=server 2>&1 || true`);
      assert.match(out, /pods "down-probe" is forbidden: Post "https:\/\/127\.0\.0\.1:8443\/imagepolicy\?timeout=30s": dial tcp 127\.0\.0\.1:8443: connect: connection refused/);
    });

    it('the admission directory not mounted: kube-apiserver crash-loops naming the file — an error, never a silent pass', async () => {
      await run(manifest([PLUGIN, FLAG], false));
      const r = await grade();
      assert.ok(failed(r).includes('apiserver-wired'));
      assert.ok(!failed(r).includes('admission-config'));
      const ready = check(r, 'apiserver-wired', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /unable to read admission control configuration from \\?"\/etc\/kubernetes\/admission\/admission-config.yaml\\?"/);
      assert.notEqual(check(r, 'latest-refused', 'latest-denied').status, 'pass');
    });

    it('the plugin not enabled (config file given and mounted): nginx:latest is admitted — fails the wiring, latest and fail-closed tasks', async () => {
      await run(manifest([FLAG, ...MOUNT_DIR]));
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-wired', 'fail-closed', 'latest-refused']);
      assert.equal(check(r, 'apiserver-wired', 'flags').status, 'fail');
      assert.match(check(r, 'latest-refused', 'latest-denied').actual, /admitted/);
    });

    it('kubeConfigFile with a typo: kube-apiserver crash-loops with stat … no such file or directory', async () => {
      await run(admissionConfig({ kubeConfigFile: `${ADM}/imagepolicy.kubeconf` }) + manifest(['s/x/x/']));
      await run(manifest([PLUGIN, FLAG, ...MOUNT_DIR], false));
      const r = await grade();
      assert.ok(failed(r).includes('admission-config'));
      const ready = check(r, 'apiserver-wired', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /couldn't init admission plugin \\?"ImagePolicyWebhook\\?": stat \/etc\/kubernetes\/admission\/imagepolicy.kubeconf: no such file or directory/);
    });

    it('a kubeconfig without a current context: kube-apiserver crash-loops (no configuration has been provided)', async () => {
      await run(kubeconfig({ noContext: true }) + admissionConfig() + manifest(['s/x/x/']));
      await run(manifest([PLUGIN, FLAG, ...MOUNT_DIR], false));
      const ready = check(await grade(), 'apiserver-wired', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /no configuration has been provided/);
    });

    it('only the two files mounted while the kubeconfig names certificate files: crash-loop naming the certificate-authority', async () => {
      await run(kubeconfig() + manifest(['s/x/x/']));
      const files = [
        's/^( *)volumeMounts:$/&\\n\\1- mountPath: \\/etc\\/kubernetes\\/admission\\/admission-config.yaml\\n\\1  name: adm-config\\n\\1  readOnly: true\\n\\1- mountPath: \\/etc\\/kubernetes\\/admission\\/imagepolicy.kubeconfig\\n\\1  name: adm-kubeconfig\\n\\1  readOnly: true/',
        's/^( *)volumes:$/&\\n\\1- hostPath:\\n\\1    path: \\/etc\\/kubernetes\\/admission\\/admission-config.yaml\\n\\1    type: File\\n\\1  name: adm-config\\n\\1- hostPath:\\n\\1    path: \\/etc\\/kubernetes\\/admission\\/imagepolicy.kubeconfig\\n\\1    type: File\\n\\1  name: adm-kubeconfig/',
      ];
      await run(manifest([PLUGIN, FLAG, ...files], false));
      const ready = check(await grade(), 'apiserver-wired', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /unable to read certificate-authority \/etc\/kubernetes\/admission\/webhook-/);
      // Written differently and right: the certificates embedded in the kubeconfig, the two files
      // mounted one by one, the plugins in another order, the config as JSON with other cache times.
      await run(
        kubeconfig({ embedded: true }) +
          `cat > ${ADM}/admission-config.yaml <<'EOF'
{"kind": "AdmissionConfiguration", "apiVersion": "apiserver.config.k8s.io/v1",
 "plugins": [{"name": "ImagePolicyWebhook", "configuration": {"imagePolicy": {"defaultAllow": false, "denyTTL": 5, "allowTTL": 600,
   "kubeConfigFile": "/etc/kubernetes/admission/imagepolicy.kubeconfig"}}}]}
EOF
`,
      );
      await run(manifest(['s/^( *)- --enable-admission-plugins=NodeRestriction$/\\1- --enable-admission-plugins=ImagePolicyWebhook,NodeRestriction/', FLAG, ...files]));
      assert.deepEqual(failed(await grade()), []);
    });

    it('the reference solution over the learner’s attempts is idempotent and passes', async () => {
      await run(kubeconfig() + admissionConfig() + manifest([PLUGIN, FLAG, ...MOUNT_DIR]));
      await solve();
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
