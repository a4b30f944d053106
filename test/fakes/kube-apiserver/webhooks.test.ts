import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startTestServer } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

/** Another CA (PEM), which did not sign the webhook server's certificate. */
function otherCa(dir: string): string {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=other-ca'], { cwd: dir, stdio: 'ignore' });
  return readFileSync(join(dir, 'other.crt'), 'utf8');
}

const CONFIG = (kind: 'Validating' | 'Mutating', port: number, ca: string, extra = '') => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata: { name: test-${kind.toLowerCase()} }
webhooks:
- name: ${kind.toLowerCase()}.test.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig:
    url: https://127.0.0.1:${port}/${kind.toLowerCase()}
    caBundle: ${Buffer.from(ca).toString('base64')}
  rules:
  - { operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [pods] }
  namespaceSelector:
    matchExpressions: [{ key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system] }]
${extra}`;

const POD = (name: string, image: string, labels = '{}') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: ${labels} }
spec:
  containers: [{ name: app, image: "${image}" }]
`;

describe('fake kube-apiserver: admission webhooks', function () {
  this.timeout(60_000);
  let t: Started;
  let server: Server;
  let dir: string;
  let port: number;
  let ca: string;
  const reviews: Record<string, any>[] = [];
  const k = (args: string[], stdin?: string) => kubectl(t.kubeconfigFile, args, stdin);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-test-'));
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=webhook-ca');
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=webhook');
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '2', '-extfile', 'san.cnf');
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    server = createServer({ cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if ((req.url ?? '').startsWith('/slow')) return; // never answers: the API server's timeout decides
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        reviews.push({ path: req.url, ...review });
        const r = review.request as Record<string, any>;
        const image = String(r.object?.spec?.containers?.[0]?.image ?? '');
        let response: Record<string, unknown> = { uid: r.uid, allowed: true };
        if ((req.url ?? '').startsWith('/mutating')) {
          const patch = [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }];
          response = { ...response, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(r.object?.metadata?.labels ? patch : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }])).toString('base64') };
        } else if (image.startsWith('evil.io/')) {
          response = { uid: r.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: `image ${image} is not allowed` } };
        } else if (image.startsWith('warn.io/')) {
          response = { ...response, warnings: ['images from warn.io are discouraged'] };
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
    t = await startTestServer();
  });
  after(async () => {
    await t?.dispose();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a v1 configuration without sideEffects or with Some', async () => {
    const none = await k(['apply', '-f', '-'], CONFIG('Validating', port, ca).replace('  sideEffects: None\n', ''));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun/);
    const some = await k(['apply', '-f', '-'], CONFIG('Validating', port, ca).replace('sideEffects: None', 'sideEffects: Some'));
    assert.match(some.stderr, /webhooks\[0\]\.sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"/);
  });

  it('denies with the webhook\'s message, on a server-side dry run too, and sends a real AdmissionReview', async () => {
    assert.equal((await k(['apply', '-f', '-'], CONFIG('Validating', port, ca))).code, 0);
    const r = await k(['create', '--dry-run=server', '-f', '-'], POD('bad', 'evil.io/app:1'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Forbidden\): error when creating "STDIN": admission webhook "validating\.test\.example\.com" denied the request: image evil\.io\/app:1 is not allowed/);
    const last = reviews.at(-1)!;
    assert.equal(last.apiVersion, 'admission.k8s.io/v1');
    assert.equal(last.request.operation, 'CREATE');
    assert.equal(last.request.dryRun, true);
    assert.deepEqual(last.request.resource, { group: '', version: 'v1', resource: 'pods' });
    assert.equal(last.request.namespace, 'default');
    assert.match(String(last.path), /^\/validating\?timeout=10s$/);
    const ok = await k(['create', '-f', '-'], POD('good', 'warn.io/app:1'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Warning: images from warn\.io are discouraged/);
  });

  it('applies a mutating webhook\'s JSONPatch before the validating webhooks see the object', async () => {
    assert.equal((await k(['apply', '-f', '-'], CONFIG('Mutating', port, ca))).code, 0);
    const before = reviews.length;
    assert.equal((await k(['create', '-f', '-'], POD('mutated', 'registry.k8s.io/pause:3.10'))).code, 0);
    const labels = JSON.parse((await k(['get', 'pod', 'mutated', '-o', 'jsonpath={.metadata.labels}'])).stdout) as Record<string, string>;
    assert.equal(labels.mutated, 'yes');
    const validating = reviews.slice(before).filter((x) => String(x.path).startsWith('/validating'));
    assert.equal(validating.at(-1)!.request.object.metadata.labels.mutated, 'yes');
    // A generated name: mutating webhooks see none (the registry generates it after them), validating ones see it.
    const from = reviews.length;
    const gen = await k(['create', '-f', '-'], POD('x', 'registry.k8s.io/pause:3.10').replace('name: x,', 'generateName: gen-,'));
    assert.equal(gen.code, 0, gen.stderr);
    const created = gen.stdout.match(/pod\/(gen-[a-z0-9]+) created/)?.[1];
    const mut = reviews.slice(from).find((x) => String(x.path).startsWith('/mutating'))!;
    const val = reviews.slice(from).find((x) => String(x.path).startsWith('/validating'))!;
    assert.equal(mut.request.name, undefined);
    assert.equal(mut.request.object.metadata.name, undefined);
    assert.equal(val.request.name, created);
    assert.equal((await k(['delete', 'mutatingwebhookconfiguration', 'test-mutating'])).code, 0);
  });

  it('fails closed on an unknown CA (failurePolicy Fail) and open with Ignore; namespaceSelector exempts kube-system', async () => {
    const other = otherCa(dir);
    const upd = await k(['apply', '-f', '-'], CONFIG('Validating', port, other));
    assert.equal(upd.code, 0, upd.stderr);
    const r = await k(['create', '--dry-run=server', '-f', '-'], POD('x', 'nginx:1'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Internal error occurred: failed calling webhook "validating\.test\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/validating\?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority/);
    const sys = await k(['create', '--dry-run=server', '-n', 'kube-system', '-f', '-'], POD('x', 'nginx:1').replace('namespace: default', 'namespace: kube-system'));
    assert.equal(sys.code, 0, sys.stderr);
    assert.equal((await k(['apply', '-f', '-'], CONFIG('Validating', port, other, '  failurePolicy: Ignore\n'))).code, 0);
    const open = await k(['create', '--dry-run=server', '-f', '-'], POD('x', 'nginx:1'));
    assert.equal(open.code, 0, open.stderr);
  });

  it('calls a webhook only for objects its objectSelector selects', async () => {
    assert.equal((await k(['apply', '-f', '-'], CONFIG('Validating', port, ca, '  objectSelector: { matchLabels: { policy: strict } }\n'))).code, 0);
    const unlabelled = await k(['create', '--dry-run=server', '-f', '-'], POD('bad', 'evil.io/app:1'));
    assert.equal(unlabelled.code, 0, unlabelled.stderr);
    const labelled = await k(['create', '--dry-run=server', '-f', '-'], POD('bad', 'evil.io/app:1', '{ policy: strict }'));
    assert.match(labelled.stderr, /denied the request: image evil\.io\/app:1 is not allowed/);
  });

  it('gives up after timeoutSeconds with the deadline error (Fail refuses)', async () => {
    const slow = CONFIG('Validating', port, ca, '  timeoutSeconds: 1\n').replace(/\/validating\n/, '/slow\n');
    assert.equal((await k(['apply', '-f', '-'], slow)).code, 0);
    const started = Date.now();
    const r = await k(['create', '--dry-run=server', '-f', '-'], POD('x', 'nginx:1'));
    assert.match(r.stderr, /failed calling webhook "validating\.test\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('names a missing Service in the failure of a service clientConfig', async () => {
    const svc = CONFIG('Validating', port, ca).replace(/    url: .*\n/, '    service: { name: nowhere, namespace: default, path: /validate }\n');
    assert.equal((await k(['apply', '-f', '-'], svc)).code, 0);
    const r = await k(['create', '--dry-run=server', '-f', '-'], POD('x', 'nginx:1'));
    assert.match(r.stderr, /failed calling webhook "validating\.test\.example\.com": failed to call webhook: Post "https:\/\/nowhere\.default\.svc:443\/validate\?timeout=10s": service "nowhere" not found/);
    assert.equal((await k(['delete', 'validatingwebhookconfiguration', 'test-validating'])).code, 0);
  });
});
