/**
 * The etcd static pod's real client listener (TLS from its flags, client certificates as etcd
 * v3.6 requires them), kube-apiserver's connection to it, and kube-apiserver's --tls-min-version.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SecureVersion } from 'node:tls';
import { readNodePorts } from '../lib/node-ports.mjs';
import { writeControlPlane } from '../lib/node-files.mjs';
import { etcdClientConfig } from './etcdServer.js';
import { startFakeApiServer, type FakeApiServer } from './server.js';
import { servingTlsFromFlags } from './servingTls.js';
import { waitFor } from './testHelpers.js';

const PKI = '/etc/kubernetes/pki';

describe('fake etcd client listener and kube-apiserver serving TLS', function () {
  this.timeout(60_000);
  let dir: string;
  let root: string;
  let server: FakeApiServer;
  const pki = (f: string): string => readFileSync(join(root, PKI, f), 'utf8');
  const manifest = (name: string): string => join(root, 'etc/kubernetes/manifests', `${name}.yaml`);
  let kubeadmEtcd: string;
  let kubeadmApiserver: string;
  const target = (nodePort: number): number | undefined => readNodePorts(root)[String(nodePort)]?.port;

  /** GET on etcd's published client port; `cert` = apiserver-etcd-client. */
  const etcdGet = (path: string, cert: boolean): Promise<{ status: number; body: string } | { error: string }> =>
    new Promise((resolve) => {
      const port = target(2379);
      if (port === undefined) return resolve({ error: 'not published' });
      const req = request(
        { host: '127.0.0.1', port, path, ca: pki('etcd/ca.crt'), ...(cert ? { cert: pki('apiserver-etcd-client.crt'), key: pki('apiserver-etcd-client.key') } : {}), agent: false },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `${e.code ?? ''} ${e.message}` }));
      req.end();
    });
  /** A TLS handshake with kube-apiserver's node port 6443 limited to `max`. */
  const handshake = (max: SecureVersion): Promise<string> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: target(6443)!, rejectUnauthorized: false, maxVersion: max });
      s.on('secureConnect', () => {
        resolve(`ok ${s.getProtocol()}`);
        s.destroy();
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
    });
  const editEtcd = (fn: (text: string) => string): void => writeFileSync(manifest('etcd'), fn(kubeadmEtcd));
  const editApiserver = (fn: (text: string) => string): void => writeFileSync(manifest('kube-apiserver'), fn(kubeadmApiserver));
  const etcdRunning = (): Promise<unknown> => waitFor(() => server.controlPlane!.etcd.state === 'running' && target(2379) !== undefined && server.controlPlane!.running('etcd'), 10_000, 'etcd running');
  const apiRunning = (): Promise<unknown> => waitFor(() => server.controlPlane!.state === 'running', 15_000, 'kube-apiserver running');
  /** `crictl exec <etcd> etcdctl …` through the CRI endpoint: exit code and stderr. */
  const etcdctl = async (...args: string[]): Promise<{ exitCode: number; stderr: string }> => {
    const id = server.controlPlane!.running('etcd')!.id;
    const res = await fetch(`http://127.0.0.1:${server.criPort!}/exec`, { method: 'POST', body: JSON.stringify({ id, cmd: ['etcdctl', '--endpoints=https://127.0.0.1:2379', '--cacert', `${PKI}/etcd/ca.crt`, ...args, 'get', '/registry/namespaces/default', '--keys-only'] }) });
    return (await res.json()) as { exitCode: number; stderr: string };
  };
  const certFlags = ['--cert', `${PKI}/etcd/healthcheck-client.crt`, '--key', `${PKI}/etcd/healthcheck-client.key`];
  const lastApiLog = (): string => {
    const c = server.controlPlane!.containers.filter((x) => x.name === 'kube-apiserver').at(-1)!;
    return readFileSync(join(root, c.logPath), 'utf8');
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fake-etcd-tls-'));
    root = join(dir, 'node');
    writeControlPlane(root, { cluster: 'test', ip: '172.18.0.2', image: 'kindest/node:v1.34.0' });
    kubeadmEtcd = readFileSync(manifest('etcd'), 'utf8');
    kubeadmApiserver = readFileSync(manifest('kube-apiserver'), 'utf8');
    server = await startFakeApiServer({ cluster: 'test', dir, nodeRoot: root, restartMs: 200 });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads etcd flags as etcd v3.6 does: bool forms, typos, the CA implying client cert auth', () => {
    const read = (p: string): string | null => {
      try {
        return pki(p.slice(PKI.length + 1));
      } catch {
        return null;
      }
    };
    const base = ['etcd', '--listen-client-urls=https://127.0.0.1:2379', `--cert-file=${PKI}/etcd/server.crt`, `--key-file=${PKI}/etcd/server.key`];
    const cfg = (...extra: string[]): ReturnType<typeof etcdClientConfig> => etcdClientConfig([...base, ...extra], read);
    assert.equal((cfg() as { requireClientCert: boolean }).requireClientCert, false);
    assert.equal((cfg('--client-cert-auth') as { requireClientCert: boolean }).requireClientCert, true);
    assert.equal((cfg('--client-cert-auth=True') as { requireClientCert: boolean }).requireClientCert, true);
    assert.equal((cfg(`--trusted-ca-file=${PKI}/etcd/ca.crt`) as { requireClientCert: boolean }).requireClientCert, true);
    assert.equal((cfg('--peer-client-cert-auth=true') as { requireClientCert: boolean }).requireClientCert, false);
    assert.deepEqual(cfg('--client-cert-auth', 'true'), { error: '"true" is not a valid flag', exitCode: 1 });
    assert.deepEqual(cfg('--client-cert-auth=yes'), { error: 'invalid boolean value "yes" for -client-cert-auth: parse error', exitCode: 2, plain: true });
    assert.deepEqual(cfg('--client-cert-auht=true'), { error: 'flag provided but not defined: -client-cert-auht', exitCode: 2, plain: true });
    assert.deepEqual(cfg(`--trusted-ca-file=${PKI}/etcd/ca.pem`), { error: `open ${PKI}/etcd/ca.pem: no such file or directory`, exitCode: 1 });
    assert.match((etcdClientConfig(['etcd', '--listen-client-urls=https://127.0.0.1:2379'], read) as { error: string }).error, /must be provided for client url https:\/\/127\.0\.0\.1:2379/);
  });

  it('reads kube-apiserver serving TLS flags as v1.34 does', () => {
    assert.deepEqual(servingTlsFromFlags(['kube-apiserver']), { minVersion: 'TLSv1.2', cipherSuites: [] });
    assert.deepEqual(servingTlsFromFlags(['--tls-min-version=VersionTLS13']), { minVersion: 'TLSv1.3', cipherSuites: [] });
    assert.deepEqual(servingTlsFromFlags(['--tls-min-version', 'VersionTLS13']), { minVersion: 'TLSv1.3', cipherSuites: [] });
    assert.deepEqual(servingTlsFromFlags(['--tls-min-version=TLS1.3']), { error: 'unknown tls version "TLS1.3"' });
    assert.deepEqual(servingTlsFromFlags(['--tls-max-version=VersionTLS13']), { error: 'unknown flag: --tls-max-version' });
    assert.deepEqual(servingTlsFromFlags(['--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_FOO']), { error: "Cipher suite TLS_FOO not supported or doesn't exist" });
  });

  it("kubeadm's etcd requires a client certificate: refused in the handshake without one, /health and /version with kube-apiserver's", async () => {
    await etcdRunning();
    const none = await etcdGet('/health', false);
    assert.ok('error' in none, JSON.stringify(none));
    assert.match(none.error, /certificate required|alert/i);
    assert.deepEqual(await etcdGet('/health', true), { status: 200, body: '{"health":"true","reason":""}' });
    assert.deepEqual(await etcdGet('/version', true), { status: 200, body: '{"etcdserver":"3.6.4","etcdcluster":"3.6.0"}' });
    assert.equal(server.controlPlane!.state, 'running');
    // etcdctl in the etcd container meets the same etcd.
    assert.match((await etcdctl()).stderr, /remote error: tls: certificate required/);
    assert.equal((await etcdctl(...certFlags)).exitCode, 0);
  });

  it('without --client-cert-auth and --trusted-ca-file etcd restarts open to any TLS client; kube-apiserver stays up', async () => {
    const before = server.controlPlane!.running('etcd')!.id;
    editEtcd((t) => t.replace(/^ *- --client-cert-auth=true\n/m, '').replace(/^ *- --trusted-ca-file=.*\n/m, ''));
    await waitFor(() => server.controlPlane!.running('etcd') && server.controlPlane!.running('etcd')!.id !== before, 10_000, 'new etcd');
    await etcdRunning();
    assert.deepEqual(await etcdGet('/health', false), { status: 200, body: '{"health":"true","reason":""}' });
    assert.equal(server.controlPlane!.state, 'running');
    assert.equal((await etcdctl()).exitCode, 0);
  });

  it('--client-cert-auth=true without --trusted-ca-file: even the right certificate is refused, kube-apiserver crash-loops; fixed, it comes back', async () => {
    editEtcd((t) => t.replace(/^ *- --trusted-ca-file=.*\n/m, ''));
    await waitFor(() => server.controlPlane!.state === 'crashloop', 15_000, 'kube-apiserver crash loop');
    await etcdRunning();
    const withCert = await etcdGet('/health', true);
    assert.ok('error' in withCert, JSON.stringify(withCert));
    assert.match(lastApiLog(), /authentication handshake failed: remote error: tls: bad certificate/);
    assert.match((await etcdctl(...certFlags)).stderr, /remote error: tls: bad certificate/);
    editEtcd((t) => t);
    await apiRunning();
    assert.deepEqual(await etcdGet('/health', true), { status: 200, body: '{"health":"true","reason":""}' });
  });

  it('kube-apiserver with --tls-min-version=VersionTLS13 refuses a TLS 1.2 handshake on node port 6443; --tls-max-version makes it crash-loop', async () => {
    assert.equal(await handshake('TLSv1.2'), 'ok TLSv1.2');
    editApiserver((t) => t.replace('    - --tls-private-key-file', '    - --tls-min-version=VersionTLS13\n    - --tls-private-key-file'));
    await waitFor(() => server.controlPlane!.state === 'restarting', 5_000, 'restart');
    await apiRunning();
    assert.match(await handshake('TLSv1.2'), /^error .*PROTOCOL_VERSION/i);
    assert.equal(await handshake('TLSv1.3'), 'ok TLSv1.3');
    editApiserver((t) => t.replace('    - --tls-private-key-file', '    - --tls-max-version=VersionTLS13\n    - --tls-private-key-file'));
    await waitFor(() => server.controlPlane!.state === 'crashloop', 10_000, 'crash loop');
    assert.match(lastApiLog(), /"command failed" err="unknown flag: --tls-max-version"/);
    assert.equal(target(6443), undefined);
    editApiserver((t) => t);
    await apiRunning();
    assert.equal(await handshake('TLSv1.2'), 'ok TLSv1.2');
  });
});
