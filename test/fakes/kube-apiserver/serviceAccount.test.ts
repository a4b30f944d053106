/**
 * ServiceAccount tokens on the fakes: the ServiceAccount admission plugin (automount, default SA,
 * unknown SA refused, also on a server-side dry-run), the root CA ConfigMap every namespace gets,
 * and the kubelet's projected volumes (a bound token's claims, ca.crt, namespace) inside the container.
 */
import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const POD = (name: string, extra = '', containerExtra = ''): string => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: tokens }
spec:
${extra}
  initContainers:
    - { name: init, image: busybox:1.36.1, command: [sh, -c, 'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace 2>/dev/null; true'] }
  containers:
    - name: app
      image: busybox:1.36.1
      command: [sleep, '3600']
${containerExtra}`;

/** The token's JSON payload, decoded with what a busybox container has. */
const DECODE = (file: string): string[] => ['sh', '-c', `p=$(cut -d. -f2 ${file} | tr "_-" "/+"); while [ $(( \${#p} % 4 )) -ne 0 ]; do p="$p="; done; printf %s "$p" | base64 -d`];

describe('fake kube-apiserver: ServiceAccount admission and projected tokens', function () {
  this.timeout(60_000);
  let t: Started;
  const k = (...args: string[]) => kubectl(t.kubeconfigFile, args);
  const apply = (yaml: string) => kubectl(t.kubeconfigFile, ['apply', '-f', '-'], yaml);
  const podJson = async (name: string): Promise<Record<string, any>> => JSON.parse((await k('-n', 'tokens', 'get', 'pod', name, '-o', 'json')).stdout) as Record<string, any>;
  const running = (name: string) => waitFor(async () => (await podJson(name)).status?.phase === 'Running', 15_000, `pod ${name} Running`);

  before(async () => {
    t = await startTestServer();
    assert.equal((await k('create', 'namespace', 'tokens')).code, 0);
    assert.equal((await k('-n', 'tokens', 'create', 'serviceaccount', 'app-sa')).code, 0);
  });
  after(async () => t.dispose());

  it('publishes kube-root-ca.crt with the cluster CA in every namespace, and puts it back when deleted', async () => {
    for (const ns of ['default', 'kube-system', 'tokens']) {
      const cm = await k('-n', ns, 'get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}');
      assert.equal(cm.stdout, t.server.caPem, ns);
    }
    assert.equal((await k('-n', 'tokens', 'delete', 'configmap', 'kube-root-ca.crt')).code, 0);
    await waitFor(async () => (await k('-n', 'tokens', 'get', 'configmap', 'kube-root-ca.crt')).code === 0, 5000, 'kube-root-ca.crt back');
  });

  it('mounts kube-api-access-<5> read-only in every container, sets serviceAccountName default, and the files are there', async () => {
    const r = await apply(POD('auto'));
    assert.equal(r.code, 0, r.stderr);
    const pod = await podJson('auto');
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v: any) => /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(v.name));
    assert.ok(vol, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const c of [...pod.spec.initContainers, ...pod.spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }], c.name);
    }
    await running('auto');
    const logs = await k('-n', 'tokens', 'logs', 'auto', '-c', 'init');
    assert.equal(logs.stdout, 'tokens');
    const ls = await k('-n', 'tokens', 'exec', 'auto', '--', 'ls', '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['ca.crt', 'namespace', 'token']);
    const ca = await k('-n', 'tokens', 'exec', 'auto', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    assert.equal(ca.stdout, t.server.caPem);
    const write = await k('-n', 'tokens', 'exec', 'auto', '--', 'sh', '-c', 'echo x > /var/run/secrets/kubernetes.io/serviceaccount/token');
    assert.notEqual(write.code, 0, 'the token volume is mounted read-only');
    // The 3607 s marker: the API server stretches the token to a year and warns after 3607 s.
    const claims = JSON.parse((await k('-n', 'tokens', 'exec', 'auto', '--', ...DECODE('/var/run/secrets/kubernetes.io/serviceaccount/token'))).stdout) as Record<string, any>;
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(claims.sub, 'system:serviceaccount:tokens:default');
    assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
    assert.equal(claims['kubernetes.io'].warnafter - claims.iat, 3607);
    assert.equal(claims['kubernetes.io'].pod.name, 'auto');
    assert.equal(claims['kubernetes.io'].pod.uid, pod.metadata.uid);
    assert.equal(claims['kubernetes.io'].namespace, 'tokens');
  });

  it('automount: the pod field wins over the ServiceAccount; off on either means no volume and no token path', async () => {
    const dry = async (extra: string): Promise<Record<string, any>> => {
      const r = await kubectl(t.kubeconfigFile, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], POD('dry', extra));
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, any>;
    };
    const hasToken = (p: Record<string, any>): boolean => (p.spec.volumes ?? []).some((v: any) => v.name.startsWith('kube-api-access-'));
    assert.equal(hasToken(await dry('  automountServiceAccountToken: false')), false);
    assert.equal((await k('-n', 'tokens', 'patch', 'serviceaccount', 'default', '-p', '{"automountServiceAccountToken":false}')).code, 0);
    assert.equal(hasToken(await dry('')), false, 'the SA says no');
    assert.equal(hasToken(await dry('  automountServiceAccountToken: true')), true, 'the pod says yes and wins');
    assert.equal((await k('-n', 'tokens', 'get', 'pod', 'dry')).code, 1, 'a dry-run creates nothing');
    const off = await apply(POD('noauto'));
    assert.equal(off.code, 0, off.stderr);
    await running('noauto');
    const probe = await k('-n', 'tokens', 'exec', 'noauto', '--', 'ls', '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.notEqual(probe.code, 0);
    assert.match(probe.stderr, /No such file or directory/);
  });

  it('a container that mounts something at the token path keeps it; an unknown ServiceAccount is refused', async () => {
    const own = `  volumes: [{ name: mine, emptyDir: {} }]\n  serviceAccountName: app-sa`;
    const p = await kubectl(t.kubeconfigFile, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], POD('own', own, '      volumeMounts: [{ name: mine, mountPath: /var/run/secrets/kubernetes.io/serviceaccount }]'));
    const spec = (JSON.parse(p.stdout) as Record<string, any>).spec;
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.equal(spec.initContainers[0].volumeMounts[0].mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.equal(spec.volumes.length, 2);
    const missing = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], POD('ghost', '  serviceAccountName: nobody'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pods "ghost" is forbidden: error looking up service account tokens\/nobody: serviceaccount "nobody" not found/);
  });

  it('with --disable-admission-plugins=ServiceAccount nothing is injected and no ServiceAccount is looked up', async () => {
    const before = t.server.store.admissionPlugins;
    t.server.store.admissionPlugins = new Set([...before].filter((p) => p !== 'ServiceAccount'));
    try {
      const r = await kubectl(t.kubeconfigFile, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], POD('plain', '  serviceAccountName: nobody\n  automountServiceAccountToken: true'));
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as Record<string, any>).spec.volumes, undefined);
    } finally {
      t.server.store.admissionPlugins = before;
    }
  });

  it('a projected serviceAccountToken with audience, expiry and path lands at mountPath/path with those claims', async () => {
    const spec = `  serviceAccountName: app-sa
  automountServiceAccountToken: false
  volumes:
    - name: vault
      projected:
        sources:
          - serviceAccountToken: { audience: vault, expirationSeconds: 7200, path: vault-token }
          - downwardAPI: { items: [{ path: podname, fieldRef: { fieldPath: metadata.name } }] }`;
    assert.equal((await apply(POD('proj', spec, '      volumeMounts: [{ name: vault, mountPath: /var/run/secrets/tokens }]'))).code, 0);
    await running('proj');
    const claims = JSON.parse((await k('-n', 'tokens', 'exec', 'proj', '-c', 'app', '--', ...DECODE('/var/run/secrets/tokens/vault-token'))).stdout) as Record<string, any>;
    assert.deepEqual(claims.aud, ['vault']);
    assert.equal(claims.exp - claims.iat, 7200);
    assert.equal(claims.sub, 'system:serviceaccount:tokens:app-sa');
    assert.equal(claims['kubernetes.io'].serviceaccount.name, 'app-sa');
    assert.equal(claims['kubernetes.io'].warnafter, undefined);
    assert.equal((await k('-n', 'tokens', 'exec', 'proj', '--', 'cat', '/var/run/secrets/tokens/podname')).stdout, 'proj');
  });

  it('a projected ConfigMap that does not exist keeps the pod in ContainerCreating with a FailedMount event', async () => {
    const spec = `  volumes:
    - name: cfg
      projected: { sources: [{ configMap: { name: nope } }] }`;
    assert.equal((await apply(POD('nomount', spec, '      volumeMounts: [{ name: cfg, mountPath: /cfg }]'))).code, 0);
    const ev = await waitFor(async () => {
      const r = await k('-n', 'tokens', 'get', 'events', '--field-selector', 'involvedObject.name=nomount', '-o', 'jsonpath={.items[*].message}');
      return r.stdout.includes('FailedMount') || r.stdout.includes('MountVolume') ? r.stdout : false;
    }, 10_000, 'FailedMount event');
    assert.match(ev, /MountVolume\.SetUp failed for volume "cfg" : configmap "nope" not found/);
    assert.equal((await podJson('nomount')).status.phase, 'Pending');
  });
});
