import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { kubectl, startTestServer } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

describe('fake kube-apiserver: REST semantics through @kubernetes/client-node', () => {
  let t: Started;
  let objects: KubernetesObjectApi;
  let core: CoreV1Api;

  before(async () => {
    t = await startTestServer();
    const kc = new KubeConfig();
    kc.loadFromString(t.server.kubeconfig({ tls: false }));
    objects = KubernetesObjectApi.makeApiClient(kc);
    core = kc.makeApiClient(CoreV1Api);
  });
  after(async () => t.dispose());

  it('rejects a token it does not know with a 401 Status; without a token (anonymous, as kubeadm leaves it) RBAC says 403', async () => {
    const res = await fetch(`${t.server.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer not-a-token' } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const anonymous = await fetch(`${t.server.url}/api/v1/namespaces`);
    assert.equal(anonymous.status, 403);
    assert.match(((await anonymous.json()) as { message: string }).message, /User "system:anonymous" cannot list resource "namespaces"/);
  });

  it('serves version and discovery like a v1.34 cluster (the node image kube-apiserver)', async () => {
    const auth = { headers: { Authorization: `Bearer ${t.server.token}` } };
    const version = (await (await fetch(`${t.server.url}/version`)).json()) as { gitVersion: string };
    assert.equal(version.gitVersion, 'v1.34.0');
    const groups = (await (await fetch(`${t.server.url}/apis`, auth)).json()) as { groups: { name: string }[] };
    assert.deepEqual(groups.groups.map((g) => g.name).sort(), ['admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'certificates.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy', 'rbac.authorization.k8s.io']);
    const core1 = (await (await fetch(`${t.server.url}/api/v1`, auth)).json()) as { resources: { name: string }[] };
    assert.ok(core1.resources.some((r) => r.name === 'pods/exec'));
  });

  it('has the default namespaces, their default ServiceAccounts and a Ready control-plane node', async () => {
    const ns = await core.listNamespace();
    assert.deepEqual(ns.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: 'kube-system' });
    assert.equal(sa.metadata?.namespace, 'kube-system');
    const node = await core.readNode({ name: 'test-control-plane' });
    assert.equal(node.metadata?.labels?.['node-role.kubernetes.io/control-plane'], '');
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/2\./);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('creates, reads, lists by label and deletes objects with real metadata', async () => {
    await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const cm = await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', labels: { app: 'shop' } }, data: { a: '1' } } as KubernetesObject);
    assert.match(cm.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(cm.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.ok(Math.abs(Date.now() - new Date(cm.metadata?.creationTimestamp as unknown as string).getTime()) < 60_000);
    const read = await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } });
    assert.deepEqual((read as unknown as { data: unknown }).data, { a: '1' });
    const rc = await objects.create({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' } as KubernetesObject);
    assert.equal(rc.metadata?.generation, undefined);
    const listed = await objects.list('v1', 'ConfigMap', 'shop', undefined, undefined, undefined, undefined, 'app=shop');
    assert.deepEqual(listed.items.map((i) => i.metadata?.name), ['cfg']);
    assert.equal((await objects.list('v1', 'ConfigMap', 'shop', undefined, undefined, undefined, undefined, 'app=other')).items.length, 0);
    const status = await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } });
    assert.equal(status.status, 'Success');
    await assert.rejects(objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } }), (e: { code: number; body: string }) => {
      assert.equal(e.code, 404);
      assert.equal(JSON.parse(e.body).message, 'configmaps "cfg" not found');
      return true;
    });
  });

  it('answers the real errors: missing namespace, already exists, invalid', async () => {
    const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'nowhere' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await assert.rejects(core.createNamespacedPod({ namespace: 'nowhere', body: pod }), (e: { code: number; body: string }) => {
      assert.equal(e.code, 404);
      const s = JSON.parse(e.body);
      assert.equal(s.message, 'namespaces "nowhere" not found');
      assert.equal(s.reason, 'NotFound');
      return true;
    });
    await objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'viewer' }, rules: [] } as KubernetesObject);
    await assert.rejects(objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'viewer' }, rules: [] } as KubernetesObject), (e: { code: number; body: string }) => {
      assert.equal(e.code, 409);
      assert.equal(JSON.parse(e.body).message, 'clusterroles.rbac.authorization.k8s.io "viewer" already exists');
      return true;
    });
    await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: { ...pod, metadata: { name: 'nocontainers' }, spec: { containers: [] } } }), (e: { code: number; body: string }) => {
      assert.equal(e.code, 422);
      assert.equal(JSON.parse(e.body).message, 'Pod "nocontainers" is invalid: spec.containers: Required value');
      return true;
    });
  });

  it('applies merge patches and bumps generation only on spec changes', async () => {
    const dep = await objects.create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    } as KubernetesObject);
    assert.equal(dep.metadata?.generation, 1);
    const labelled = await objects.patch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } } } as KubernetesObject, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    assert.equal(labelled.metadata?.generation, 1);
    assert.equal(labelled.metadata?.labels?.tier, 'front');
    const scaled = await objects.patch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3 } } as KubernetesObject, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    assert.equal(scaled.metadata?.generation, 2);
    assert.equal((scaled as unknown as { spec: { replicas: number } }).spec.replicas, 3);
  });

  it('rejects unknown fields under fieldValidation=Strict with the real wording', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'busybox', volumes: [] }] } });
    const res = await fetch(`${t.server.url}/api/v1/namespaces/default/pods?fieldValidation=Strict`, {
      method: 'POST', body, headers: { Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' },
    });
    assert.equal(res.status, 400);
    const s = (await res.json()) as { message: string };
    assert.equal(s.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].volumes"');
  });

  it('merges Secret stringData into data on update and patch too, as the API server does', async () => {
    await objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rotated', namespace: 'default' }, data: { password: Buffer.from('old').toString('base64') } } as KubernetesObject);
    const patched = await kubectl(t.kubeconfigFile, ['patch', 'secret', 'rotated', '-n', 'default', '-p', '{"stringData":{"password":"new"}}']);
    assert.equal(patched.code, 0, patched.stderr);
    const after = await core.readNamespacedSecret({ name: 'rotated', namespace: 'default' });
    assert.equal(Buffer.from(after.data?.password ?? '', 'base64').toString(), 'new');
    assert.equal((after as { stringData?: unknown }).stringData, undefined, 'stringData is write-only');
  });

  it('a watch from a list\'s resourceVersion replays what changed since (kubectl wait loses nothing); a version it no longer holds is 410 Expired', async () => {
    const auth = { Authorization: `Bearer ${t.server.token}` };
    await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
    const list = (await (await fetch(`${t.server.url}/api/v1/namespaces/watched/configmaps`, { headers: auth })).json()) as { metadata: { resourceVersion: string } };
    // Changed between the list and the watch, as when a pod turns Ready while kubectl wait starts its watch.
    await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'between', namespace: 'watched' }, data: { a: '1' } } as KubernetesObject);
    await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'default' } } as KubernetesObject);
    const ctl = new AbortController();
    const res = await fetch(`${t.server.url}/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { headers: auth, signal: ctl.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    const ev = JSON.parse(first.split('\n')[0]!) as { type: string; object: { metadata: { name: string } } };
    assert.deepEqual([ev.type, ev.object.metadata.name], ['ADDED', 'between']);
    assert.doesNotMatch(first, /elsewhere/);
    const old = await (await fetch(`${t.server.url}/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=1`, { headers: auth })).text();
    const err = JSON.parse(old.trim()) as { type: string; object: { code: number; reason: string; message: string } };
    assert.equal(err.type, 'ERROR');
    assert.equal(err.object.code, 410);
    assert.equal(err.object.reason, 'Expired');
    assert.match(err.object.message, /^too old resource version: 1 \(\d+\)$/);
  });

  it('keeps objects across a restart of the fake (objects.json)', async () => {
    await objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kept', namespace: 'default' }, stringData: { k: 'v' } } as KubernetesObject);
    t.server.store.flush();
    const { startFakeApiServer } = await import('./index.js');
    const again = await startFakeApiServer({ cluster: 'test', dir: t.server.dir });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(again.kubeconfig());
      const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'kept', namespace: 'default' });
      assert.equal(Buffer.from(secret.data?.k ?? '', 'base64').toString(), 'v');
    } finally {
      await again.close();
    }
  });

  it('turns the node Ready only after nodeReadyDelayMs', async () => {
    const { startFakeApiServer } = await import('./index.js');
    const slow = await startFakeApiServer({ cluster: 'slow', nodeReadyDelayMs: 300 });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(slow.kubeconfig());
      const api = kc.makeApiClient(CoreV1Api);
      const ready = async (): Promise<string | undefined> => (await api.readNode({ name: 'slow-control-plane' })).status?.conditions?.find((c) => c.type === 'Ready')?.status;
      assert.equal(await ready(), 'False');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await ready(), 'True');
    } finally {
      await slow.close();
      rmSync(slow.dir, { recursive: true, force: true });
    }
  });
});
