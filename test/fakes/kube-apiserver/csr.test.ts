/**
 * The fake kube-apiserver's CertificateSigningRequest API (validation, requester, approval), the
 * simulated kube-controller-manager signer, and x509 client-certificate authentication — driven
 * with the real kubectl and openssl, as a learner on the node would.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { signerRefusal, validity, CLUSTER_SIGNING_SECONDS } from './csrSigner.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

describe('fake kube-apiserver: CertificateSigningRequests, the csrsigning controller and client certificates', function () {
  this.timeout(60_000);
  let t: Started;
  let work: string;
  const k = (...args: string[]) => kubectl(t.kubeconfigFile, args);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

  /** A key and CSR for `subj` (e.g. /CN=jane/O=dev-readers); returns the CSR base64. */
  const keyAndCsr = (name: string, subj: string): string => {
    ssl('genrsa', '-out', `${name}.key`, '2048');
    ssl('req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`);
    return readFileSync(join(work, `${name}.csr`)).toString('base64');
  };
  const csrYaml = (name: string, spec: Record<string, unknown>): string => stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec });
  const create = (name: string, spec: Record<string, unknown>) => kubectl(t.kubeconfigFile, ['create', '-f', '-'], csrYaml(name, spec));
  const get = async (name: string): Promise<Record<string, any>> => JSON.parse((await k('get', 'csr', name, '-o', 'json')).stdout) as Record<string, any>;
  /** A kubeconfig for the user of `name`.crt/.key, with the server's CA (as a learner builds it). */
  const userKubeconfig = (name: string, certPem: string): string => {
    writeFileSync(join(work, `${name}.crt`), certPem);
    const file = join(work, `${name}.kubeconfig`);
    writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': name,
      clusters: [{ name: 'test', cluster: { server: t.server.httpsUrl, 'certificate-authority-data': Buffer.from(t.server.caPem).toString('base64') } }],
      users: [{ name, user: { 'client-certificate': join(work, `${name}.crt`), 'client-key': join(work, `${name}.key`) } }],
      contexts: [{ name, context: { cluster: 'test', user: name } }],
    }));
    return file;
  };

  before(async () => {
    t = await startTestServer();
    work = dirname(t.kubeconfigFile);
  });
  after(async () => t.dispose());

  it('validates a new CSR as kube-apiserver does: a PEM CSR, known usages, a signer name, expirationSeconds ≥ 600, no legacy signer', async () => {
    const request = keyAndCsr('v', '/CN=v');
    const bad = await create('bad', { request: Buffer.from('hello').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CertificateSigningRequest "bad" is invalid: spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/);
    const legacy = await create('legacy', { request, signerName: 'kubernetes.io/legacy-unknown', usages: ['client auth'] });
    assert.match(legacy.stderr, /spec\.signerName: Invalid value: "kubernetes\.io\/legacy-unknown": the legacy signerName is not allowed via this API version/);
    const noSigner = await create('nosigner', { request, usages: ['client auth'] });
    assert.match(noSigner.stderr, /spec\.signerName: Required value/);
    const usages = await create('usages', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth', 'client auth', 'clientAuth'] });
    assert.match(usages.stderr, /spec\.usages\[1\]: Duplicate value: "client auth"/);
    assert.match(usages.stderr, /spec\.usages\[2\]: Unsupported value: "clientAuth"/);
    const short = await create('short', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 599 });
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds \(10 minutes\)/);
    assert.equal((await k('get', 'csr', '-o', 'name')).stdout.trim(), '');
  });

  it('records the requester, signs nothing until approved, then issues a client certificate with the CA for CN/O, the usages and the duration asked', async () => {
    const request = keyAndCsr('jane', '/CN=jane/O=dev-readers');
    const made = await create('jane', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 86400, username: 'someone-else', groups: ['system:masters'] });
    assert.equal(made.code, 0, made.stderr);
    let csr = await get('jane');
    assert.equal(csr.spec.username, 'kubernetes-admin');
    assert.deepEqual(csr.spec.groups, ['system:masters', 'system:authenticated']);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await get('jane')).status, {}, 'a pending CSR is not signed');
    assert.match((await k('get', 'csr', 'jane')).stdout, /\sPending\n/);

    const approve = await k('certificate', 'approve', 'jane');
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, /certificatesigningrequest\.certificates\.k8s\.io\/jane approved/);
    csr = await waitFor(async () => {
      const c = await get('jane');
      return c.status?.certificate ? c : undefined;
    }, 15_000, 'certificate issued');
    const approved = csr.status.conditions.find((c: any) => c.type === 'Approved');
    assert.equal(approved.status, 'True');
    assert.equal(approved.reason, 'KubectlApprove');
    const pem = Buffer.from(csr.status.certificate as string, 'base64').toString('utf8');
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, 'CN=jane\nO=dev-readers');
    assert.ok(cert.verify(new X509Certificate(t.server.caPem).publicKey), 'signed by the cluster CA');
    assert.ok(!cert.ca);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const lifetime = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
    assert.equal(lifetime, 86400, 'a day (8 h or more: the 5-minute backdate comes off the end)');
    assert.ok(Date.parse(cert.validFrom) < Date.now() - 240_000, 'backdated 5 minutes');
    const table = await k('get', 'csr', 'jane');
    assert.match(table.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
    assert.match(table.stdout, /\njane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Approved,Issued\n/);
    // spec is immutable: a patch or apply changes metadata only.
    assert.equal((await k('patch', 'csr', 'jane', '--type=merge', '-p', '{"metadata":{"labels":{"team":"dev"}},"spec":{"signerName":"example.com/other"}}')).code, 0);
    const patched = await get('jane');
    assert.equal(patched.metadata.labels.team, 'dev');
    assert.equal(patched.spec.signerName, 'kubernetes.io/kube-apiserver-client');
    assert.equal(patched.status.certificate, csr.status.certificate);
    const again = await k('certificate', 'approve', 'jane');
    assert.equal(again.code, 0, 'approving twice is fine');

    // The issued certificate authenticates jane (x509: CN → user, O → groups); RBAC decides the rest.
    const kc = userKubeconfig('jane', pem);
    const whoami = await kubectl(kc, ['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout).status.userInfo, { username: 'jane', groups: ['dev-readers', 'system:authenticated'] });
    assert.equal((await kubectl(kc, ['auth', 'can-i', 'list', 'pods', '-n', 'default'])).stdout.trim(), 'no');
    const denied = await kubectl(kc, ['get', 'pods', '-n', 'default']);
    assert.match(denied.stderr, /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/);
    assert.equal((await k('create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default')).code, 0);
    assert.equal((await kubectl(kc, ['auth', 'can-i', 'list', 'pods', '-n', 'default'])).stdout.trim(), 'yes');
    assert.equal((await kubectl(kc, ['auth', 'can-i', 'create', 'pods', '-n', 'default'])).stdout.trim(), 'no');
    assert.equal((await kubectl(kc, ['get', 'pods', '-n', 'default'])).code, 0);
  });

  it('server-side apply creates a CSR like a create: the requester recorded, the request validated', async () => {
    const request = keyAndCsr('ssa', '/CN=ssa');
    const applied = await kubectl(t.kubeconfigFile, ['apply', '--server-side', '-f', '-'], csrYaml('ssa', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'nobody' }));
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await get('ssa')).spec.username, 'kubernetes-admin');
    const bad = await kubectl(t.kubeconfigFile, ['apply', '--server-side', '-f', '-'], csrYaml('ssa-bad', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 60 }));
    assert.match(bad.stderr, /may not specify a duration less than 600 seconds/);
  });

  it('a certificate the cluster CA did not sign is 401; the same CN self-signed gets no access', async () => {
    keyAndCsr('mallory', '/CN=jane/O=system:masters');
    ssl('x509', '-req', '-in', 'mallory.csr', '-signkey', 'mallory.key', '-days', '1', '-out', 'mallory.crt');
    const kc = userKubeconfig('mallory', readFileSync(join(work, 'mallory.crt'), 'utf8'));
    const r = await kubectl(kc, ['auth', 'whoami']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unauthorized|must be logged in/);
  });

  it('the kube-apiserver-client signer refuses other usages (Failed condition, no certificate); other signers leave an approved CSR unsigned', async () => {
    const request = keyAndCsr('srv', '/CN=jane');
    assert.equal((await create('srv', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['server auth'] })).code, 0);
    assert.equal((await create('kubelet', { request, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] })).code, 0);
    assert.equal((await create('custom', { request, signerName: 'example.com/custom', usages: ['client auth'] })).code, 0);
    for (const n of ['srv', 'kubelet', 'custom']) assert.equal((await k('certificate', 'approve', n)).code, 0);
    const failed = async (n: string) => waitFor(async () => (await get(n)).status?.conditions?.find((c: any) => c.type === 'Failed'), 15_000, `${n} failed`);
    const srv = await failed('srv');
    assert.equal(srv.reason, 'SignerValidationFailure');
    assert.equal(srv.message, 'invalid usage for client certificate: server auth');
    assert.equal((await failed('kubelet')).message, 'subject organization is not system:nodes');
    await new Promise((r) => setTimeout(r, 500));
    const custom = await get('custom');
    assert.equal(custom.status.certificate, undefined);
    assert.equal(custom.status.conditions.length, 1);
    assert.equal((await get('srv')).status.certificate, undefined);
  });

  it('approval: Approved and Denied are exclusive; a denied CSR is never signed', async () => {
    const request = keyAndCsr('deny', '/CN=deny');
    assert.equal((await create('deny', { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] })).code, 0);
    assert.equal((await k('certificate', 'deny', 'deny')).code, 0);
    const approve = await k('certificate', 'approve', 'deny');
    assert.equal(approve.code, 1);
    assert.match(approve.stderr, /is already Denied/);
    // Both through the approval subresource directly (kubectl refuses before asking).
    const both = await get('deny');
    both.status.conditions.push({ type: 'Approved', status: 'True', reason: 'Mine' });
    const put = await kubectl(t.kubeconfigFile, ['replace', '--raw', '/apis/certificates.k8s.io/v1/certificatesigningrequests/deny/approval', '-f', '-'], JSON.stringify(both));
    assert.match(put.stderr, /status\.conditions\[1\]\.type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive/);
    const none = await get('deny');
    none.status.conditions = [];
    const removed = await kubectl(t.kubeconfigFile, ['replace', '--raw', '/apis/certificates.k8s.io/v1/certificatesigningrequests/deny/approval', '-f', '-'], JSON.stringify(none));
    assert.match(removed.stderr, /updates may not remove a condition of type "Denied"/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await get('deny')).status.certificate, undefined);
  });

  it('kube-controller-manager validity: min(expirationSeconds, 1 year), backdated 5 minutes, never past the CA', () => {
    const now = Date.UTC(2026, 0, 1);
    const far = now + 10 * CLUSTER_SIGNING_SECONDS * 1000;
    assert.deepEqual(validity(now, 600, far), { notBefore: now - 300_000, notAfter: now + 600_000 });
    assert.deepEqual(validity(now, undefined, far), { notBefore: now - 300_000, notAfter: now - 300_000 + CLUSTER_SIGNING_SECONDS * 1000 });
    assert.deepEqual(validity(now, 10 * CLUSTER_SIGNING_SECONDS, far), validity(now, undefined, far));
    assert.equal(validity(now, 86400, now + 3600_000).notAfter, now + 3600_000);
    assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client', ['digital signature', 'key encipherment', 'client auth'], { commonName: 'x', organizations: [], hasSan: false }), null);
    assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client', ['digital signature'], { commonName: 'x', organizations: [], hasSan: false }), 'missing required usage for client certificate: client auth');
    assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client-kubelet', ['client auth'], { commonName: 'system:node:n1', organizations: ['system:nodes'], hasSan: false }), null);
  });
});
