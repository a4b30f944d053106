/**
 * private-registry proven on the fakes: the `registry` lab's registry (the fake distribution,
 * real HTTPS and htpasswd Basic auth on the node) and the fake kubelet's real pulls from it with
 * the Pod's pull Secrets (copied from its ServiceAccount by admission), so a Pod runs only when
 * the credentials work, and its imageID is the digest the registry served. One cluster: the proof
 * keeps it, then each learner attempt starts from the state setup leaves.
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
const scenario = catalog.require('private-registry');
// inspectLabs, not loadLabs: a lab another author is still writing must not stop this file.
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('registry')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const CA = '/etc/containerd/certs.d/localhost:5000/ca.crt';
const DIGEST_OF = (tag: string) =>
  `$(curl -sSf -I --cacert ${CA} -u cks-puller:Pull-Secret-42 -H 'Accept: application/vnd.oci.image.manifest.v1+json' https://localhost:5000/v2/shop/web/manifests/${tag} | tr -d '\\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')`;
const SECRET = (ns: string, password = 'Pull-Secret-42') =>
  `kubectl -n ${ns} create secret docker-registry regcred --docker-server=localhost:5000 --docker-username=cks-puller --docker-password=${password}`;
const ON_SA = `kubectl -n shop patch serviceaccount app -p '{"imagePullSecrets":[{"name":"regcred"}]}'`;
const PIN = (ref: string) => `kubectl -n shop set image deployment/web web=${ref}`;

describe('scenario private-registry on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-proof-preg';
  after(() => world.cleanup());
  const { grade, run } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });

  /**
   * Back to what setup leaves (no Secret, bare ServiceAccount, Deployment by tag, the image not
   * on the node: containerd would otherwise start it without asking the registry, IfNotPresent),
   * then the learner's commands, new Pods (`rollout restart`: Pods get the ServiceAccount's pull
   * Secrets when created), and a wait until the new Pod runs or reports a pull failure.
   */
  async function attempt(commands: string): Promise<GradeResult> {
    await run(`set -e
for ns in shop default; do kubectl -n $ns delete secret regcred --ignore-not-found >/dev/null; done
kubectl -n shop patch serviceaccount app --type=json -p '[{"op":"remove","path":"/imagePullSecrets"}]' >/dev/null 2>&1 || true
kubectl -n shop patch deployment web --type=json -p '[{"op":"remove","path":"/spec/template/spec/imagePullSecrets"}]' >/dev/null 2>&1 || true
kubectl -n shop set image deployment/web web=localhost:5000/shop/web:1.0 >/dev/null
rm -f /var/lib/containerd/cks-fake-pulled.json
${commands}
kubectl -n shop rollout restart deployment/web >/dev/null
sleep 1
for i in $(seq 1 120); do
  s=$(kubectl -n shop get pods -l app=web -o json | jq -r '[.items[] | select(.metadata.deletionTimestamp == null)] | sort_by(.metadata.creationTimestamp) as $p
    | ($p[-1].status.containerStatuses[0] // {}) as $c
    | if ($c.state.waiting.reason // "") | test("ErrImagePull|ImagePullBackOff") then "failed"
      elif $c.ready == true and ($p | length) == 1 then "ready" else "wait" end')
  [ "$s" = wait ] || exit 0
  sleep 0.5
done
echo "the Deployment's Pods did not settle: $s" >&2; exit 1
`);
    return grade();
  }

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, cluster, { ...world, grader, keep: true });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.match(check(proof.afterSetup!, 'running', 'pods-running-pulled').actual, /pod web-\S+: (ErrImagePull|ImagePullBackOff) \(no basic auth credentials\)/);
    assert.match(check(proof.afterSetup!, 'by-digest', 'image-pinned').actual, /not pinned by digest/);
    assert.match(check(proof.afterSolution!, 'running', 'pods-running-pulled').actual, /OK pod web-\S+ runs localhost:5000\/shop\/web@sha256:/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    it('the reference answer again, from the state setup leaves, passes every task', async () => {
      assert.deepEqual(failed(await attempt(`${SECRET('shop')} >/dev/null\n${ON_SA} >/dev/null\n${PIN(`localhost:5000/shop/web@${DIGEST_OF('1.0')}`)} >/dev/null`)), []);
    });

    it('the Secret created in default instead of the app namespace fails the Secret and the pull', async () => {
      const r = await attempt(`${SECRET('default')} >/dev/null\n${ON_SA} >/dev/null\n${PIN(`localhost:5000/shop/web@${DIGEST_OF('1.0')}`)} >/dev/null`);
      assert.deepEqual(failed(r), ['pull-secret', 'running']);
      assert.match(check(r, 'running', 'pods-running-pulled').actual, /\(no basic auth credentials\)/);
    });

    it('a wrong password fails the Secret and the pull, with the registry refusing it (401)', async () => {
      const r = await attempt(`${SECRET('shop', 'pull-secret-42')} >/dev/null\n${ON_SA} >/dev/null\n${PIN(`localhost:5000/shop/web@${DIGEST_OF('1.0')}`)} >/dev/null`);
      assert.deepEqual(failed(r), ['pull-secret', 'running']);
      assert.match(check(r, 'pull-secret', 'secret-accepted').actual, /HTTP 401 from the registry for user cks-puller/);
      assert.match(check(r, 'running', 'pods-running-pulled').actual, /\(401 Unauthorized\)/);
    });

    it('the Secret listed in the Pod template instead of on the ServiceAccount fails only that task (the Pod still pulls)', async () => {
      const r = await attempt(`${SECRET('shop')} >/dev/null
kubectl -n shop patch deployment web -p '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}}}' >/dev/null
${PIN(`localhost:5000/shop/web@${DIGEST_OF('1.0')}`)} >/dev/null`);
      assert.deepEqual(failed(r), ['service-account']);
    });

    it('the tag instead of the digest fails only the digest task; so does the digest of another tag', async () => {
      const byTag = await attempt(`${SECRET('shop')} >/dev/null\n${ON_SA} >/dev/null`);
      assert.deepEqual(failed(byTag), ['by-digest']);
      assert.match(check(byTag, 'by-digest', 'image-pinned').actual, /found localhost:5000\/shop\/web:1\.0: not pinned by digest/);
      const otherTag = await attempt(`${SECRET('shop')} >/dev/null\n${ON_SA} >/dev/null\n${PIN(`localhost:5000/shop/web@${DIGEST_OF('1.1')}`)} >/dev/null`);
      assert.deepEqual(failed(otherTag), ['by-digest']);
      assert.match(check(otherTag, 'by-digest', 'image-pinned').actual, /digest [0-9a-f]{12}…: not the one 1\.0 has/);
    });

    it('written differently — the Secret from a config.json with only `auth` under an https:// key, the ServiceAccount applied from YAML, tag@digest found with crane — passes', async () => {
      const r = await attempt(`set -e
AUTH=$(printf '%s' cks-puller:Pull-Secret-42 | base64 -w0)
printf '{"auths":{"https://localhost:5000":{"auth":"%s"}}}' "$AUTH" > /root/config.json
kubectl -n shop create secret generic regcred --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=/root/config.json >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: { name: app, namespace: shop }
imagePullSecrets: [{ name: other-unused }, { name: regcred }]
YAML
crane auth login localhost:5000 -u cks-puller -p Pull-Secret-42 2>/dev/null
${PIN('localhost:5000/shop/web:1.0@$(crane digest localhost:5000/shop/web:1.0)')} >/dev/null
rm -f /root/.docker/config.json`);
      assert.deepEqual(failed(r), []);
    });
  });
});
