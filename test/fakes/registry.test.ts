/**
 * The fake distribution registry (test/fakes/lib/registry.cjs) over real TLS, and the fake
 * kubelet's pulls from it (kube-apiserver/kubelet/imagePull.ts): the registry:2 answers the lab
 * and containerd rely on (401 + Basic challenge, error codes, OCI Accept rules, uploads, digests),
 * and what containerd reports when credentials, trust or the reference are wrong.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from './kube-apiserver/store.js';
import { findResource } from './kube-apiserver/resources.js';
import { ensureImage, nodeImageRef } from './kube-apiserver/kubelet/imagePull.js';
import { applyContainerdPatches, bcryptLine, secretboxModule } from './lib/registry-files.mjs';
import { execFile } from 'node:child_process';

const REGISTRY = join(import.meta.dirname, 'lib', 'registry.cjs');
const COSIGN = join(import.meta.dirname, 'lib', 'cosign.cjs');
const CRANE = join(import.meta.dirname, 'lib', 'crane.cjs');
const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

describe('fake registry (distribution 2.8.3) and the fake kubelet pulling from it', function () {
  this.timeout(60_000);
  let dir: string;
  let node: string;
  let child: ChildProcess;
  let port: number;
  let ca: Buffer;
  const good = `Basic ${Buffer.from('puller:s3cret').toString('base64')}`;

  const call = (method: string, path: string, opts: { auth?: string; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, ca, servername: 'localhost', headers: { Host: 'localhost:5000', ...(opts.auth ? { Authorization: opts.auth } : {}), ...opts.headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  const pushBlob = async (repo: string, data: Buffer): Promise<string> => {
    const start = await call('POST', `/v2/${repo}/blobs/uploads/`, { auth: good });
    assert.equal(start.status, 202);
    const loc = new URL(String(start.headers.location));
    const put = await call('PUT', `${loc.pathname}${loc.search}&digest=${sha(data)}`, { auth: good, body: data });
    assert.equal(put.status, 201, put.body);
    return sha(data);
  };
  let manifest: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cks-registry-'));
    const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=test CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
    ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.csr')]);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', join(dir, 'tls.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'tls.crt')]);
    ca = readFileSync(join(dir, 'ca.crt'));
    writeFileSync(join(dir, 'htpasswd'), `${bcryptLine('puller', 's3cret')}\n`);
    writeFileSync(join(dir, 'config.yml'), `version: 0.1
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
http:
  addr: :5000
  tls:
    certificate: ${join(dir, 'tls.crt')}
    key: ${join(dir, 'tls.key')}
auth:
  htpasswd:
    realm: test-realm
    path: ${join(dir, 'htpasswd')}
`);
    // The node the kubelet pulls for: its port map, containerd's hosts directory and the CA.
    node = join(dir, 'node');
    mkdirSync(join(node, 'etc/cks-fake'), { recursive: true });
    mkdirSync(join(node, 'etc/containerd/certs.d/localhost:5000'), { recursive: true });
    writeFileSync(join(node, 'etc/containerd/config.toml'), 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
    writeFileSync(join(node, 'etc/containerd/certs.d/localhost:5000/ca.crt'), ca);
    writeFileSync(join(node, 'etc/containerd/certs.d/localhost:5000/hosts.toml'), 'server = "https://localhost:5000"\n[host."https://localhost:5000"]\n  ca = "/etc/containerd/certs.d/localhost:5000/ca.crt"\n');
    const portsFile = join(node, 'etc/cks-fake/ports.json');
    child = spawn(process.execPath, [REGISTRY, 'serve', join(dir, 'config.yml')], { env: { ...process.env, CKS_FAKE_PORTS_FILE: portsFile }, stdio: 'ignore' });
    for (let i = 0; i < 100 && !port; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        port = JSON.parse(readFileSync(portsFile, 'utf8'))['5000']?.port;
      } catch {
        /* not yet */
      }
    }
    assert.ok(port, 'the registry published node port 5000');
  });
  after(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses anonymous and wrong-password requests with 401, the Basic challenge and registry:2 error body', async () => {
    const anon = await call('GET', '/v2/');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers['www-authenticate'], 'Basic realm="test-realm"');
    assert.equal(anon.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.deepEqual(JSON.parse(anon.body), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
    assert.equal((await call('GET', '/v2/', { auth: `Basic ${Buffer.from('puller:wrong').toString('base64')}` })).status, 401);
    assert.equal((await call('GET', '/v2/', { auth: good })).status, 200);
  });

  it('takes blob uploads and manifests; a wrong digest or a missing blob is refused', async () => {
    const start = await call('POST', '/v2/app/web/blobs/uploads/', { auth: good });
    assert.match(String(start.headers.location), /^https:\/\/localhost:5000\/v2\/app\/web\/blobs\/uploads\/[0-9a-f-]{36}\?_state=/);
    const loc = new URL(String(start.headers.location));
    const bad = await call('PUT', `${loc.pathname}${loc.search}&digest=${sha('other')}`, { auth: good, body: 'layer' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).errors[0].code, 'DIGEST_INVALID');
    const layer = await pushBlob('app/web', Buffer.from('layer bytes'));
    const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/pause'] }, rootfs: { type: 'layers', diff_ids: [] } }));
    manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(configBytes), size: configBytes.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 11 }] }));
    const missing = await call('PUT', '/v2/app/web/manifests/1.0', { auth: good, body: manifest, headers: { 'Content-Type': OCI } });
    assert.equal(missing.status, 400);
    assert.equal(JSON.parse(missing.body).errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
    await pushBlob('app/web', configBytes);
    const put = await call('PUT', '/v2/app/web/manifests/1.0', { auth: good, body: manifest, headers: { 'Content-Type': OCI } });
    assert.equal(put.status, 201);
    assert.equal(put.headers['docker-content-digest'], sha(manifest));
  });

  it('serves a manifest by tag and digest with its digest, an OCI one only to clients that accept it; tags and catalog', async () => {
    const noAccept = await call('GET', '/v2/app/web/manifests/1.0', { auth: good });
    assert.equal(noAccept.status, 404);
    assert.equal(JSON.parse(noAccept.body).errors[0].message, 'OCI manifest found, but accept header does not support OCI manifests');
    const head = await call('HEAD', '/v2/app/web/manifests/1.0', { auth: good, headers: { Accept: OCI } });
    assert.equal(head.status, 200);
    assert.equal(head.headers['docker-content-digest'], sha(manifest));
    assert.equal(head.headers['content-type'], OCI);
    const byDigest = await call('GET', `/v2/app/web/manifests/${sha(manifest)}`, { auth: good, headers: { Accept: OCI } });
    assert.equal(byDigest.body, manifest.toString());
    const unknownTag = await call('GET', '/v2/app/web/manifests/9.9', { auth: good, headers: { Accept: OCI } });
    assert.deepEqual(JSON.parse(unknownTag.body).errors[0], { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '9.9' } });
    assert.equal(JSON.parse((await call('GET', '/v2/nope/manifests/1.0', { auth: good })).body).errors[0].code, 'NAME_UNKNOWN');
    assert.deepEqual(JSON.parse((await call('GET', '/v2/app/web/tags/list', { auth: good })).body), { name: 'app/web', tags: ['1.0'] });
    assert.deepEqual(JSON.parse((await call('GET', '/v2/_catalog', { auth: good })).body), { repositories: ['app/web'] });
  });

  describe('the fake kubelet pulls (containerd resolver, kubelet keyring)', () => {
    const store = new ObjectStore();
    const SECRETS = findResource('', 'v1', 'secrets')!;
    const dockerconfig = (auths: Record<string, unknown>) => ({ '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') });
    before(() => {
      store.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'good', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ 'https://localhost:5000/app': { auth: Buffer.from('puller:s3cret').toString('base64') } }) });
      store.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ 'localhost:5000': { username: 'puller', password: 'nope' } }) });
      store.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'elsewhere', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ 'localhost:5000/other': { username: 'puller', password: 's3cret' } }) });
    });
    const pod = (...secrets: string[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { imagePullSecrets: secrets.map((name) => ({ name })), containers: [] } });
    const pull = (p: ReturnType<typeof pod>, image: string, imagePullPolicy?: string) => ensureImage(store, node, p as never, { name: 'c', image, ...(imagePullPolicy ? { imagePullPolicy } : {}) });

    it('only images of a registry on the node are pulled; others keep the fake’s old behaviour', async () => {
      assert.equal(await pull(pod(), 'nginx:1.27.3'), undefined);
      assert.deepEqual(nodeImageRef('localhost:5000/app/web:1.0@sha256:' + 'a'.repeat(64)), { host: 'localhost', port: 5000, repo: 'app/web', tag: '1.0', digest: 'sha256:' + 'a'.repeat(64) });
    });

    it('no credentials, wrong ones, or ones for another path: containerd’s errors', async () => {
      assert.deepEqual(await pull(pod(), 'localhost:5000/app/web:1.0'), { reason: 'ErrImagePull', error: 'Failed to pull image "localhost:5000/app/web:1.0": failed to pull and unpack image "localhost:5000/app/web:1.0": failed to resolve reference "localhost:5000/app/web:1.0": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials' });
      const wrong = await pull(pod('wrong', 'missing'), 'localhost:5000/app/web:1.0');
      assert.match((wrong as { error: string }).error, /unexpected status from HEAD request to https:\/\/localhost:5000\/v2\/app\/web\/manifests\/1\.0: 401 Unauthorized$/);
      assert.match((await pull(pod('elsewhere'), 'localhost:5000/app/web:1.0') as { error: string }).error, /no basic auth credentials$/);
    });

    it('pulls with the matching credential (tried in turn), reports <repo>@<digest>, then IfNotPresent uses the node’s copy', async () => {
      const got = await pull(pod('wrong', 'good'), 'localhost:5000/app/web:1.0');
      assert.deepEqual(got, { pulled: true, image: { imageRef: `localhost:5000/app/web@${sha(manifest)}`, digest: sha(manifest), entrypoint: ['/pause'] } });
      const again = await pull(pod(), `localhost:5000/app/web@${sha(manifest)}`);
      assert.equal((again as { pulled: boolean }).pulled, false);
      assert.match((await pull(pod(), 'localhost:5000/app/web:1.0', 'Always') as { error: string }).error, /no basic auth credentials$/);
      assert.deepEqual(await pull(pod(), 'localhost:5000/app/web:2.0', 'Never'), { reason: 'ErrImageNeverPull', error: 'Container image "localhost:5000/app/web:2.0" is not present with pull policy of Never' });
      assert.match((await pull(pod('good'), 'localhost:5000/app/web:2.0') as { error: string }).error, /failed to resolve reference "localhost:5000\/app\/web:2\.0": localhost:5000\/app\/web:2\.0: not found$/);
    });

    it('without containerd trusting the registry CA the pull fails on the certificate; with nothing listening, connection refused', async () => {
      writeFileSync(join(node, 'etc/containerd/config.toml'), 'version = 2\n');
      try {
        assert.match((await pull(pod('good'), 'localhost:5000/app/web:1.0', 'Always') as { error: string }).error, /tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
      } finally {
        writeFileSync(join(node, 'etc/containerd/config.toml'), 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
      }
      assert.match((await pull(pod('good'), 'localhost:5001/app/web:1.0') as { error: string }).error, /dial tcp 127\.0\.0\.1:5001: connect: connection refused$/);
    });
  });

  describe('the fake cosign (v2.4.1) against it: keys, signatures in the registry, verification', () => {
    let work: string;
    const cosign = (args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const c = execFile(process.execPath, [COSIGN, ...args], {
          cwd: work,
          env: { PATH: process.env.PATH ?? '', HOME: work, CKS_FAKE_SECRETBOX: join(work, 'secretbox.cjs'), CKS_FAKE_PORTS_FILE: join(node, 'etc/cks-fake/ports.json'), CKS_FAKE_CA_FILE: join(dir, 'ca.crt'), ...env },
        }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
        c.stdin?.end(input ?? '');
      });
    const image = () => `localhost:5000/app/web@${sha(manifest)}`;
    before(() => {
      work = join(dir, 'cosign');
      mkdirSync(work, { recursive: true });
      writeFileSync(join(work, 'secretbox.cjs'), secretboxModule());
    });

    it('generate-key-pair writes an encrypted sigstore key (scrypt + nacl/secretbox) and a PKIX public key', async () => {
      const r = await cosign(['generate-key-pair'], { COSIGN_PASSWORD: 'k3y' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'Private key written to cosign.key\nPublic key written to cosign.pub\n');
      const key = readFileSync(join(work, 'cosign.key'), 'utf8');
      assert.match(key, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
      const doc = JSON.parse(Buffer.from(key.split('\n').slice(1, -2).join(''), 'base64').toString());
      assert.deepEqual(doc.kdf.params, { N: 32768, r: 8, p: 1 });
      assert.equal(doc.cipher.name, 'nacl/secretbox');
      assert.match(readFileSync(join(work, 'cosign.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    });

    it('verify finds no signature before signing; sign needs credentials, the right password and --tlog-upload=false', async () => {
      const none = await cosign(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog=true', image()]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /UNAUTHORIZED: authentication required/);
      assert.equal((await cosign(['login', 'localhost:5000', '-u', 'puller', '-p', 's3cret'])).code, 0);
      const unsigned = await cosign(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog=true', image()]);
      assert.equal(unsigned.code, 1);
      assert.match(unsigned.stderr, /^Error: no signatures found$/m);
      assert.match((await cosign(['sign', '--key', 'cosign.key', image()], { COSIGN_PASSWORD: 'k3y' })).stderr, /not simulated: pass --tlog-upload=false/);
      const wrong = await cosign(['sign', '--key', 'cosign.key', '--tlog-upload=false', image()], { COSIGN_PASSWORD: 'nope' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /getting signer: reading key: decrypt: encrypted: decryption failed/);
    });

    it('sign stores the simple-signing payload and an ECDSA signature under sha256-<hex>.sig; verify checks both; another key does not match', async () => {
      const signed = await cosign(['sign', '--key', 'cosign.key', '--tlog-upload=false', image()], {}, 'k3y\n');
      assert.equal(signed.code, 0, signed.stderr);
      assert.match(signed.stderr, /Pushing signature to: localhost:5000\/app\/web/);
      const sig = await call('GET', `/v2/app/web/manifests/${sha(manifest).replace(':', '-')}.sig`, { auth: good, headers: { Accept: OCI } });
      const layer = JSON.parse(sig.body).layers[0];
      assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
      assert.ok(layer.annotations['dev.cosignproject.cosign/signature']);
      const ok = await cosign(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog=true', 'localhost:5000/app/web:1.0']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), [{ critical: { identity: { 'docker-reference': 'localhost:5000/app/web' }, image: { 'docker-manifest-digest': sha(manifest) }, type: 'cosign container image signature' }, optional: null }]);
      assert.match(ok.stderr, /The signatures were verified against the specified public key/);
      mkdirSync(join(work, 'other'), { recursive: true });
      const other = join(work, 'other');
      await new Promise<void>((resolve) => execFile(process.execPath, [COSIGN, 'generate-key-pair'], { cwd: other, env: { PATH: process.env.PATH ?? '', COSIGN_PASSWORD: 'x', CKS_FAKE_SECRETBOX: join(work, 'secretbox.cjs') } }, () => resolve()));
      const mismatch = await cosign(['verify', '--key', join(other, 'cosign.pub'), '--insecure-ignore-tlog=true', image()]);
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /^Error: no matching signatures: invalid signature when validating ASN\.1 encoded signature$/m);
      assert.match((await cosign(['verify', '--key', 'cosign.pub', image()])).stderr, /pass --insecure-ignore-tlog=true/);
    });
  });

  describe('the fake crane (0.20.2) against it', () => {
    const crane = (args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [CRANE, ...args], { env: { PATH: process.env.PATH ?? '', HOME: home, CKS_FAKE_PORTS_FILE: join(node, 'etc/cks-fake/ports.json'), CKS_FAKE_CA_FILE: join(dir, 'ca.crt') } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });

    it('digest, manifest, ls and catalog after auth login; anonymous is refused as go-containerregistry words it', async () => {
      const home = join(dir, 'crane-home');
      mkdirSync(home, { recursive: true });
      const anon = await crane(['digest', 'localhost:5000/app/web:1.0'], home);
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /^Error: fetching manifest localhost:5000\/app\/web:1\.0: GET https:\/\/localhost:5000\/v2\/app\/web\/manifests\/1\.0: UNAUTHORIZED: authentication required/);
      const login = await crane(['auth', 'login', 'localhost:5000', '-u', 'puller', '-p', 's3cret'], home);
      assert.match(login.stderr, /logged in via .*\/\.docker\/config\.json/);
      assert.equal((await crane(['digest', 'localhost:5000/app/web:1.0'], home)).stdout, `${sha(manifest)}\n`);
      assert.equal((await crane(['manifest', `localhost:5000/app/web@${sha(manifest)}`], home)).stdout, manifest.toString());
      assert.equal((await crane(['ls', 'localhost:5000/app/web'], home)).stdout.split('\n')[0], '1.0');
      assert.match((await crane(['catalog', 'localhost:5000'], home)).stdout, /^app\/web$/m);
      const missing = await crane(['digest', 'localhost:5000/app/web:9.9'], home);
      assert.match(missing.stderr, /MANIFEST_UNKNOWN: manifest unknown/);
      assert.match((await crane(['copy', 'a', 'b'], home)).stderr, /not simulated/);
    });
  });

  describe("fake kind's containerdConfigPatches", () => {
    it('adds a new table to the node config and refuses to rewrite a table the base config has', () => {
      const root = join(dir, 'patch-node');
      mkdirSync(join(root, 'etc/containerd'), { recursive: true });
      writeFileSync(join(root, 'etc/containerd/config.toml'), 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n');
      applyContainerdPatches(root, ['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"']);
      assert.match(readFileSync(join(root, 'etc/containerd/config.toml'), 'utf8'), /\n\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n  config_path = "\/etc\/containerd\/certs\.d"\n$/);
      assert.throws(() => applyContainerdPatches(root, ['[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "native"']), /not simulated/);
    });
  });

  describe('stopping', () => {
    it('SIGTERM (systemctl stop) unpublishes the node port', async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      assert.equal(JSON.parse(readFileSync(join(node, 'etc/cks-fake/ports.json'), 'utf8'))['5000'], null);
    });
  });
});
