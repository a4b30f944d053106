/**
 * The whole platform with CKS_PROVIDER=kubernetes against the fake host Kubernetes API: the warm
 * pool fills with lab pods, a learner's lab comes from it, Check grades the real (fake) cluster
 * inside the pod, /metrics counts lab pods by phase, a restart adopts the lab pods by label (and
 * deletes the ones nothing owns), and a lab pod evicted mid-session ends the lab with Kubernetes'
 * reason instead of leaving the learner in front of a dead terminal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARM_HIT } from '../../server/clusters/pool.js';
import { ClientHostKube } from '../../server/clusters/kubernetes/hostKube.js';
import { KubernetesProvider } from '../../server/clusters/kubernetes/kubernetesProvider.js';
import { LAB_POD_LABELS, type LabPodSettings } from '../../server/clusters/kubernetes/labPod.js';
import { loadLabs } from '../../server/clusters/index.js';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog, scriptEnv } from '../../server/scenarios/index.js';
import { FakeHostApi } from '../fakes/host-kube/hostApi.js';
import { Learner, ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const NS = 'cks-lab';
const POD_IMAGE = `registry.example.com/cks-lab/lab-pod@sha256:${'1'.repeat(64)}`;

describe('the platform on the kubernetes provider (fake host cluster)', function () {
  this.timeout(240_000);
  const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
  const work = mkdtempSync(join(tmpdir(), 'cks-k8s-platform-'));
  const podWork = mkdtempSync(join(tmpdir(), 'cks-k8s-podwork-'));
  let host: FakeHostApi;
  let kubeconfig: string;
  let platform: Platform | undefined;
  const env = (): Record<string, string> => ({
    CKS_LOG_LEVEL: 'error',
    CKS_PROVIDER: 'kubernetes',
    CKS_K8S_NAMESPACE: NS,
    CKS_K8S_KUBECONFIG: kubeconfig,
    CKS_K8S_LAB_POD_IMAGE: POD_IMAGE,
    CKS_K8S_IMAGE_REGISTRY: 'registry.example.com',
    CKS_K8S_POD_WORK_DIR: podWork,
    CKS_WARM_POOL: 'default=1',
  });
  const start = async (): Promise<Platform> => startPlatform(loadConfig({ port: '0', dataDir: join(work, 'data') }, env()), createSilentLogger());
  /** The same host cluster seen by a second provider: how the test plays the learner on the node. */
  const learnerSide = (): KubernetesProvider => {
    const settings: LabPodSettings = { namespace: NS, image: POD_IMAGE, nodeMemoryMiB: 1024, nodeCpuMillis: 500, nodeSelector: {}, tolerations: [], poolCapabilities: [], workDir: podWork, imageRegistry: 'registry.example.com' };
    return new KubernetesProvider({ kube: ClientHostKube.fromEnvironment(NS, kubeconfig), logger: createSilentLogger(), settings, kubeconfigDir: join(work, 'learner-side') });
  };
  const labPods = (): string[] => [...host.pods.values()].map((p) => String(p.object.metadata.labels[LAB_POD_LABELS.cluster])).sort();

  before(async () => {
    host = new FakeHostApi({ nodeMemoryMi: 8192, registry: [{ tag: `registry.example.com/${lab.nodeImage}`, context: lab.buildContext! }] });
    await host.start();
    kubeconfig = host.writeKubeconfig(NS);
  });
  after(async () => {
    await platform?.close();
    await host.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(podWork, { recursive: true, force: true });
  });

  it('a warm lab pod serves the learner; Check grades the cluster inside it; /metrics counts lab pods; a restart adopts them', async () => {
    platform = await start();
    await waitFor(async () => platform!.pool.status().clusters.some((c) => c.state === 'ready'), 'a warm lab pod', 120_000);
    const learner = new Learner(platform.server.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { session, token } = created.json as { session: { id: string }; token: string };
    const h = { 'x-session-token': token };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${session.id}`, undefined, h)).json.state === 'ready', 'ready', 120_000);
    assert.ok(platform.sessions.progress(session.id).some((p) => p.detail === WARM_HIT), 'the lab came warm from a pod already running');

    const before = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(before.json.passed, false);
    const cluster = platform.sessions.get(session.id)!.clusterName;
    const scenario = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios')).scenarios).require('init-containers');
    await runNodeScript(learnerSide(), cluster, scenario.solutionScript, 120_000, scriptEnv(scenario));
    const after = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(after.json.passed, true, JSON.stringify(after.json.tasks));

    // The pool refills with another pod; /metrics reports them by phase.
    await waitFor(async () => labPods().length === 2, 'the pool refilled', 120_000);
    const metrics = await (await fetch(`${platform.server.url}/metrics`)).text();
    assert.match(metrics, /^cks_lab_pods\{phase="Running"\} 2$/m);

    // A pod nothing owns (left by a crashed platform) is deleted at the next start; the learner's is adopted.
    await learnerSide().create('cks-orphan1', lab, () => undefined);
    await platform.close();
    platform = await start();
    await waitFor(async () => !labPods().includes('cks-orphan1'), 'the orphan lab pod deleted', 60_000);
    assert.ok(labPods().includes(cluster), 'the learner’s lab pod was adopted');
    const back = new Learner(platform.server.url); // the same browser, after the restart
    back.cookie = learner.cookie;
    const again = await back.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(again.json.passed, true, 'graded through the adopted pod after the restart');
  });

  it('a lab pod evicted mid-session ends the lab with Kubernetes’ reason; the learner can start again', async () => {
    const learner = new Learner(platform!.server.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    const { session, token } = created.json as { session: { id: string }; token: string };
    const h = { 'x-session-token': token };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${session.id}`, undefined, h)).json.state === 'ready', 'ready', 120_000);
    const cluster = platform!.sessions.get(session.id)!.clusterName;
    await host.evict(NS, `cks-${cluster}`);
    await platform!.sessions.sweepLost();
    const ended = (await learner.request('GET', `/api/sessions/${session.id}`, undefined, h)).json;
    assert.equal(ended.state, 'ended');
    assert.match(String(ended.error), /Kubernetes stopped your lab's pod \(Failed: Evicted: The node was low on resource: memory.*Your results are kept/s);
    await waitFor(async () => !labPods().includes(cluster), 'the evicted pod deleted', 60_000);
    // Starting again gives a new cluster in a new pod.
    const retry = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(retry.status, 201, JSON.stringify(retry.json));
    const next = retry.json as { session: { id: string }; token: string };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${next.session.id}`, undefined, { 'x-session-token': next.token })).json.state === 'ready', 'ready again', 120_000);
  });
});
