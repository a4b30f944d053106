/**
 * The simulated kubelet's servers (kubelet/kubeletServer.ts): its config file as kubelet v1.34 reads
 * it, :10250's authentication and authorization, the read-only port, the node port map, systemctl's
 * view of kubelet.service, the node's Ready condition across restarts and failures; and the
 * TokenRequest API whose ServiceAccount tokens the kubelet's webhook authenticates.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSilentLogger } from '../../../server/log/index.js';
import { KIND_KUBELET_CONFIG } from '../lib/kubelet-files.mjs';
import { readNodePorts } from '../lib/node-ports.mjs';
import { ResourceApi } from './api.js';
import { parseKubeletConfig } from './kubelet/kubeletConfig.js';
import { kubeletSubresources, NodeKubelet } from './kubelet/kubeletServer.js';
import { ensureNode } from './node.js';
import { findResource } from './resources.js';
import type { Attributes, UserInfo } from './rbac.js';
import { ObjectStore } from './store.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

const run = promisify(execFile);
const NODE = 'kh-control-plane';
const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const INSECURE = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: AlwaysAllow
readOnlyPort: 10255
`;

/** curl (the real one) to a node port through the node's port map, as the node's curl shim does. */
async function curlNode(root: string, port: number, path: string, headers: string[] = []): Promise<{ code: string; body: string; refused: boolean }> {
  const target = readNodePorts(root)[String(port)];
  const scheme = port === 10250 ? 'https' : 'http';
  const connect = target ? `127.0.0.1:${port}:127.0.0.1:${target.port}` : `127.0.0.1:${port}:127.0.0.1:1`;
  try {
    const { stdout } = await run('curl', ['-sk', '--max-time', '5', '--connect-to', connect, ...headers.flatMap((h) => ['-H', h]), '-w', '\n%{http_code}', `${scheme}://127.0.0.1:${port}${path}`]);
    const at = stdout.lastIndexOf('\n');
    return { code: stdout.slice(at + 1), body: stdout.slice(0, at), refused: false };
  } catch (e) {
    return { code: '000', body: '', refused: (e as { code?: number }).code === 7 };
  }
}

describe('fake kubelet: config, :10250 authn/authz, read-only port, kubelet.service', function () {
  this.timeout(30_000);
  let dir: string;
  let root: string;
  let store: ObjectStore;
  let kubelet: NodeKubelet;
  const asked: Attributes[] = [];
  const writeConfig = (text: string): void => writeFileSync(join(root, 'var/lib/kubelet/config.yaml'), text);
  const ready = (): string => (store.get(NODES, '', NODE)?.status?.conditions ?? []).find((c: Record<string, string>) => c.type === 'Ready')?.status;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fake-kubelet-'));
    root = join(dir, 'node');
    mkdirSync(join(root, 'var/lib/kubelet'), { recursive: true });
    mkdirSync(join(root, 'etc/kubernetes/pki'), { recursive: true });
    writeFileSync(join(root, 'etc/kubernetes/pki/ca.crt'), '# placeholder\n');
    store = new ObjectStore();
    new ResourceApi(store).bootstrap();
    ensureNode(store, NODE, 0);
    store.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'nginx' }] } });
    store.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere', namespace: 'default' }, spec: { nodeName: 'other', containers: [{ name: 'c', image: 'nginx' }] } });
    writeConfig(INSECURE);
    const users: Record<string, UserInfo> = {
      'admin-token': { user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      'nobody-token': { user: 'system:serviceaccount:default:nobody', groups: ['system:serviceaccounts', 'system:authenticated'] },
    };
    kubelet = new NodeKubelet({
      store, nodeName: NODE, nodeRoot: root, nodeIP: '172.18.0.2', cluster: 'kh', logger: createSilentLogger(), graceMs: 600, readyMs: 300, restartSecMs: 200,
      reviewToken: (t) => users[t] ?? null,
      authorize: (who, a) => (asked.push(a), who.groups.includes('system:masters')),
    });
    await kubelet.boot();
  });
  after(async () => {
    await kubelet.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads config.yaml as kubelet v1.34: v1beta1 defaults, YAML 1.1 booleans, unknown fields ignored, what it refuses', () => {
    const kind = parseKubeletConfig(KIND_KUBELET_CONFIG);
    assert.deepEqual(kind, { port: 10250, readOnlyPort: 0, anonymous: false, webhookAuthn: true, clientCAFile: '/etc/kubernetes/pki/ca.crt', authzMode: 'Webhook', tlsCertFile: '', tlsPrivateKeyFile: '' });
    const bare = parseKubeletConfig('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n');
    assert.ok(!('error' in bare) && bare.readOnlyPort === 0 && bare.anonymous === false && bare.webhookAuthn === true && bare.authzMode === 'Webhook');
    const yes = parseKubeletConfig(`${INSECURE}authenticaton:\n  anonymous:\n    enabled: no\n`);
    assert.ok(!('error' in yes) && yes.anonymous === true, 'a misspelt section is ignored');
    const off = parseKubeletConfig(INSECURE.replace('enabled: true\n  webhook', 'enabled: off\n  webhook'));
    assert.ok(!('error' in off) && off.anonymous === false, 'off is false in YAML 1.1');
    assert.match((parseKubeletConfig(INSECURE.replace('mode: AlwaysAllow', 'mode: Webhok')) as { error: string }).error, /^failed to run Kubelet: unknown authorization mode Webhok$/);
    assert.match((parseKubeletConfig(INSECURE.replace('readOnlyPort: 10255', 'readOnlyPort: "0"')) as { error: string }).error, /cannot unmarshal string into Go struct field KubeletConfiguration.readOnlyPort of type int32/);
    assert.match((parseKubeletConfig(INSECURE.replace('readOnlyPort: 10255', 'readOnlyPort: 70000')) as { error: string }).error, /readOnlyPort \(--read-only-port\) 70000 must be between 0 and 65535/);
    assert.match((parseKubeletConfig(`${INSECURE}  mode: Webhook\n bad`) as { error: string }).error, /^failed to load kubelet config file, path: \/var\/lib\/kubelet\/config.yaml, error: failed to load Kubelet config file .* failed to decode: yaml: /);
    assert.match((parseKubeletConfig(null) as { error: string }).error, /open \/var\/lib\/kubelet\/config.yaml: no such file or directory/);
  });

  it('maps paths to subresources as auth.go does with KubeletFineGrainedAuthz', () => {
    assert.deepEqual(kubeletSubresources('/pods'), ['pods', 'proxy']);
    assert.deepEqual(kubeletSubresources('/healthz'), ['healthz', 'proxy']);
    assert.deepEqual(kubeletSubresources('/stats/summary'), ['stats']);
    assert.deepEqual(kubeletSubresources('/metrics/cadvisor'), ['metrics']);
    assert.deepEqual(kubeletSubresources('/logs/syslog'), ['log']);
    assert.deepEqual(kubeletSubresources('/checkpoint/a/b/c'), ['checkpoint']);
    assert.deepEqual(kubeletSubresources('/runningpods/'), ['pods', 'proxy']);
    assert.deepEqual(kubeletSubresources('/exec/ns/pod/c'), ['proxy']);
    assert.deepEqual(kubeletSubresources('/podsx'), ['proxy']);
  });

  it('insecure config: anonymous /pods is 200 on :10250 with a self-signed serving cert, and 10255 serves without auth', async () => {
    const secure = await curlNode(root, 10250, '/pods');
    assert.equal(secure.code, '200');
    const list = JSON.parse(secure.body) as { kind: string; apiVersion: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.items.map((p) => p.metadata.name), ['web']);
    const ro = await curlNode(root, 10255, '/pods');
    assert.equal(ro.code, '200');
    assert.equal((await curlNode(root, 10255, '/healthz')).body, 'ok');
    const { stdout } = await run('openssl', ['x509', '-noout', '-subject', '-issuer', '-in', join(root, 'var/lib/kubelet/pki/kubelet.crt')]);
    assert.match(stdout, new RegExp(`subject=CN = ${NODE}@\\d+\\nissuer=CN = ${NODE}-ca@\\d+`));
    assert.equal(kubelet.state.active, 'active');
  });

  it('a config edit changes nothing until the kubelet restarts; then anonymous is 401, 10255 refused, tokens go through webhook authz', async () => {
    writeConfig(KIND_KUBELET_CONFIG);
    assert.equal((await curlNode(root, 10250, '/pods')).code, '200', 'the running kubelet still has its old config');
    assert.deepEqual(await kubelet.systemctl('restart'), { exitCode: 0, stdout: '', stderr: '' });
    assert.equal(ready(), 'False', 'a starting kubelet posts NotReady');
    const anon = await curlNode(root, 10250, '/pods');
    assert.equal(anon.code, '401');
    assert.equal(anon.body, 'Unauthorized');
    assert.ok((await curlNode(root, 10255, '/pods')).refused, '10255 refuses connections');
    assert.equal(readNodePorts(root)['10255'], null);
    asked.length = 0;
    const nobody = await curlNode(root, 10250, '/pods', ['Authorization: Bearer nobody-token']);
    assert.equal(nobody.code, '403');
    assert.equal(nobody.body, 'Forbidden (user=system:serviceaccount:default:nobody, verb=get, resource=nodes, subresource(s)=[pods proxy])\n');
    assert.deepEqual(asked.map((a) => a.subresource), ['pods', 'proxy']);
    assert.equal(asked[0]!.name, NODE);
    assert.equal((await curlNode(root, 10250, '/pods', ['Authorization: Bearer admin-token'])).code, '200');
    assert.equal((await curlNode(root, 10250, '/pods', ['Authorization: Bearer forged'])).code, '401');
    await waitFor(() => ready() === 'True', 5000, 'Ready after the restart');
    assert.equal((await kubelet.systemctl('is-active')).stdout, 'active\n');
  });

  it('AlwaysAllow with anonymous off: anonymous 401, any authenticated token 200', async () => {
    writeConfig(KIND_KUBELET_CONFIG.replace('mode: Webhook', 'mode: AlwaysAllow'));
    await kubelet.systemctl('restart');
    assert.equal((await curlNode(root, 10250, '/pods')).code, '401');
    assert.equal((await curlNode(root, 10250, '/pods', ['Authorization: Bearer nobody-token'])).code, '200');
  });

  it('a config the kubelet refuses: auto-restart loop, 10250 refused, status shows the error, node Unknown after the grace period; fixed → it comes back by itself', async () => {
    writeConfig(KIND_KUBELET_CONFIG.replace('mode: Webhook', 'mode: Webhok'));
    await kubelet.systemctl('restart');
    const active = await kubelet.systemctl('is-active');
    assert.deepEqual(active, { exitCode: 3, stdout: 'activating\n', stderr: '' });
    const status = await kubelet.systemctl('status');
    assert.equal(status.exitCode, 3);
    assert.match(status.stdout, /Active: activating \(auto-restart\) \(Result: exit-code\) since/);
    assert.match(status.stdout, /kubelet\[\d+\]: E\d{4} [\d:.]+ +\d+ run.go:72\] "command failed" err="failed to run Kubelet: unknown authorization mode Webhok"/);
    assert.ok((await curlNode(root, 10250, '/pods')).refused);
    await waitFor(() => ready() === 'Unknown', 5000, 'Ready Unknown');
    const node = store.get(NODES, '', NODE)!;
    assert.equal(node.status.conditions.find((c: Record<string, string>) => c.type === 'Ready').message, 'Kubelet stopped posting node status.');
    writeConfig(KIND_KUBELET_CONFIG);
    await waitFor(() => kubelet.state.active === 'active', 5000, 'systemd restarting the kubelet');
    await waitFor(() => ready() === 'True', 5000, 'Ready again');
    assert.equal((await curlNode(root, 10250, '/pods')).code, '401');
  });

  it('stop, start and reload answer as systemctl does', async () => {
    await kubelet.systemctl('stop');
    assert.deepEqual(await kubelet.systemctl('is-active'), { exitCode: 3, stdout: 'inactive\n', stderr: '' });
    assert.match((await kubelet.systemctl('status')).stdout, /Active: inactive \(dead\) since .*\n[\s\S]*Stopped kubelet.service/);
    assert.ok((await curlNode(root, 10250, '/healthz')).refused);
    assert.equal((await kubelet.systemctl('reload')).exitCode, 1);
    await kubelet.systemctl('start');
    const status = await kubelet.systemctl('status');
    assert.equal(status.exitCode, 0, status.stdout);
    assert.match(status.stdout, /^● kubelet.service - kubelet: The Kubernetes Node Agent\n/);
    assert.match(status.stdout, /Active: active \(running\) since/);
  });

  it('a client certificate signed by clientCAFile authenticates as CN in groups O; one from another CA does not', async () => {
    const pki = join(dir, 'pki');
    mkdirSync(pki, { recursive: true });
    const ssl = (args: string[]) => run('openssl', args);
    await ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(pki, 'ca.key'), '-out', join(pki, 'ca.crt'), '-days', '1', '-subj', '/CN=kubernetes']);
    await ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(pki, 'other.key'), '-out', join(pki, 'other.crt'), '-days', '1', '-subj', '/CN=other-ca']);
    for (const [name, signer] of [['alice', 'ca'], ['mallory', 'other']] as const) {
      await ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(pki, `${name}.key`), '-out', join(pki, `${name}.crt`), '-days', '1',
        '-subj', `/O=devs/CN=${name}`, '-CA', join(pki, `${signer}.crt`), '-CAkey', join(pki, `${signer}.key`), '-addext', 'extendedKeyUsage=clientAuth']);
    }
    writeFileSync(join(root, 'etc/kubernetes/pki/ca.crt'), readFileSync(join(pki, 'ca.crt')));
    writeConfig(KIND_KUBELET_CONFIG);
    await kubelet.systemctl('restart');
    const withCert = async (name: string) => {
      const target = readNodePorts(root)['10250']!;
      const { stdout } = await run('curl', ['-sk', '--cert', join(pki, `${name}.crt`), '--key', join(pki, `${name}.key`), '--connect-to', `127.0.0.1:10250:127.0.0.1:${target.port}`, '-w', '\n%{http_code}', 'https://127.0.0.1:10250/pods']);
      return stdout;
    };
    asked.length = 0;
    const alice = await withCert('alice');
    assert.match(alice, /^Forbidden \(user=alice, verb=get, resource=nodes, subresource\(s\)=\[pods proxy\]\)\n\n403$/);
    assert.equal(asked.length, 2);
    writeConfig(KIND_KUBELET_CONFIG.replace('enabled: false', 'enabled: true'));
    await kubelet.systemctl('restart');
    assert.match(await withCert('mallory'), /^Unauthorized\n401$/, 'a certificate from another CA is an error, not anonymous');
    writeFileSync(join(root, 'etc/kubernetes/pki/ca.crt'), '# placeholder\n');
  });

  it('never follows a symlink out of the node: a config.yaml pointing at a host file is not read', async () => {
    const outside = join(dir, 'outside.yaml');
    writeFileSync(outside, INSECURE);
    unlinkSync(join(root, 'var/lib/kubelet/config.yaml'));
    symlinkSync(outside, join(root, 'var/lib/kubelet/config.yaml'));
    await kubelet.systemctl('restart');
    assert.deepEqual(await kubelet.systemctl('is-active'), { exitCode: 3, stdout: 'inactive\n', stderr: '' });
    unlinkSync(join(root, 'var/lib/kubelet/config.yaml'));
    writeConfig(KIND_KUBELET_CONFIG);
    await kubelet.systemctl('start');
    assert.equal(kubelet.state.active, 'active');
  });
});

describe('fake kube-apiserver: TokenRequest (kubectl create token) and its tokens', function () {
  this.timeout(20_000);
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.dispose());

  it('issues a token for an existing ServiceAccount that authenticates as it until the account is gone', async () => {
    const admin = { Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' };
    await fetch(`${t.server.url}/api/v1/namespaces/default/serviceaccounts`, { method: 'POST', headers: admin, body: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'probe' } }) });
    const res = await fetch(`${t.server.url}/api/v1/namespaces/default/serviceaccounts/probe/token`, { method: 'POST', headers: admin, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } }) });
    assert.equal(res.status, 201);
    const tr = (await res.json()) as { kind: string; status: { token: string; expirationTimestamp: string } };
    assert.equal(tr.kind, 'TokenRequest');
    const claims = JSON.parse(Buffer.from(tr.status.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.sub, 'system:serviceaccount:default:probe');
    const review = await fetch(`${t.server.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST', headers: { Authorization: `Bearer ${tr.status.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy' } } }),
    });
    assert.equal(review.status, 201);
    assert.equal(((await review.json()) as { status: { allowed: boolean } }).status.allowed, false);
    const short = await fetch(`${t.server.url}/api/v1/namespaces/default/serviceaccounts/probe/token`, { method: 'POST', headers: admin, body: JSON.stringify({ spec: { expirationSeconds: 60 } }) });
    assert.equal(short.status, 422);
    const missing = await fetch(`${t.server.url}/api/v1/namespaces/default/serviceaccounts/ghost/token`, { method: 'POST', headers: admin, body: '{}' });
    assert.equal(missing.status, 404);
    await fetch(`${t.server.url}/api/v1/namespaces/default/serviceaccounts/probe`, { method: 'DELETE', headers: admin });
    const after = await fetch(`${t.server.url}/api/v1/namespaces`, { headers: { Authorization: `Bearer ${tr.status.token}` } });
    assert.equal(after.status, 401);
  });

  it('kubectl create token prints a token the API server authenticates', async () => {
    assert.equal((await kubectl(t.kubeconfigFile, ['-n', 'default', 'create', 'serviceaccount', 'reader'])).code, 0);
    const made = await kubectl(t.kubeconfigFile, ['-n', 'default', 'create', 'token', 'reader', '--duration=10m']);
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    const whoami = await fetch(`${t.server.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }),
    });
    assert.equal(whoami.status, 201);
    const missing = await kubectl(t.kubeconfigFile, ['-n', 'default', 'create', 'token', 'ghost']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /serviceaccounts "ghost" not found/);
  });
});
