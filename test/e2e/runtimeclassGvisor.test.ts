/**
 * The runtimeclass-gvisor scenario and the gvisor lab proven on the fakes: the lab's node image is
 * built by fake `docker build` from labs/gvisor/image (its LABELs declare runsc), fake kind creates
 * the node from it, the lab's bootstrap proves a runsc pod starts, and the simulated kubelet runs
 * pods with the handler the node's containerd config names (gVisor's dmesg under runsc).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { onNode } from '../helpers/nodeScript.js';
import { ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';
import { failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const labs = loadLabs(join(ROOT, 'labs'));
const scenario = catalog.require('runtimeclass-gvisor');
const lab = labs.get('gvisor')!;
const grader = new CheckEngine({ logger: createSilentLogger() });

describe('lab gvisor and scenario runtimeclass-gvisor on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: the lab image is built, bootstrap passes, setup fails every task, the solution passes every one', async () => {
    const steps: string[] = [];
    const proof = await proveScenario(scenario, lab, 'cks-proof-gvisor', { ...world, grader, onProgress: (p) => steps.push(`${p.step}:${p.state}`) });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, 7);
    assert.ok(steps.includes('Building node image:done'), `the node image was built (${steps.join(', ')})`);
    assert.ok(steps.includes('Bootstrapping lab:done'));
    const sandboxed = proof.afterSetup?.tasks.find((t) => t.id === 'pod-sandboxed')?.checks.find((c) => c.id === 'gvisor-kernel');
    assert.match(sandboxed?.actual ?? '', /Operation not permitted/, 'under runc the pod may not read the kernel log');
  });

  it('a lab image that was never built fails kind like real kind ("Ensuring node image" pull error)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cks-lab-'));
    const kindConfig = join(dir, 'kind-config.yaml');
    const image = 'cks-lab/kindest-node-never-built:v1';
    writeFileSync(kindConfig, `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n    image: ${image}\n`);
    const err = await world.provider.create('cks-noimage', { id: 'never-built', description: '', kindConfig, nodeImage: image, requires: [] }, () => undefined).then(
      () => assert.fail('create should fail'),
      (e: Error) => e,
    );
    assert.match(err.message, /pull access denied for cks-lab\/kindest-node-never-built|failed to pull image/);
    assert.deepEqual(await world.provider.list(), []);
  });

  describe('the bootstrap fails loudly when the node cannot sandbox', () => {
    const cluster = 'cks-gvisor-broken';
    before(async () => world.provider.create(cluster, lab, () => undefined));
    after(() => world.provider.delete(cluster));

    it('names the missing runsc handler', async () => {
      await onNode(world.provider, cluster, `sed -i '/runtimes.runsc/,$d' /etc/containerd/config.toml`);
      const out = await world.provider.nodeExec(cluster, ['bash', '-s'], { input: readFileSync(lab.bootstrapScript!, 'utf8'), env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });
      assert.notEqual(out.exitCode, 0);
      assert.match(out.stderr, /gVisor lab self-check FAILED: containerd has no runtime handler named runsc/);
    });
  });

  describe('common mistakes fail exactly the right task', () => {
    const cluster = 'cks-gvisor-mistakes';
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await runNodeScript(world.provider, cluster, scenario.setupScript);
    });
    after(() => world.provider.delete(cluster));

    async function attempt(runtimeClass: string | null, podClass: string | null): Promise<{ grade: GradeResult; apply: string }> {
      const rc = runtimeClass === null ? 'kubectl delete runtimeclass gvisor --ignore-not-found >/dev/null' : `kubectl apply -f - >/dev/null <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: { name: gvisor }
handler: ${runtimeClass}
YAML`;
      const out = await onNode(world.provider, cluster, `set -e
kubectl delete runtimeclass gvisor --ignore-not-found >/dev/null
${rc}
kubectl delete pod untrusted -n sandbox --ignore-not-found --wait=true >/dev/null
cat > /root/attempt.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: { name: untrusted, namespace: sandbox }
spec:
${podClass ? `  runtimeClassName: ${podClass}\n` : ''}  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]
YAML
kubectl apply -f /root/attempt.yaml 2>&1 || true
`);
      const kubeconfig = await world.provider.kubeconfig(cluster);
      const probes = () => world.probesFor(cluster, kubeconfig);
      // Let the simulated kubelet settle: running, or its sandbox creation reported as failed.
      await waitFor(async () => {
        const pod = await probes().getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'sandbox', name: 'untrusted' });
        if (!pod) return true;
        const phase = (pod.status as { phase?: string } | undefined)?.phase;
        const ev = await onNode(world.provider, cluster, 'kubectl get events -n sandbox -o name', { expectOk: false });
        return phase === 'Running' || /failedcreatepodsandbox/.test(ev.stdout);
      }, 'pod settled', 20_000, 200);
      return { grade: await grader.grade(scenario, probes()), apply: out.stdout };
    }

    it('a wrong handler: the RuntimeClass task fails, and the Pod never gets a sandbox', async () => {
      const { grade } = await attempt('gvisor', 'gvisor');
      assert.deepEqual(failed(grade), ['pod-sandboxed', 'runtimeclass']);
      const running = grade.tasks.find((t) => t.id === 'pod-sandboxed')?.checks.find((c) => c.id === 'pod-running');
      assert.match(running?.actual ?? '', /^Pending.*ContainerCreating/);
      const events = await onNode(world.provider, cluster, 'kubectl describe pod untrusted -n sandbox');
      assert.match(events.stdout, /no runtime for "gvisor" is configured/);
    });

    it('runtimeClassName missing: the Pod runs, but with the host kernel', async () => {
      const { grade } = await attempt('runsc', null);
      assert.deepEqual(failed(grade), ['pod-runtimeclass', 'pod-sandboxed']);
      const kernel = grade.tasks.find((t) => t.id === 'pod-sandboxed')?.checks.find((c) => c.id === 'gvisor-kernel');
      assert.equal(kernel?.status, 'fail');
    });

    it('RuntimeClass missing: the API server rejects the Pod', async () => {
      const { grade, apply } = await attempt(null, 'gvisor');
      assert.match(apply, /pods "untrusted" is forbidden: pod rejected: RuntimeClass "gvisor" not found/);
      assert.deepEqual(failed(grade), ['pod-runtimeclass', 'pod-sandboxed', 'runtimeclass']);
    });

    it('the reference-shaped RuntimeClass and Pod pass every task', async () => {
      const { grade } = await attempt('runsc', 'gvisor');
      assert.deepEqual(failed(grade), []);
      assert.equal(grade.score, grade.maxScore);
    });
  });
});
