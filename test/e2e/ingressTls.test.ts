/**
 * ingress-tls proven on the fakes, on one cluster of the `ingress` lab (its bootstrap installs the
 * vendored F5 NGINX Ingress Controller manifest; the fake API server simulates the controller while
 * its pod runs): graded by curl on the node through the controller's real TLS and HTTP listeners.
 * Every task fails after setup and passes after the reference solution; the mistakes learners make
 * fail exactly the task they break; right answers written differently pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('ingress-tls');
const lab = loadLabs(join(ROOT, 'labs')).get('ingress')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const ALL = ['http-redirect', 'https', 'tls-secret'];

/** The Ingress as setup made it (plain HTTP), for putting the cluster back between cases. */
const PLAIN_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec:
  ingressClassName: nginx
  rules:
    - host: secure.example.com
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }]
`;

describe('scenario ingress-tls on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-ingress';
  const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
  /** Back to the state setup left: no Secret anywhere, the plain Ingress only. */
  const reset = () =>
    run(`set -e
kubectl delete secret web-tls -n shop --ignore-not-found >/dev/null
kubectl delete secret web-tls -n default --ignore-not-found >/dev/null
kubectl delete ingress --all -n shop >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
${PLAIN_INGRESS}YAML
`);
  after(() => world.cleanup());

  before(async function () {
    this.timeout(180_000);
    await world.provider.create(cluster, lab, () => undefined); // runs the lab's bootstrap (self-check)
    await setup();
  });

  it('fails every task after setup, saying what it found', async () => {
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    assert.match(check(r, 'tls-secret', 'secret-type').actual, /not found|NotFound/i);
    assert.match(check(r, 'https', 'https-cert-and-page').actual, /no HTTPS answer \(curl exit 35\)/);
    assert.match(check(r, 'http-redirect', 'http-redirected').actual, /answered 200 without a redirect/);
  });

  it('passes every task after the reference solution', async () => {
    await solve();
    const r = await grade();
    assert.deepEqual(failed(r), []);
    assert.match(check(r, 'https', 'https-cert-and-page').actual, /presents the given certificate \(CN ?= ?secure\.example\.com/);
    assert.match(check(r, 'http-redirect', 'http-redirected').actual, /redirected to https:\/\/secure\.example\.com \(301, Location https:/);
  });

  describe('what learners get wrong fails exactly the right task', () => {
    beforeEach(reset);

    it('a generic (Opaque) Secret with the two keys: the controller ignores it — Secret and HTTPS fail, HTTP is still redirected', async () => {
      await run(`set -e
kubectl -n shop create secret generic web-tls --from-file=tls.crt=/root/ingress-tls/tls.crt --from-file=tls.key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop patch ingress web --type=merge -p '{"spec":{"tls":[{"hosts":["secure.example.com"],"secretName":"web-tls"}]}}' >/dev/null
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['https', 'tls-secret']);
      assert.equal(check(r, 'tls-secret', 'secret-holds-given-cert').status, 'pass');
      assert.match(check(r, 'tls-secret', 'secret-type').actual, /Opaque/);
      assert.match(check(r, 'https', 'https-cert-and-page').actual, /no HTTPS answer \(curl exit 35\)/);
    });

    it('tls.hosts not matching the rule host: no TLS for the host, no redirect', async () => {
      await run(`set -e
kubectl -n shop create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop patch ingress web --type=merge -p '{"spec":{"tls":[{"hosts":["www.secure.example.com"],"secretName":"web-tls"}]}}' >/dev/null
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['http-redirect', 'https']);
      assert.match(check(r, 'http-redirect', 'http-redirected').actual, /answered 200 without a redirect/);
    });

    it('the Secret in another namespace than the Ingress: Secret task and HTTPS fail', async () => {
      await run(`set -e
kubectl -n default create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop patch ingress web --type=merge -p '{"spec":{"tls":[{"hosts":["secure.example.com"],"secretName":"web-tls"}]}}' >/dev/null
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['https', 'tls-secret']);
    });

    it('an Ingress re-created without ingressClassName: no controller serves it — HTTPS and redirect fail', async () => {
      await run(`set -e
kubectl -n shop create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop delete ingress web >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec:
  tls: [{ hosts: [secure.example.com], secretName: web-tls }]
  rules:
    - host: secure.example.com
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }]
YAML
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['http-redirect', 'https']);
      assert.match(check(r, 'http-redirect', 'http-redirected').actual, /answered 404 without a redirect/);
    });

    it('a wrong ingressClassName, or a second TLS Ingress next to the older plain one (the older keeps the host), fail HTTPS and redirect', async () => {
      await run(`set -e
kubectl -n shop create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop patch ingress web --type=merge -p '{"spec":{"ingressClassName":"traefik","tls":[{"hosts":["secure.example.com"],"secretName":"web-tls"}]}}' >/dev/null
`);
      assert.deepEqual(failed(await grade()), ['http-redirect', 'https']);
      await reset();
      await run(`set -e
kubectl -n shop create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
sleep 1
kubectl get ingress web -n shop -o json | jq '.metadata={name:"web-tls",namespace:"shop"} | .spec.tls=[{hosts:["secure.example.com"],secretName:"web-tls"}] | del(.status)' | kubectl apply -f - >/dev/null
`);
      assert.deepEqual(failed(await grade()), ['http-redirect', 'https']);
    });

    it('a Secret made from a certificate of your own for the host (not the given one) fails the Secret and HTTPS tasks', async () => {
      await run(`set -e
openssl req -x509 -nodes -newkey rsa:2048 -days 30 -subj /CN=secure.example.com -keyout /root/own.key -out /root/own.crt 2>/dev/null
kubectl -n shop create secret tls web-tls --cert=/root/own.crt --key=/root/own.key >/dev/null
kubectl -n shop patch ingress web --type=merge -p '{"spec":{"tls":[{"hosts":["secure.example.com"],"secretName":"web-tls"}]}}' >/dev/null
`);
      const r = await grade();
      assert.deepEqual(failed(r), ['https', 'tls-secret']);
      assert.equal(check(r, 'tls-secret', 'secret-type').status, 'pass');
      assert.match(check(r, 'tls-secret', 'secret-holds-given-cert').actual, /tls\.crt is another certificate/);
      assert.match(check(r, 'https', 'https-cert-and-page').actual, /presents another certificate: CN ?= ?secure\.example\.com/);
    });
  });

  describe('right answers written differently pass', () => {
    beforeEach(reset);

    it('the Secret written as YAML (base64 data, keys in the other order) and the Ingress replaced by one with a wildcard host', async () => {
      await run(`set -e
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata:
  namespace: shop
  name: web-tls
data:
  tls.key: $(base64 -w0 /root/ingress-tls/tls.key)
  tls.crt: $(base64 -w0 /root/ingress-tls/tls.crt)
YAML
kubectl -n shop delete ingress web >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop-tls, namespace: shop }
spec:
  rules:
    - host: '*.example.com'
      http:
        paths: [{ path: /, pathType: ImplementationSpecific, backend: { service: { name: web, port: { name: http } } } }]
  tls:
    - secretName: web-tls
      hosts: ['*.example.com']
  ingressClassName: nginx
YAML
`);
      assert.deepEqual(failed(await grade()), []);
    });

    it('the Ingress re-created imperatively: kubectl create ingress --class=nginx --rule="host/*=web:80,tls=web-tls"', async () => {
      await run(`set -e
kubectl -n shop create secret tls web-tls --cert=/root/ingress-tls/tls.crt --key=/root/ingress-tls/tls.key >/dev/null
kubectl -n shop delete ingress web >/dev/null
kubectl -n shop create ingress web --class=nginx --rule='secure.example.com/*=web:80,tls=web-tls' >/dev/null
`);
      assert.deepEqual(failed(await grade()), []);
    });

    it('kubectl edit-style: the tls section added with kubectl apply of the whole Ingress, an exact path', async () => {
      await run(`set -e
kubectl -n shop create secret tls web-tls --key /root/ingress-tls/tls.key --cert /root/ingress-tls/tls.crt >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec:
  ingressClassName: nginx
  tls:
    - hosts: [secure.example.com, other.example.com]
      secretName: web-tls
  rules:
    - host: secure.example.com
      http:
        paths: [{ path: /, pathType: Exact, backend: { service: { name: web, port: { number: 80 } } } }]
YAML
`);
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
