/** The fake ImagePolicyWebhook: its configuration errors, and its ImageReviews over real mutual TLS. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ImagePolicyWebhook, goDuration, imagePolicyFromFlags, type ImagePolicyConfig } from './imagePolicy.js';
import type { KubeObject } from './store.js';
import { startTestServer, waitFor } from './testHelpers.js';

const PLUGINS = new Set(['NodeRestriction', 'ImagePolicyWebhook']);
const FLAGS = ['kube-apiserver', '--enable-admission-plugins=NodeRestriction,ImagePolicyWebhook', '--admission-control-config-file=/adm/config.yaml'];
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: b, cluster: { server: 'https://127.0.0.1:8443/imagepolicy', certificate-authority: ca.crt } }]
users: [{ name: u, user: { client-certificate: /adm/c.crt, client-key: /adm/c.key } }]
contexts: [{ name: x, context: { cluster: b, user: u } }]
current-context: x
`;
const config = (imagePolicy: string): string => `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: ImagePolicyWebhook
  configuration:
    imagePolicy: ${imagePolicy}
`;

function reader(files: Record<string, string>): (p: string) => string | null {
  return (p) => files[p] ?? null;
}

describe('fake ImagePolicyWebhook configuration (kube-apiserver exits with these)', () => {
  const base = { '/adm/kubeconfig': KUBECONFIG, '/adm/ca.crt': 'CA', '/adm/c.crt': 'CERT', '/adm/c.key': 'KEY' };

  it('reads the inline config, the kubeconfig and the files it names (relative to the kubeconfig)', () => {
    const r = imagePolicyFromFlags(FLAGS, PLUGINS, reader({ ...base, '/adm/config.yaml': config('{ kubeConfigFile: /adm/kubeconfig, allowTTL: 50, defaultAllow: false }') }));
    assert.ok('config' in r && r.config);
    assert.equal(r.config.server.href, 'https://127.0.0.1:8443/imagepolicy');
    assert.deepEqual([r.config.ca, r.config.cert, r.config.key, r.config.allowTtlMs, r.config.denyTtlMs, r.config.defaultAllow], ['CA', 'CERT', 'KEY', 50_000, 30_000, false]);
  });

  it('the config file unreadable (not mounted), even without the plugin', () => {
    const r = imagePolicyFromFlags(FLAGS, new Set(['NodeRestriction']), reader({}));
    assert.deepEqual(r, { error: 'failed to apply admission: failed to read plugin config: unable to read admission control configuration from "/adm/config.yaml" [open /adm/config.yaml: no such file or directory]' });
  });

  it('the plugin enabled without an entry, or without the flag: no config specified', () => {
    const other = `apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration: {}\n`;
    for (const r of [imagePolicyFromFlags(FLAGS, PLUGINS, reader({ '/adm/config.yaml': other })), imagePolicyFromFlags(FLAGS.slice(0, 2), PLUGINS, reader({}))]) {
      assert.deepEqual(r, { error: 'failed to apply admission: couldn\'t init admission plugin "ImagePolicyWebhook": no config specified' });
    }
  });

  it('a plugin entry with a relative path, and the legacy bare imagePolicy file', () => {
    const withPath = `apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: ImagePolicyWebhook\n  path: ip.yaml\n`;
    const r1 = imagePolicyFromFlags(FLAGS, PLUGINS, reader({ ...base, '/adm/config.yaml': withPath, '/adm/ip.yaml': 'imagePolicy: { kubeConfigFile: /adm/kubeconfig, defaultAllow: true }' }));
    assert.ok('config' in r1 && r1.config?.defaultAllow === true);
    const r2 = imagePolicyFromFlags(FLAGS, PLUGINS, reader({ ...base, '/adm/config.yaml': 'imagePolicy: { kubeConfigFile: /adm/kubeconfig }' }));
    assert.ok('config' in r2 && r2.config?.allowTtlMs === 300_000);
  });

  it('TTLs out of range, a missing kubeconfig, unreadable certificates, no current context', () => {
    const err = (ip: string, files: Record<string, string> = base): string => {
      const r = imagePolicyFromFlags(FLAGS, PLUGINS, reader({ ...files, '/adm/config.yaml': config(ip) }));
      assert.ok('error' in r, JSON.stringify(r));
      return r.error.replace('failed to apply admission: couldn\'t init admission plugin "ImagePolicyWebhook": ', '');
    };
    assert.equal(err('{ kubeConfigFile: /adm/kubeconfig, allowTTL: 3600 }'), 'valid value is between 1s and 30m0s, got 1h0m0s');
    assert.equal(err('{ kubeConfigFile: /adm/kubeconfig, denyTTL: "50s" }'), 'json: cannot unmarshal string into Go struct field imagePolicyWebhookConfig.imagePolicy.denyTTL of type time.Duration');
    assert.equal(err('{ kubeConfigFile: /adm/kubeconf }'), 'stat /adm/kubeconf: no such file or directory');
    assert.equal(err('{ kubeConfigFile: /adm/kubeconfig }', { '/adm/kubeconfig': KUBECONFIG }), 'invalid configuration: [unable to read certificate-authority /adm/ca.crt for b due to open /adm/ca.crt: no such file or directory, unable to read client-cert /adm/c.crt for u due to open /adm/c.crt: no such file or directory, unable to read client-key /adm/c.key for u due to open /adm/c.key: no such file or directory]');
    const noContext = KUBECONFIG.replace(/^contexts:.*\n/m, '').replace(/^current-context:.*\n/m, '');
    assert.equal(err('{ kubeConfigFile: /adm/kubeconfig }', { ...base, '/adm/kubeconfig': noContext }), 'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  });

  it('formats durations as Go does', () => {
    assert.deepEqual([goDuration(500), goDuration(50_000), goDuration(1_800_000), goDuration(3_600_000), goDuration(0.000001)], ['500ms', '50s', '30m0s', '1h0m0s', '1ns']);
  });
});

describe('fake ImagePolicyWebhook reviews over mutual TLS', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'ipw-'));
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  let server: https.Server;
  let port = 0;
  const seen: any[] = [];
  const file = (n: string): string => readFileSync(join(dir, n), 'utf8');
  const pod = (image: string, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'a', image }] } });
  const cfg = (over: Partial<ImagePolicyConfig> = {}): ImagePolicyConfig => ({
    server: new URL(`https://127.0.0.1:${port}/imagepolicy`), ca: file('ca.crt'), cert: file('client.crt'), key: file('client.key'), allowTtlMs: 60_000, denyTtlMs: 60_000, defaultAllow: false, ...over,
  });

  before(async () => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ca');
    for (const [n, ext] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
      writeFileSync(join(dir, `${n}.ext`), `${ext}\n`);
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`);
      ssl('x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', '2', '-extfile', `${n}.ext`);
    }
    server = https.createServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const review = JSON.parse(body);
        seen.push({ url: req.url, review });
        if (review.spec.namespace === 'flaky' && seen.filter((x) => x.review.spec.namespace === 'flaky').length < 3) {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('busy');
          return;
        }
        const bad = review.spec.containers.filter((c: any) => c.image.endsWith(':latest')).map((c: any) => c.image);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', status: bad.length ? { allowed: false, reason: `no latest: ${bad.join(' ')}` } : { allowed: true } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POSTs an ImageReview with the containers, filtered annotations and namespace; denies with the backend reason; caches', async () => {
    const wh = new ImagePolicyWebhook(cfg(), dir);
    const denied = await wh.review(pod('nginx:latest', { 'a.image-policy.k8s.io/x': 'y', other: 'z' }), 'default');
    assert.deepEqual(denied, { allowed: false, message: 'image policy webhook backend denied one or more images: no latest: nginx:latest' });
    assert.equal(seen.at(-1).url, '/imagepolicy?timeout=30s');
    assert.deepEqual(seen.at(-1).review.spec, { containers: [{ image: 'nginx:latest' }], annotations: { 'a.image-policy.k8s.io/x': 'y' }, namespace: 'default' });
    const n = seen.length;
    assert.deepEqual(await wh.review(pod('nginx:1.27.3'), 'default'), { allowed: true, failedOpen: false });
    assert.deepEqual(await wh.review(pod('nginx:1.27.3'), 'default'), { allowed: true, failedOpen: false });
    assert.equal(seen.length, n + 1, 'the second answer came from the cache');
  });

  it('a 500 answer is tried again after retryBackoff (growing 1.5×) until the backend answers', async () => {
    const start = Date.now();
    const n = seen.length;
    assert.deepEqual(await new ImagePolicyWebhook(cfg({ retryBackoffMs: 50 }), dir).review(pod('b:1'), 'flaky'), { allowed: true, failedOpen: false });
    assert.equal(seen.length - n, 3, 'two 500s, then the answer');
    assert.ok(Date.now() - start >= 50 + 75, 'waited between attempts');
  });

  it('a backend that cannot be reached: refused (defaultAllow false) or admitted failed-open (true); an unknown CA is refused', async () => {
    const closed = new URL('https://127.0.0.1:1/imagepolicy');
    assert.deepEqual(await new ImagePolicyWebhook(cfg({ server: closed }), dir).review(pod('a:1'), 'x'), {
      allowed: false,
      message: 'Post "https://127.0.0.1:1/imagepolicy?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused',
    });
    assert.deepEqual(await new ImagePolicyWebhook(cfg({ server: closed, defaultAllow: true }), dir).review(pod('a:1'), 'x'), { allowed: true, failedOpen: true });
    const wrongCa = await new ImagePolicyWebhook(cfg({ ca: file('server.crt') }), dir).review(pod('a:2'), 'x');
    assert.ok(!wrongCa.allowed && /x509: certificate signed by unknown authority/.test(wrongCa.message), JSON.stringify(wrongCa));
    const noCert = await new ImagePolicyWebhook(cfg({ cert: undefined, key: undefined }), dir).review(pod('a:3'), 'x');
    assert.ok(!noCert.allowed && /^Post "https:\/\/127\.0\.0\.1:\d+\/imagepolicy\?timeout=30s": /.test(noCert.message), JSON.stringify(noCert));
  });

  it('the Deployment controller\'s Pods are reviewed too: a denied image gets no Pod, and the Deployment says why', async () => {
    const t = await startTestServer();
    try {
      t.server.store.imagePolicy = new ImagePolicyWebhook(cfg(), dir);
      const kc = new KubeConfig();
      kc.loadFromString(t.server.kubeconfig());
      const apps = kc.makeApiClient(AppsV1Api);
      const core = kc.makeApiClient(CoreV1Api);
      const deployment = (name: string, image: string) => ({
        metadata: { name },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } } },
      });
      await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('pinned', 'busybox:1.36.1') });
      await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('floating', 'busybox:latest') });
      await waitFor(async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=pinned' })).items.length === 1, 10_000, 'the pinned Deployment\'s Pod');
      const failure = await waitFor(async () => (await apps.readNamespacedDeployment({ name: 'floating', namespace: 'default' })).status?.conditions?.find((c) => c.type === 'ReplicaFailure'), 10_000, 'ReplicaFailure');
      assert.equal(failure.reason, 'FailedCreate');
      assert.match(failure.message ?? '', /image policy webhook backend denied one or more images: no latest: busybox:latest/);
      assert.equal((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=floating' })).items.length, 0);
      assert.ok(seen.some((x) => x.review.spec.containers[0]?.image === 'busybox:latest'), 'the backend was asked');
    } finally {
      await t.dispose();
    }
  });
});
