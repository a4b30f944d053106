/**
 * The encryption-at-rest scenario proven against faithful fakes: the real KindProvider creates a
 * cluster with fake kind; setup and solution run on the fake node through fake docker. The fake
 * API server simulates the static pods: it restarts when /etc/kubernetes/manifests/kube-apiserver.yaml
 * changes (connection refused meanwhile), obeys --encryption-provider-config through the pod's
 * mounts (crash-looping on a bad config), stores Secrets with real AES-CBC/GCM/secretbox, and
 * the node's fake `crictl exec <etcd> etcdctl` reads the stored bytes even while the API is down.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const labs = loadLabs(join(ROOT, 'labs'));
const scenario = catalog.require('encryption-at-rest');
const lab = labs.get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });


const KEY32 = Buffer.alloc(32, 7).toString('base64');
const encYaml = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
${providers}
`;
const AESCBC = `      - aescbc:
          keys:
            - name: key1
              secret: ${KEY32}`;
const IDENTITY = '      - identity: {}';

/** The reference edit of the manifest (flag + mount + volume), as solution.sh does it; MOUNT=0 leaves the mount out. */
const EDIT_MANIFEST = `set -e
M=/etc/kubernetes/manifests/kube-apiserver.yaml
cp "$M" /root/orig.yaml
awk -v mount="\${MOUNT:-1}" '
  /^    - kube-apiserver$/ && !f { print; print "    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml"; f = 1; next }
  /^    volumeMounts:$/ && !m && mount == 1 { print; print "    - mountPath: /etc/kubernetes/enc"; print "      name: enc"; print "      readOnly: true"; m = 1; next }
  /^  volumes:$/ && !v && mount == 1 { print; print "  - hostPath:"; print "      path: /etc/kubernetes/enc"; print "      type: DirectoryOrCreate"; print "    name: enc"; v = 1; next }
  { print }' /root/orig.yaml > /root/new.yaml
cat /root/new.yaml > "$M"
`;

describe('scenario encryption-at-rest on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ extra: { FAKE_APISERVER_RESTART_MS: '1500' } });
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-enc', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, 10);
    assert.ok(proof.proven);
    const legacy = check(proof.afterSetup!, 'legacy-token-encrypted', 'legacy-token-etcd');
    assert.match(legacy?.actual ?? '', /stored in plain text/);
    assert.match(legacy?.actual ?? '', /k8s\\u0000|k8s\./, 'the plain value is the protobuf envelope k8s\\0…');
    assert.deepEqual(await world.provider.list(), [], 'the cluster is deleted afterwards');
  });

  describe('common mistakes fail exactly the right tasks', () => {
    let n = 0;
    let cluster = '';
    beforeEach(async () => {
      cluster = `cks-enc-${++n}`;
      await world.provider.create(cluster, lab, () => undefined);
      await runNodeScript(world.provider, cluster, scenario.setupScript);
    });
    afterEach(() => world.provider.delete(cluster));

    async function node(script: string, env: Record<string, string> = {}): Promise<string> {
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: { KUBECONFIG: '/etc/kubernetes/admin.conf', ...env } });
      assert.equal(out.exitCode, 0, out.stderr);
      return out.stdout;
    }
    const writeConfig = (providers: string) => node(`mkdir -p /etc/kubernetes/enc\ncat > /etc/kubernetes/enc/enc.yaml <<'YAML'\n${encYaml(providers)}YAML\n`);
    /** Waits for a new kube-apiserver container that answers, as a learner would (bounded). */
    const waitForApi = () =>
      node(`OLD=$(crictl ps --name '^kube-apiserver$' -q)
for i in $(seq 1 40); do NEW=$(crictl ps --name '^kube-apiserver$' -q); [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1 && exit 0; sleep 0.25; done; exit 1`);
    const createDb = () => node('kubectl create secret generic db-credentials -n vault --from-literal=username=app --from-literal=password=Pa55w0rd-vault-42 >/dev/null');
    const grade = async () => grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));

    it('identity listed first: nothing is encrypted — the provider-order task and both etcd tasks fail', async () => {
      await writeConfig(`${IDENTITY}\n${AESCBC}`);
      await node(`OLD=$(crictl ps --name '^kube-apiserver$' -q)\n${EDIT_MANIFEST}\nfor i in $(seq 1 40); do NEW=$(crictl ps --name '^kube-apiserver$' -q); [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1 && break; sleep 0.25; done`);
      await createDb();
      await node('kubectl get secrets -A -o json | kubectl replace -f - >/dev/null');
      const r = await grade();
      assert.deepEqual(failed(r), ['db-credentials-encrypted', 'encryption-config', 'legacy-token-encrypted']);
      assert.match(check(r, 'encryption-config', 'secrets-provider-order')?.actual ?? '', /first provider for secrets is identity/);
      assert.match(check(r, 'db-credentials-encrypted', 'db-credentials-etcd')?.actual ?? '', /stored in plain text/);
    });

    it('the old Secret not rewritten: only the legacy-token task fails', async () => {
      await writeConfig(`${AESCBC}\n${IDENTITY}`);
      await node(`OLD=$(crictl ps --name '^kube-apiserver$' -q)\n${EDIT_MANIFEST}\nfor i in $(seq 1 40); do NEW=$(crictl ps --name '^kube-apiserver$' -q); [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1 && break; sleep 0.25; done`);
      await createDb();
      const r = await grade();
      assert.deepEqual(failed(r), ['legacy-token-encrypted']);
      assert.match(check(r, 'legacy-token-encrypted', 'legacy-token-etcd')?.actual ?? '', /plain text/);
      assert.match(check(r, 'db-credentials-encrypted', 'db-credentials-etcd')?.actual ?? '', /k8s:enc:aescbc:v1:key1:/);
    });

    it('flag set but the file not mounted: kube-apiserver crash-loops; the API task fails, API checks are errors naming the crash loop, etcd still answers', async () => {
      // Start from a correctly encrypted cluster, then break the mount.
      await runNodeScript(world.provider, cluster, scenario.solutionScript);
      await node('cp /root/kube-apiserver.yaml.orig /etc/kubernetes/manifests/kube-apiserver.yaml');
      await waitForApi();
      await node(EDIT_MANIFEST, { MOUNT: '0' });
      await new Promise((r) => setTimeout(r, 2500)); // the kubelet has replaced the pod and it exited
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-encryption', 'db-credentials']);
      assert.equal(check(r, 'apiserver-encryption', 'manifest-mount')?.status, 'fail');
      // A broken API server is an error that says what to look at, never a fail (issue 9).
      for (const api of [check(r, 'apiserver-encryption', 'apiserver-ready'), check(r, 'db-credentials', 'db-credentials-password')]) {
        assert.equal(api?.status, 'error', 'an API that is down is an error, not a silent fail');
        assert.match(api?.message ?? '', /API server is not coming back: its container keeps exiting \(crash loop\)\. Look at `crictl ps -a --name kube-apiserver` and its log/);
        assert.match(api?.actual ?? '', /kube-apiserver exited \d+ times \(last exit code 1\).*its log ends: "command failed" err="error while parsing file: error opening encryption provider configuration file/);
      }
      assert.equal(check(r, 'db-credentials-encrypted', 'db-credentials-etcd')?.status, 'pass', 'etcd is read through crictl while the API is down');
      // What a learner sees on the node: the crash loop and the real error in the container log.
      const logs = await node(`ID=$(crictl ps -a --name '^kube-apiserver$' --state exited -q | head -n1); crictl ps -a --name kube-apiserver; crictl logs "$ID" 2>&1`);
      assert.match(logs, /Exited/);
      assert.match(logs, /"command failed" err="error while parsing file: error opening encryption provider configuration file \\"\/etc\/kubernetes\/enc\/enc.yaml\\": open \/etc\/kubernetes\/enc\/enc.yaml: no such file or directory"/);
    });

    it('a key of the wrong length: kube-apiserver does not come back', async () => {
      await writeConfig(`      - aescbc:\n          keys:\n            - name: key1\n              secret: ${Buffer.from('0123456789').toString('base64')}\n${IDENTITY}`);
      await node(EDIT_MANIFEST);
      await new Promise((r) => setTimeout(r, 2500));
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-encryption', 'db-credentials', 'db-credentials-encrypted', 'encryption-config', 'legacy-token-encrypted']);
      assert.match(check(r, 'encryption-config', 'secrets-provider-order')?.actual ?? '', /decodes to 10 bytes/);
      const ready = check(r, 'apiserver-encryption', 'apiserver-ready');
      assert.equal(ready?.status, 'error', 'a kube-apiserver that does not come back is an error with the evidence, not a fail');
      assert.match(ready?.message ?? '', /API server is not coming back: its container keeps exiting \(crash loop\)/);
      assert.match(ready?.actual ?? '', /its log ends: .*secret is not of the expected length, got 10, expected one of \[16 24 32\]/);
      const logs = await node(`crictl logs "$(crictl ps -a --name '^kube-apiserver$' -q | head -n1)" 2>&1`);
      assert.match(logs, /secret is not of the expected length, got 10, expected one of \[16 24 32\]/);
    });

    it('grading during a restart waits for the API server and then passes', async () => {
      await runNodeScript(world.provider, cluster, scenario.solutionScript);
      // A harmless manifest change: the kubelet replaces the pod and the API is away for a while.
      await node(`sed -i 's#^    - --allow-privileged=true$#    - --allow-privileged=true\\n    - --profiling=false#' /etc/kubernetes/manifests/kube-apiserver.yaml`);
      await new Promise((r) => setTimeout(r, 400));
      const down = await node('kubectl get --raw=/readyz 2>&1 || true');
      assert.match(down, /refused/, 'the API server is really down during the restart');
      const r = await grade();
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });
  });
});
