/**
 * The `kubernetes` provider against a fake host Kubernetes API (pods, a scheduler by memory, exec
 * over WebSocket) whose lab pods each hold their own fake Docker engine: the same KindProvider
 * code drives kind inside the pod, node commands and probes go through the exec API, terminals
 * through `kubectl exec`, and Kubernetes' own answers (Pending for lack of room, eviction) reach
 * the learner in words.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { KubeConfig } from '@kubernetes/client-node';
import { ClientHostKube } from '../../server/clusters/kubernetes/hostKube.js';
import { KubernetesProvider } from '../../server/clusters/kubernetes/kubernetesProvider.js';
import { LAB_POD_LABELS, labPodManifest, labPodName, parseNodeSelector, parseTolerations, podKindConfig, type LabPodSettings } from '../../server/clusters/kubernetes/labPod.js';
import { loadLabs, type ProvisionProgress } from '../../server/clusters/index.js';
import { isAppError } from '../../server/errors.js';
import { ClientNodeProbes } from '../../server/kube/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { FakeHostApi } from '../fakes/host-kube/hostApi.js';
import { ROOT } from '../helpers/testServer.js';

const labs = loadLabs(join(ROOT, 'labs'));
const lab = labs.get('default')!;
const NS = 'cks-labs';

describe('kubernetes provider: learner clusters in lab pods on a (fake) Kubernetes cluster', function () {
  this.timeout(120_000);
  let host: FakeHostApi;
  let provider: KubernetesProvider;
  let kubeconfigFile: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'cks-k8s-provider-'));
  const workDir = mkdtempSync(join(tmpdir(), 'cks-k8s-podwork-'));
  const settings: LabPodSettings = { namespace: NS, image: 'registry.example.com/cks-lab/lab-pod@sha256:' + '0'.repeat(64), nodeMemoryMiB: 1024, nodeCpuMillis: 500, nodeSelector: { pool: 'cks-labs' }, tolerations: [{ key: 'cks-lab', operator: 'Exists', effect: 'NoSchedule' }], poolCapabilities: [], workDir, imageRegistry: 'registry.example.com' };

  before(async () => {
    // Room for two one-node labs (1 GiB requested each).
    host = new FakeHostApi({ nodeMemoryMi: 2048 + 512, registry: [{ tag: `registry.example.com/${lab.nodeImage}`, context: lab.buildContext! }] });
    await host.start();
    kubeconfigFile = host.writeKubeconfig(NS);
    provider = new KubernetesProvider({ kube: ClientHostKube.fromEnvironment(NS, kubeconfigFile), logger: createSilentLogger(), settings, kubeconfigDir: join(dataDir, 'kubeconfigs'), pollMs: 50, readyTimeoutMs: 60_000, kubectl: ['kubectl', '--kubeconfig', kubeconfigFile] });
  });
  after(async () => {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('preflight passes with pods access in the namespace, and explains when the API refuses', async () => {
    assert.equal(await provider.preflight(), null);
    const stranger = new KubernetesProvider({ kube: new ClientHostKube(tokenless(kubeconfigFile), NS), logger: createSilentLogger(), settings, kubeconfigDir: join(dataDir, 'x') });
    assert.match((await stranger.preflight()) ?? '', /cannot be used: .*Unauthorized.*ServiceAccount \(pods and pods\/exec in namespace cks-labs\)/s);
  });

  it('creates the cluster inside a scheduled lab pod: progress from scheduling to kind’s phases, node commands and the API through the pod', async () => {
    const events: ProvisionProgress[] = [];
    const info = await provider.create('learner-a', lab, (p) => events.push(p));
    assert.equal(info.controlPlaneNode, 'learner-a-control-plane');
    const steps = events.map((e) => `${e.step}:${e.state}`);
    assert.deepEqual(steps.slice(0, 1), ['Scheduling lab pod:started']);
    assert.ok(steps.indexOf('Scheduling lab pod:done') < steps.indexOf('Ensuring node image:started'), steps.join(', '));
    assert.ok(steps.includes('Waiting for node Ready:done'));
    // The pod Kubernetes got: requests from the lab, the dedicated pool, privileged engine, no SA token.
    const pod = host.pods.get(`${NS}/${labPodName('learner-a')}`)!.object;
    assert.deepEqual(pod.spec.containers[0].resources, { requests: { cpu: '500m', memory: '1024Mi' }, limits: { memory: '1536Mi' } });
    assert.deepEqual(pod.spec.nodeSelector, { pool: 'cks-labs' });
    assert.equal(pod.spec.automountServiceAccountToken, false);
    assert.equal(pod.metadata.labels[LAB_POD_LABELS.cluster], 'learner-a');
    // Node commands: docker exec inside the pod, through the exec API.
    const nodes = await provider.nodeExec('learner-a', ['kubectl', 'get', 'nodes', '-o', 'name'], { env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });
    assert.equal(nodes.exitCode, 0, nodes.stderr);
    assert.equal(nodes.stdout.trim(), 'node/learner-a-control-plane');
    const piped = await provider.nodeExec('learner-a', ['sh', '-c', 'wc -c'], { input: 'x'.repeat(100_000) });
    assert.equal(piped.stdout.trim(), '100000', 'stdin reaches the node whole and is closed');
    const failing = await provider.nodeExec('learner-a', ['sh', '-c', 'echo oops >&2; exit 3']);
    assert.deepEqual([failing.exitCode, failing.stderr.trim()], [3, 'oops']);
    assert.ok(host.requests.some((r) => r === `EXEC /api/v1/namespaces/${NS}/pods/cks-learner-a/exec`));
    // The API: the captured credentials, read through our own client.
    const probes = new ClientNodeProbes({ kubeconfig: await provider.kubeconfig('learner-a'), logger: createSilentLogger(), nodeExec: (argv) => provider.nodeExec('learner-a', argv) });
    const node = await probes.getObject({ apiVersion: 'v1', kind: 'Node', name: 'learner-a-control-plane' });
    assert.equal((node as { metadata: { name: string } } | null)?.metadata.name, 'learner-a-control-plane');
    assert.deepEqual(await provider.list(), ['learner-a']);
  });

  it('a terminal is kubectl exec into the pod, then docker exec into the node (no Docker socket on the platform side)', async () => {
    const argv = provider.nodeShellArgv('learner-a');
    assert.deepEqual(argv.slice(0, 12), ['kubectl', '--kubeconfig', kubeconfigFile, 'exec', '-i', '-t', '-n', NS, 'cks-learner-a', '-c', 'engine', '--']);
    assert.deepEqual(argv.slice(12, 15), ['docker', 'exec', '-it']);
    // In a pty, as the terminal factory runs it: the real kubectl speaks the exec protocol with the fake host API.
    const term = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm-256color', cols: 100, rows: 30, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' } });
    let seen = '';
    term.onData((d) => (seen += d));
    const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    await waitUntil(() => /[#$] ?$/m.test(seen), 'a shell prompt', 30_000);
    term.write('echo "on $(hostname)"; exit\r');
    assert.equal(await exited, 0);
    assert.match(seen, /on learner-a-control-plane/);
  });

  it('a lab pod that does not fit waits Pending, the learner is told why, and it starts when room frees up', async () => {
    const events: ProvisionProgress[] = [];
    const second = provider.create('learner-b', lab, (p) => events.push(p));
    const third = provider.create('learner-c', lab, (p) => events.push(p));
    await waitUntil(() => events.some((e) => /Waiting for room on the Kubernetes cluster \(1st in line\): 0\/1 nodes are available: 1 Insufficient memory/.test(e.detail ?? '')), 'a Pending message');
    await second; // one more fitted
    assert.equal((await provider.list()).sort().join(','), 'learner-a,learner-b,learner-c');
    const pending = host.pods.get(`${NS}/cks-learner-c`)!.object;
    assert.equal(pending.status.phase, 'Pending');
    await provider.delete('learner-b');
    await third;
    assert.deepEqual((await provider.list()).sort(), ['learner-a', 'learner-c']);
  });

  it('a lab pod evicted mid-session: a node command says the cluster is gone and how to go on, never hangs', async () => {
    await host.evict(NS, 'cks-learner-c');
    await assert.rejects(
      provider.nodeExec('learner-c', ['true']),
      (e: unknown) => isAppError(e) && e.code === 'cluster_unreachable' && /Kubernetes stopped your lab's pod \(Failed: Evicted: The node was low on resource: memory.*Start the lab again/s.test(e.message),
    );
    await provider.delete('learner-c');
    assert.deepEqual(await provider.list(), ['learner-a']);
  });

  it('delete removes the pod and the captured credentials; list adopts only this platform’s lab pods', async () => {
    await provider.delete('learner-a');
    assert.deepEqual(await provider.list(), []);
    await waitUntil(() => host.pods.size === 0, 'pods gone');
    assert.deepEqual(readdirSync(join(dataDir, 'kubeconfigs')).filter((f) => f.endsWith('.credentials')), []);
    await provider.delete('learner-a'); // idempotent
  });

  it('labs the pool cannot run are refused up front, saying what the operator must provide', async () => {
    const apparmor = labs.get('apparmor')!;
    assert.match((await provider.labSupport(apparmor)) ?? '', /needs AppArmor on the Kubernetes nodes that run lab pods.*CKS_K8S_POOL_CAPABILITIES/);
    const built = [...labs.values()].find((l) => l.buildContext && l.requires.length === 0)!;
    const noRegistry = new KubernetesProvider({ kube: ClientHostKube.fromEnvironment(NS, kubeconfigFile), logger: createSilentLogger(), settings: { ...settings, imageRegistry: undefined }, kubeconfigDir: join(dataDir, 'z') });
    assert.match((await noRegistry.labSupport(built)) ?? '', /must come from a registry.*CKS_K8S_IMAGE_REGISTRY/);
    const withRegistry = new KubernetesProvider({ kube: ClientHostKube.fromEnvironment(NS, kubeconfigFile), logger: createSilentLogger(), settings: { ...settings, imageRegistry: 'registry.example.com', poolCapabilities: ['apparmor'] }, kubeconfigDir: join(dataDir, 'y') });
    assert.equal(await withRegistry.labSupport(built), null);
    assert.equal(await withRegistry.labSupport(apparmor), null);
    // Falco's modern eBPF probe: only on a pool the operator declares to have kernels with BTF.
    const falco = labs.get('falco')!;
    assert.match((await withRegistry.labSupport(falco)) ?? '', /needs a kernel with BTF \(Linux 5\.8 or newer, \/sys\/kernel\/btf\/vmlinux: Falco's modern eBPF probe\) on the Kubernetes nodes that run lab pods.*CKS_K8S_POOL_CAPABILITIES/);
    const btfPool = new KubernetesProvider({ kube: ClientHostKube.fromEnvironment(NS, kubeconfigFile), logger: createSilentLogger(), settings: { ...settings, imageRegistry: 'registry.example.com', poolCapabilities: ['btf'] }, kubeconfigDir: join(dataDir, 'x') });
    assert.equal(await btfPool.labSupport(falco), null);
  });
});

describe('lab pod manifest and settings', () => {
  const settings: LabPodSettings = { namespace: 'labs', image: 'img@sha256:' + 'a'.repeat(64), nodeMemoryMiB: 1024, nodeCpuMillis: 500, nodeSelector: {}, tolerations: [], poolCapabilities: [] };

  it('requests grow with the lab’s kind nodes', () => {
    const two = labPodManifest('c1', { id: 'two-node', nodes: ['control-plane', 'worker'] }, settings) as { spec: { containers: { resources: unknown }[] } };
    assert.deepEqual(two.spec.containers[0]!.resources, { requests: { cpu: '1000m', memory: '2048Mi' }, limits: { memory: '3072Mi' } });
  });

  it('the kind config listens on the pod address with it in the API server certificate; anything but an IP is refused', () => {
    const c = podKindConfig({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', networking: { podSubnet: '10.244.0.0/16' }, nodes: [{ role: 'control-plane' }] }, '10.42.3.17');
    assert.deepEqual(c.networking, { podSubnet: '10.244.0.0/16', apiServerAddress: '0.0.0.0', apiServerPort: 6443 });
    assert.match(String((c.kubeadmConfigPatches as string[]).at(-1)), /certSANs:\n  - "10\.42\.3\.17"/);
    assert.throws(() => podKindConfig({}, '10.0.0.1"\n  - evil'), /not an IP/);
  });

  it('a lab that runs once per host runs once per Kubernetes node (anti-affinity), not once on the whole platform', () => {
    const pod = labPodManifest('c1', { id: 'apparmor', maxClustersPerHost: 1 }, settings) as { spec: { affinity?: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[] } } } };
    const term = pod.spec.affinity!.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]!;
    assert.equal(term.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(term.labelSelector.matchLabels, { 'app.kubernetes.io/managed-by': 'cks-lab', 'cks-lab.io/lab': 'apparmor' });
    assert.equal((labPodManifest('c2', { id: 'default' }, settings) as { spec: { affinity?: unknown } }).spec.affinity, undefined);
  });

  it('a registry mirror reaches every lab pod’s dockerd', () => {
    const pod = labPodManifest('c1', { id: 'default' }, { ...settings, registryMirror: 'https://mirror.example.com:5000' }) as { spec: { containers: { args: string[] }[] } };
    assert.deepEqual(pod.spec.containers[0]!.args, ['dockerd', '--host=unix:///var/run/docker.sock', '--registry-mirror=https://mirror.example.com:5000']);
  });

  it('node selector and tolerations parse from settings, bad ones name the setting and the form', () => {
    assert.deepEqual(parseNodeSelector('pool=cks-labs, kubernetes.io/os=linux'), { pool: 'cks-labs', 'kubernetes.io/os': 'linux' });
    assert.deepEqual(parseTolerations('cks-lab=true:NoSchedule,dedicated:NoExecute'), [
      { key: 'cks-lab', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
    ]);
    assert.throws(() => parseNodeSelector('pool'), /CKS_K8S_NODE_SELECTOR must look like/);
    assert.throws(() => parseTolerations('cks-lab=true'), /CKS_K8S_TOLERATIONS must look like/);
  });
});

/** The same server with a token it does not accept. */
function tokenless(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(file, 'utf8').replace('fake-platform-token', 'not-the-platform'));
  return kc;
}

async function waitUntil(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

