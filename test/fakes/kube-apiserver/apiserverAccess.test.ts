/**
 * The fake kube-apiserver's authentication (admin token, kubelet token, anonymous), its authorizer
 * chain (--authorization-mode), NodeRestriction on Node writes, and Service `kubernetes`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeToken } from '../lib/node-token.mjs';
import { KUBEADM_PLUGINS } from './admission.js';
import { authFromFlags, KUBEADM_AUTH, withAuthenticationConfig } from './authn.js';
import { kubeconfigYaml } from './server.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;
const NODE = 'test-control-plane';

describe('fake kube-apiserver: who may do what (authentication, --authorization-mode, NodeRestriction)', () => {
  let t: Started;
  let kubeletConf: string;
  const get = (path: string, token?: string): Promise<Response> => fetch(`${t.server.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  const patchNode = (labels: Record<string, string>, token: string, name = NODE): Promise<Response> =>
    fetch(`${t.server.url}/api/v1/nodes/${name}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels } }) });

  before(async () => {
    t = await startTestServer();
    kubeletConf = join(dirname(t.kubeconfigFile), 'kubelet.conf');
    writeFileSync(kubeletConf, kubeconfigYaml('test', t.server.httpsUrl, nodeToken(t.server.token, NODE), t.server.caPem));
  });
  afterEach(() => {
    t.server.store.apiserverAuth = KUBEADM_AUTH;
    t.server.store.admissionPlugins = KUBEADM_PLUGINS;
  });
  after(async () => t.dispose());

  it('reads the flags as kube-apiserver v1.34 does, and refuses what it refuses with its message', () => {
    assert.deepEqual(authFromFlags(['kube-apiserver', '--authorization-mode=Node,RBAC']), { anonymous: true, modes: ['Node', 'RBAC'] });
    assert.deepEqual(authFromFlags(['kube-apiserver']), { anonymous: true, modes: ['AlwaysAllow'] });
    assert.deepEqual(authFromFlags(['--authorization-mode=Node,RBAC', '--anonymous-auth=false', '--authorization-mode=AlwaysAllow']), { anonymous: false, anonymousFlagSet: true, modes: ['Node', 'RBAC', 'AlwaysAllow'] });
    assert.deepEqual(authFromFlags(['--anonymous-auth=false', '--authorization-mode', 'RBAC']), { anonymous: false, anonymousFlagSet: true, modes: ['RBAC'] });
    assert.deepEqual(authFromFlags(['--anonymous-auth=flase']), { error: 'invalid argument "flase" for "--anonymous-auth" flag: strconv.ParseBool: parsing "flase": invalid syntax' });
    assert.deepEqual(authFromFlags(['--authorization-mode=Node,Rbac']), { error: 'authorization-mode "Rbac" is not a valid mode' });
    assert.deepEqual(authFromFlags(['--anonymus-auth=false']), { error: 'unknown flag: --anonymus-auth' });
    assert.deepEqual(authFromFlags(['--authorization-modes=Node,RBAC']), { error: 'unknown flag: --authorization-modes' });
    assert.ok(!('error' in authFromFlags(['--audit-log-path=/var/log/audit.log', '--allow-privileged=true'])));
  });

  it('an AuthenticationConfiguration (--authentication-config) may limit anonymous requests to some paths; with --anonymous-auth it is a start failure', () => {
    const file = (anonymous: string): string => `apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n${anonymous}`;
    const flags = authFromFlags(['--authorization-mode=Node,RBAC', '--authentication-config=/etc/kubernetes/authn/config.yaml']);
    assert.ok(!('error' in flags));
    assert.deepEqual(withAuthenticationConfig(flags, file('anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /readyz\n')), { anonymous: true, anonymousPaths: ['/livez', '/readyz'], modes: ['Node', 'RBAC'] });
    assert.deepEqual(withAuthenticationConfig(flags, file('anonymous:\n  enabled: false\n')), { anonymous: false, modes: ['Node', 'RBAC'] });
    assert.deepEqual(withAuthenticationConfig(flags, file('jwt: []\n')), { anonymous: true, modes: ['Node', 'RBAC'] });
    assert.match((withAuthenticationConfig(flags, file('anonymous:\n  conditions:\n  - path: /livez\n')) as { error: string }).error, /enabled should be set to true when conditions are defined/);
    const both = authFromFlags(['--anonymous-auth=false', '--authentication-config=/x.yaml']);
    assert.ok(!('error' in both));
    assert.deepEqual(withAuthenticationConfig(both, file('anonymous:\n  enabled: true\n')), { error: 'anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file' });
  });

  it('anonymous limited to /livez and /readyz: those answer, /healthz and everything else is 401', async () => {
    t.server.store.apiserverAuth = { anonymous: true, anonymousPaths: ['/livez', '/readyz'], modes: ['Node', 'RBAC'] };
    assert.equal((await get('/livez')).status, 200);
    assert.equal((await get('/readyz')).status, 200);
    assert.equal((await get('/healthz')).status, 401);
    assert.equal((await get('/api/v1/namespaces')).status, 401);
  });

  it('anonymous (kubeadm: on): health and version open through system:public-info-viewer, everything else 403', async () => {
    assert.equal((await get('/readyz')).status, 200);
    assert.equal((await get('/livez')).status, 200);
    assert.equal((await get('/version')).status, 200);
    const api = await get('/api');
    assert.equal(api.status, 403);
    assert.equal(((await api.json()) as { message: string }).message, 'forbidden: User "system:anonymous" cannot get path "/api"');
    assert.equal((await get('/api/v1/namespaces')).status, 403);
  });

  it('--anonymous-auth=false: every request without credentials is 401, health endpoints too; the admin token still works', async () => {
    t.server.store.apiserverAuth = { anonymous: false, modes: ['Node', 'RBAC'] };
    assert.equal((await get('/api/v1/namespaces')).status, 401);
    assert.equal((await get('/readyz')).status, 401);
    assert.equal((await get('/api/v1/namespaces', t.server.token)).status, 200);
  });

  it('AlwaysAllow lets anyone (anonymous too) do anything; a SubjectAccessReview says so', async () => {
    t.server.store.apiserverAuth = { anonymous: true, modes: ['Node', 'RBAC', 'AlwaysAllow'] };
    const list = await get('/api/v1/namespaces');
    assert.equal(list.status, 200);
    const review = async (): Promise<boolean> => {
      const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:anonymous', groups: ['system:unauthenticated'], resourceAttributes: { verb: 'delete', resource: 'nodes' } } };
      const res = await fetch(`${t.server.url}/apis/authorization.k8s.io/v1/subjectaccessreviews`, { method: 'POST', headers: { Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return ((await res.json()) as { status: { allowed: boolean } }).status.allowed;
    };
    assert.equal(await review(), true);
    t.server.store.apiserverAuth = KUBEADM_AUTH;
    assert.equal(await review(), false);
    // Impersonated, anonymous may not even ask (system:basic-user is bound to system:authenticated only).
    const self = await kubectl(t.kubeconfigFile, ['auth', 'can-i', 'get', 'pods', '--as=system:anonymous']);
    assert.match(self.stderr, /selfsubjectaccessreviews\.authorization\.k8s\.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews"/);
  });

  it('the kubelet token is system:node:<node>: the Node authorizer lets it read and label its Node', async () => {
    const kubelet = nodeToken(t.server.token, NODE);
    assert.equal((await get(`/api/v1/nodes/${NODE}`, kubelet)).status, 200);
    assert.equal((await get('/api/v1/secrets', kubelet)).status, 403);
    assert.equal((await patchNode({ 'example.com/rack': 'r1' }, kubelet)).status, 200);
    t.server.store.apiserverAuth = { anonymous: true, modes: ['RBAC'] };
    assert.equal((await get(`/api/v1/nodes/${NODE}`, kubelet)).status, 403, 'without Node mode, RBAC grants system:nodes nothing');
  });

  it('NodeRestriction (kubeadm: on) refuses a node-restriction.kubernetes.io/ label with the real message; off, the label goes through', async () => {
    const r = await kubectl(kubeletConf, ['label', 'node', NODE, 'node-restriction.kubernetes.io/x=y']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(Forbidden\): nodes "test-control-plane" is forbidden: is not allowed to modify labels: node-restriction\.kubernetes\.io\/x/);
    const kubelet = nodeToken(t.server.token, NODE);
    const res = await patchNode({ 'team.node-restriction.kubernetes.io/a': 'b', 'kubernetes.io/foo': 'bar', 'node.kubernetes.io/ok': 'yes' }, kubelet);
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { message: string }).message, /is not allowed to modify labels: kubernetes\.io\/foo, team\.node-restriction\.kubernetes\.io\/a$/);
    t.server.store.admissionPlugins = new Set([...KUBEADM_PLUGINS].filter((p) => p !== 'NodeRestriction'));
    const ok = await kubectl(kubeletConf, ['label', 'node', NODE, 'node-restriction.kubernetes.io/x=y']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await patchNode({ 'node-restriction.kubernetes.io/x': 'y' }, t.server.token)).status, 200, 'the admin is no kubelet');
  });

  it('Service kubernetes exists (10.96.0.1:443 → 6443); NodePort gets a node port, ClusterIP again drops it', async () => {
    const svc = await waitFor(async () => {
      const r = await kubectl(t.kubeconfigFile, ['get', 'svc', 'kubernetes', '-n', 'default', '-o', 'json']);
      return r.code === 0 && (JSON.parse(r.stdout) as { spec: Record<string, any> });
    });
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    const np = await kubectl(t.kubeconfigFile, ['patch', 'svc', 'kubernetes', '-n', 'default', '-p', '{"spec":{"type":"NodePort"}}', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    assert.equal(np.code, 0, np.stderr);
    assert.ok(Number(np.stdout) >= 30000 && Number(np.stdout) <= 32767, np.stdout);
    const back = await kubectl(t.kubeconfigFile, ['patch', 'svc', 'kubernetes', '-n', 'default', '-p', '{"spec":{"type":"ClusterIP"}}', '-o', 'json']);
    assert.equal(back.code, 0, back.stderr);
    const spec = (JSON.parse(back.stdout) as { spec: Record<string, any> }).spec;
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.ports[0].nodePort, undefined);
    assert.equal(spec.externalTrafficPolicy, undefined);
  });
});
