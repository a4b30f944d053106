/**
 * The fake pod network end to end, through kubectl as a learner uses it: Deployments get Pods,
 * Services get ClusterIPs and endpoints, cluster DNS answers, busybox's nc/wget/nslookup/httpd in
 * a pod behave like busybox, and NetworkPolicies drop what they do not allow.
 */
import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from '../testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const APP = `apiVersion: v1
kind: Namespace
metadata: { name: net }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backend, namespace: net }
spec:
  replicas: 2
  selector: { matchLabels: { app: backend } }
  template:
    metadata: { labels: { app: backend } }
    spec:
      containers:
        - name: http
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo hello from backend > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: net }
spec:
  selector: { app: backend }
  ports: [{ port: 8080, targetPort: http }]
---
apiVersion: v1
kind: Service
metadata: { name: nobody, namespace: net }
spec:
  selector: { app: nobody }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: net, labels: { app: client } }
spec:
  containers:
    - { name: c, image: busybox:1.36.1, command: [sleep, '3600'] }
`;

describe('fake pod network (Services, DNS, NetworkPolicy, Deployments)', function () {
  this.timeout(120_000);
  let t: Started;
  const k = (...args: string[]) => kubectl(t.kubeconfigFile, args);
  const inClient = (...cmd: string[]) => k('exec', '-n', 'net', 'client', '--', ...cmd);

  before(async () => {
    t = await startTestServer();
    const applied = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], APP);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor(async () => {
      const r = await k('get', 'deploy', 'backend', '-n', 'net', '-o', 'jsonpath={.status.readyReplicas}');
      return r.stdout === '2';
    }, 20_000, 'backend ready');
    await waitFor(async () => (await k('get', 'pod', 'client', '-n', 'net', '-o', 'jsonpath={.status.phase}')).stdout === 'Running', 20_000, 'client running');
  });
  after(async () => t.dispose());

  it('a Deployment keeps its replicas as <name>-<hash>-<5 chars> Pods with the template labels, and replaces a deleted one', async () => {
    const names = (await k('get', 'pods', '-n', 'net', '-l', 'app=backend', '-o', 'jsonpath={.items[*].metadata.name}')).stdout.split(' ').sort();
    assert.equal(names.length, 2);
    for (const n of names) assert.match(n, /^backend-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const hash = (await k('get', 'pod', names[0]!, '-n', 'net', '-o', 'jsonpath={.metadata.labels.pod-template-hash}')).stdout;
    assert.equal(names[0]!.split('-')[1], hash);
    assert.equal((await k('delete', 'pod', names[0]!, '-n', 'net')).code, 0);
    const after = await waitFor(async () => {
      const now = (await k('get', 'pods', '-n', 'net', '-l', 'app=backend', '-o', 'jsonpath={.items[*].metadata.name}')).stdout.split(' ').filter(Boolean);
      return now.length === 2 && !now.includes(names[0]!) && now;
    }, 10_000, 'a replacement pod');
    assert.ok(after.includes(names[1]!));
  });

  it('Services get a ClusterIP in 10.96.0.0/16 and kube-dns is at 10.96.0.10 with CoreDNS pods behind it', async () => {
    assert.match((await k('get', 'svc', 'backend', '-n', 'net', '-o', 'jsonpath={.spec.clusterIP}')).stdout, /^10\.96\.\d+\.\d+$/);
    assert.equal((await k('get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}')).stdout, '10.96.0.10');
    await waitFor(async () => (await k('get', 'deploy', 'coredns', '-n', 'kube-system', '-o', 'jsonpath={.status.readyReplicas}')).stdout === '2', 10_000, 'coredns ready');
  });

  it('busybox applets in a pod: nslookup, nc -z and wget reach the Service (and kubernetes.default the API server); no endpoints is refused; an unknown name is NXDOMAIN', async () => {
    const ns = await inClient('nslookup', 'backend.net.svc.cluster.local');
    assert.equal(ns.code, 0, ns.stderr);
    const ip = (await k('get', 'svc', 'backend', '-n', 'net', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    assert.match(ns.stdout, new RegExp(`Server:\\s+10\\.96\\.0\\.10\\nAddress:\\s+10\\.96\\.0\\.10:53\\n\\nName:\\s+backend\\.net\\.svc\\.cluster\\.local\\nAddress: ${ip.replace(/\./g, '\\.')}\\n`));
    const open = await inClient('nc', '-vv', '-z', '-w', '2', 'backend', '8080');
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stderr, new RegExp(`^backend \\(${ip.replace(/\./g, '\\.')}:8080\\) open\\n sent 0, rcvd 0\\n$`));
    const page = await inClient('wget', '-q', '-O', '-', '-T', '2', 'http://backend:8080/');
    assert.equal(page.stdout, 'hello from backend\n');
    const refused = await inClient('nc', '-vv', '-z', '-w', '2', 'nobody', '80');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /nc: nobody \(10\.96\.\d+\.\d+:80\): Connection refused/);
    const api = await inClient('nc', '-z', '-w', '1', 'kubernetes.default', '443');
    assert.equal(api.code, 0, `the kubernetes Service reaches kube-apiserver on the node: ${api.stderr}`);
    const nx = await inClient('nslookup', 'nothing.net.svc.cluster.local');
    assert.equal(nx.code, 1);
    assert.match(nx.stdout, /\*\* server can't find nothing\.net\.svc\.cluster\.local: NXDOMAIN/);
  });

  it('an address outside the pod network answers only when a pod holds it (ip addr, NET_ADMIN) and the node routes it there (ip route from a hostNetwork pod); policies see it as an ipBlock', async () => {
    const META = `apiVersion: v1
kind: Pod
metadata: { name: meta, namespace: net, labels: { app: meta } }
spec:
  containers:
    - name: http
      image: busybox:1.36.1
      securityContext: { capabilities: { add: [NET_ADMIN] } }
      command: [sh, -c, 'ip addr add 169.254.169.254/32 dev lo && mkdir -p /www && echo ami-0abc > /www/index.html && exec httpd -f -p 80 -h /www']
---
apiVersion: v1
kind: Pod
metadata: { name: plain, namespace: net, labels: { app: plain } }
spec:
  containers:
    - { name: c, image: busybox:1.36.1, command: [sh, -c, 'ip addr add 203.0.113.9/32 dev lo; sleep 3600'] }
---
apiVersion: v1
kind: Pod
metadata: { name: router, namespace: net }
spec:
  hostNetwork: true
  containers:
    - { name: c, image: busybox:1.36.1, securityContext: { capabilities: { add: [NET_ADMIN] } }, command: [sleep, '3600'] }
`;
    assert.equal((await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], META)).code, 0);
    for (const p of ['meta', 'plain', 'router']) await waitFor(async () => (await k('get', 'pod', p, '-n', 'net', '-o', 'jsonpath={.status.phase}')).stdout === 'Running', 20_000, `${p} running`);
    const noRoute = await inClient('nc', '-v', '-z', '-w', '1', '169.254.169.254', '80');
    assert.match(noRoute.stderr, /Connection timed out/, 'held by a pod but not routed: the packet leaves the node and nobody answers');
    const inPlain = await k('exec', '-n', 'net', 'plain', '--', 'ip', 'addr', 'add', '203.0.113.9/32', 'dev', 'lo');
    assert.equal(inPlain.code, 2);
    assert.match(inPlain.stderr, /RTNETLINK answers: Operation not permitted/);
    const podIP = (await k('get', 'pod', 'meta', '-n', 'net', '-o', 'jsonpath={.status.podIP}')).stdout;
    const router = (...cmd: string[]) => k('exec', '-n', 'net', 'router', '--', ...cmd);
    const get = await router('ip', '-o', 'route', 'get', podIP);
    assert.equal(get.code, 0, get.stderr);
    const dev = /\bdev (\S+)/.exec(get.stdout)?.[1] ?? '';
    assert.match(dev, /^veth[0-9a-f]{8}$/);
    const noOnlink = await router('ip', 'route', 'replace', '169.254.169.254/32', 'via', podIP, 'dev', dev);
    assert.notEqual(noOnlink.code, 0, 'a ptp pod route is scope host: a gateway through it needs onlink');
    assert.equal((await router('ip', 'route', 'replace', '169.254.169.254/32', 'via', podIP, 'dev', dev, 'onlink')).code, 0);
    const page = await inClient('wget', '-q', '-O', '-', '-T', '2', 'http://169.254.169.254/');
    assert.equal(page.stdout, 'ami-0abc\n', page.stderr);
    assert.match((await k('exec', '-n', 'net', 'client', '--', 'ip', 'route')).stderr, /not simulated/, "a pod's own routes are not simulated, and say so");
    const block = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: no-metadata, namespace: net }
spec:
  podSelector: { matchLabels: { app: client } }
  policyTypes: [Egress]
  egress: [{ to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [169.254.169.254/32] } }] }]`;
    assert.equal((await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], block)).code, 0);
    assert.match((await inClient('nc', '-v', '-z', '-w', '1', '169.254.169.254', '80')).stderr, /Connection timed out/);
    assert.equal((await inClient('nc', '-z', '-w', '1', podIP, '80')).code, 0, 'the pod behind the address is still reachable at its own IP');
    assert.equal((await k('delete', 'networkpolicy', 'no-metadata', '-n', 'net')).code, 0);
    assert.equal((await k('delete', 'pod', 'meta', '-n', 'net', '--wait=true')).code, 0);
    assert.match((await inClient('nc', '-v', '-z', '-w', '1', '169.254.169.254', '80')).stderr, /Connection timed out/, 'the address goes with the pod');
  });

  it('a default-deny policy drops traffic (nc and wget time out), and DNS stops until egress to kube-dns is allowed', async () => {
    const deny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all, namespace: net }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }`;
    assert.equal((await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], deny)).code, 0);
    const ip = (await k('get', 'svc', 'backend', '-n', 'net', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    const started = Date.now();
    const dropped = await inClient('nc', '-v', '-z', '-w', '1', ip, '8080');
    assert.equal(dropped.code, 1);
    assert.ok(Date.now() - started >= 1000, 'waits for -w');
    assert.match(dropped.stderr, /Connection timed out/);
    const slow = await inClient('wget', '-T', '1', '-O', '-', `http://${ip}:8080/`);
    assert.match(slow.stderr, /wget: download timed out/);
    const noDns = await inClient('nslookup', 'backend.net.svc.cluster.local');
    assert.equal(noDns.code, 1);
    assert.match(noDns.stdout, /;; connection timed out; no servers could be reached/);
    const dns = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: dns, namespace: net }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } }]
      ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]`;
    assert.equal((await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], dns)).code, 0);
    assert.equal((await inClient('nslookup', 'backend.net.svc.cluster.local')).code, 0);
    const allow = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: client-to-backend, namespace: net }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{ from: [{ podSelector: { matchLabels: { app: client } } }], ports: [{ port: http }] }]
  egress: [{ to: [{ podSelector: { matchLabels: { app: backend } } }], ports: [{ port: 8080 }] }]`;
    assert.equal((await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], allow)).code, 0);
    assert.equal((await inClient('nc', '-z', '-w', '1', 'backend', '8080')).code, 0);
  });
});
