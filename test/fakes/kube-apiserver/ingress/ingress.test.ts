/**
 * The simulated F5 NGINX Ingress Controller against real clients: the lab's vendored manifest
 * through kubectl, real curl over real TLS to the listeners published as the node's ports 80/443.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNodePorts } from '../../lib/node-ports.mjs';
import { kubectl, startTestServer, waitFor } from '../testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;
const MANIFEST = readFileSync(new URL('../../../../labs/ingress/image/nginx-ingress.yaml', import.meta.url), 'utf8');

const APP = `apiVersion: v1
kind: Namespace
metadata: { name: web }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: web }
spec:
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      containers:
        - name: http
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo hello from app > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: app, namespace: web }
spec:
  selector: { app: app }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: nobody, namespace: web }
spec:
  selector: { app: nobody }
  ports: [{ port: 80 }]
`;

const ingress = (name: string, host: string, opts: { secret?: string; tlsHost?: string; cls?: string | null; service?: string } = {}): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: web }
spec:
${opts.cls === null ? '' : `  ingressClassName: ${opts.cls ?? 'nginx'}\n`}${opts.secret ? `  tls: [{ hosts: ['${opts.tlsHost ?? host}'], secretName: ${opts.secret} }]\n` : ''}  rules:
    - host: '${host}'
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: ${opts.service ?? 'app'}, port: { number: 80 } } } }]
`;

interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('fake ingress controller (F5 NGINX Ingress Controller 5.5)', function () {
  this.timeout(120_000);
  let t: Started;
  let tmp: string;
  const k = (...args: string[]) => kubectl(t.kubeconfigFile, args);
  const apply = (yaml: string) => kubectl(t.kubeconfigFile, ['apply', '-f', '-'], yaml);
  const port = (p: 80 | 443): number => {
    const target = readNodePorts(join(t.server.dir, 'node'))[String(p)];
    assert.ok(target, `node port ${p} is published`);
    return target.port;
  };
  /** curl as a learner runs it on the node, aimed at the published listener instead of node port 80/443. */
  const curl = (scheme: 'http' | 'https', host: string, ...extra: string[]): Promise<CurlResult> => {
    const p = port(scheme === 'http' ? 80 : 443);
    return run('curl', ['-sS', '-k', '-v', '--max-time', '10', '--connect-to', `${host}:${scheme === 'http' ? 80 : 443}:127.0.0.1:${p}`, ...extra, `${scheme}://${host}/`]);
  };
  const cert = async (cn: string): Promise<{ crt: string; key: string }> => {
    const crt = join(tmp, `${cn}.crt`), key = join(tmp, `${cn}.key`);
    const r = await run('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '30', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`, '-keyout', key, '-out', crt]);
    assert.equal(r.code, 0, r.stderr);
    return { crt, key };
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'fake-ingress-'));
    t = await startTestServer();
    assert.equal(readNodePorts(join(t.server.dir, 'node'))['443'], undefined, 'nothing on :443 before the controller');
    for (const yaml of [MANIFEST, APP]) {
      const r = await apply(yaml);
      assert.equal(r.code, 0, r.stderr);
    }
    await waitFor(() => readNodePorts(join(t.server.dir, 'node'))['443'], 30_000, 'the controller to publish :443');
    await waitFor(async () => (await curl('http', 'probe.invalid')).stdout.includes('404'), 30_000, 'the controller to answer');
    const { crt, key } = await cert('secure.example.com');
    assert.equal((await k('create', 'secret', 'tls', 'secure-tls', '-n', 'web', `--cert=${crt}`, `--key=${key}`)).code, 0);
    await waitFor(async () => (await k('get', 'pods', '-n', 'web', '-l', 'app=app', '-o', 'jsonpath={.items[*].status.phase}')).stdout === 'Running', 30_000, 'the app pod');
  });
  after(async () => {
    await t?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the Secret certificate by SNI, proxies to the backend and redirects HTTP with 301 to :443', async () => {
    assert.equal((await apply(ingress('secure', 'secure.example.com', { secret: 'secure-tls' }))).code, 0);
    // The app pod is Running a moment before its httpd listens (nginx answers 502 meanwhile).
    const https = await waitFor(async () => {
      const r = await curl('https', 'secure.example.com');
      return r.code === 0 && r.stdout === 'hello from app\n' && r;
    }, 10_000, 'HTTPS with the app page');
    assert.match(https.stderr, /subject: CN ?= ?secure\.example\.com/);
    assert.equal(https.stdout, 'hello from app\n');
    const http = await curl('http', 'secure.example.com', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}');
    assert.equal(http.stdout, '301 https://secure.example.com:443/');
  });

  it('rejects the TLS handshake for a Secret of type Opaque, a key not matching the certificate, or a missing Secret', async () => {
    const other = await cert('other.example.com');
    const { crt } = await cert('mismatch.example.com');
    const b64 = (f: string): string => readFileSync(f).toString('base64');
    const secrets = `apiVersion: v1
kind: Secret
metadata: { name: opaque-tls, namespace: web }
type: Opaque
data: { tls.crt: ${b64(crt)}, tls.key: ${b64(other.key)} }
---
apiVersion: v1
kind: Secret
metadata: { name: mismatch-tls, namespace: web }
type: kubernetes.io/tls
data: { tls.crt: ${b64(crt)}, tls.key: ${b64(other.key)} }
`;
    assert.equal((await apply(secrets)).code, 0);
    for (const [host, secret] of [['opaque.example.com', 'opaque-tls'], ['mismatch.example.com', 'mismatch-tls'], ['missing.example.com', 'nope']] as const) {
      assert.equal((await apply(ingress(host.split('.')[0]!, host, { secret }))).code, 0);
      const r = await waitFor(async () => {
        const x = await curl('https', host);
        return x.code !== 0 && x;
      }, 10_000, `${host} rejected`);
      assert.equal(r.code, 35, `${host}: ${r.stderr}`);
      // The host is still an SSL server: HTTP is redirected even though HTTPS cannot be served.
      assert.equal((await curl('http', host, '-o', '/dev/null', '-w', '%{http_code}')).stdout, '301');
    }
    const described = await k('describe', 'ingress', 'opaque', '-n', 'web');
    assert.match(described.stdout, /Warning +AddedOrUpdatedWithWarning .*Configuration for web\/opaque was added or updated with warning\(s\): TLS secret opaque-tls is of a wrong type 'Opaque', must be 'kubernetes.io\/tls'/);
  });

  it('ignores an Ingress without the nginx class, and a host not listed in tls is plain HTTP', async () => {
    assert.equal((await apply(ingress('noclass', 'noclass.example.com', { secret: 'secure-tls', cls: null }))).code, 0);
    assert.equal((await apply(ingress('otherhost', 'plain.example.com', { secret: 'secure-tls', tlsHost: 'tls.example.com' }))).code, 0);
    await waitFor(async () => (await curl('http', 'plain.example.com')).stdout === 'hello from app\n', 10_000, 'plain host served over HTTP');
    assert.equal((await curl('http', 'noclass.example.com', '-o', '/dev/null', '-w', '%{http_code}')).stdout, '404');
    assert.equal((await curl('https', 'noclass.example.com')).code, 35);
    assert.equal((await curl('https', 'plain.example.com')).code, 35);
  });

  it('matches a wildcard host and answers 502 when the Service has no endpoints', async () => {
    assert.equal((await apply(ingress('wild', '*.wild.example.com', { secret: 'secure-tls' }))).code, 0);
    const r = await waitFor(async () => {
      const x = await curl('https', 'a.wild.example.com');
      return x.code === 0 && x;
    }, 10_000, 'wildcard');
    assert.match(r.stderr, /subject: CN ?= ?secure\.example\.com/);
    assert.equal((await apply(ingress('empty', 'empty.example.com', { service: 'nobody' }))).code, 0);
    const e = await waitFor(async () => {
      const x = await curl('http', 'empty.example.com', '-w', '\n%{http_code}');
      return x.stdout.endsWith('502') && x;
    }, 10_000, '502');
    assert.match(e.stdout, /<h1>502 Bad Gateway<\/h1>/);
  });

  it('stops listening when the controller goes away', async () => {
    assert.equal((await k('delete', 'namespace', 'nginx-ingress', '--wait=false')).code, 0);
    assert.equal((await k('delete', 'deployment', 'nginx-ingress', '-n', 'nginx-ingress', '--ignore-not-found')).code, 0);
    await waitFor(() => readNodePorts(join(t.server.dir, 'node'))['443'] === null, 30_000, ':443 unpublished');
  });

  it('does not start without its IngressClass, or with one naming another controller', async () => {
    await waitFor(async () => (await k('get', 'namespace', 'nginx-ingress')).code !== 0, 30_000, 'namespace nginx-ingress gone');
    assert.equal((await k('delete', 'ingressclass', 'nginx')).code, 0);
    const withoutClass = MANIFEST.split(/^---$/m).filter((doc) => !/^kind: IngressClass$/m.test(doc)).join('---');
    assert.equal((await apply(withoutClass)).code, 0);
    await waitFor(async () => (await k('get', 'pods', '-n', 'nginx-ingress', '-o', 'jsonpath={.items[*].status.phase}')).stdout === 'Running', 30_000, 'controller pod Running');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readNodePorts(join(t.server.dir, 'node'))['443'], null);
    assert.equal((await apply('apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: nginx }\nspec: { controller: example.com/other }\n')).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readNodePorts(join(t.server.dir, 'node'))['443'], null);
    // spec.controller is immutable: replace the IngressClass.
    assert.equal((await k('delete', 'ingressclass', 'nginx')).code, 0);
    assert.equal((await apply(MANIFEST.split(/^---$/m).find((doc) => /^kind: IngressClass$/m.test(doc))!)).code, 0);
    await waitFor(() => readNodePorts(join(t.server.dir, 'node'))['443'], 10_000, ':443 published once the IngressClass is right');
  });
});
