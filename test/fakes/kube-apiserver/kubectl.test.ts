import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const BROKEN_KIND = `apiVersion: v1
kind: pod
metadata:
  name: web
  namespace: init-lab
spec:
  containers:
  - name: nginx
    image: nginx:1.27
`;

const MISPLACED_VOLUMES = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: init-lab
spec:
  initContainers:
  - name: prepare
    image: busybox:1.36
    command: ["sh", "-c", "echo 'prepared by init' > /work/index.html"]
    volumeMounts:
    - name: content
      mountPath: /work
    volumes:
    - name: content
      emptyDir: {}
  containers:
  - name: nginx
    image: nginx:1.27
`;

const SOLUTION = `apiVersion: v1
kind: Namespace
metadata:
  name: init-lab
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: init-lab
spec:
  initContainers:
  - name: prepare
    image: busybox:1.36
    command: ["sh", "-c", "echo 'prepared by init' > /work/index.html"]
    volumeMounts:
    - name: content
      mountPath: /work
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts:
    - name: content
      mountPath: /usr/share/nginx/html
  volumes:
  - name: content
    emptyDir: {}
`;

describe('fake kube-apiserver: the real kubectl', function () {
  this.timeout(90_000);
  let t: Started;
  let k: (args: string[], stdin?: string) => ReturnType<typeof kubectl>;

  before(async () => {
    t = await startTestServer();
    k = (args, stdin) => kubectl(t.kubeconfigFile, args, stdin);
  });
  after(async () => t.dispose());

  it('lists the node and the default namespaces', async () => {
    const nodes = await k(['get', 'nodes']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, /test-control-plane\s+Ready\s+control-plane\s+\S+\s+v1\.34\.0/);
    const ns = await k(['get', 'ns', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(ns.stdout, 'default kube-node-lease kube-public kube-system');
  });

  it('rejects kind: pod (lowercase) the way the real API server does', async () => {
    assert.equal((await k(['create', 'namespace', 'init-lab'])).code, 0);
    const r = await k(['apply', '-f', '-'], BROKEN_KIND);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no kind "pod" is registered for version "v1"/);
  });

  it('rejects volumes under an init container with the strict decoding error', async () => {
    const r = await k(['apply', '-f', '-'], MISPLACED_VOLUMES);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.initContainers\[0\]\.volumes"/);
  });

  it('applies a multi-document manifest, re-applies it unchanged, and execs into the pod', async () => {
    const first = await k(['apply', '-f', '-'], SOLUTION);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /namespace\/init-lab (unchanged|configured|created)/);
    assert.match(first.stdout, /pod\/web created/);
    const again = await k(['apply', '-f', '-'], SOLUTION);
    assert.equal(again.code, 0, again.stderr);
    // The server added the kube-api-access volume mount (ServiceAccount admission), so kubectl's
    // three-way patch carries $setElementOrder directives — a no-op patch it reports as configured.
    assert.match(again.stdout, /pod\/web (unchanged|configured)/);
    await waitFor(async () => (await k(['get', 'pod', 'web', '-n', 'init-lab', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
    const wait = await k(['wait', '-n', 'init-lab', 'pod/web', '--for=condition=Ready', '--timeout=20s']);
    assert.equal(wait.code, 0, wait.stderr);
    const exitCode = await k(['get', 'pod', 'web', '-n', 'init-lab', '-o', 'jsonpath={.status.initContainerStatuses[0].state.terminated.exitCode}']);
    assert.equal(exitCode.stdout, '0');
    const table = await k(['get', 'pods', '-n', 'init-lab']);
    assert.match(table.stdout, /web\s+1\/1\s+Running\s+0/);
    const cat = await k(['exec', '-n', 'init-lab', 'web', '-c', 'nginx', '--', 'cat', '/usr/share/nginx/html/index.html']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'prepared by init\n');
    const failing = await k(['exec', '-n', 'init-lab', 'web', '-c', 'nginx', '--', 'sh', '-c', 'exit 4']);
    assert.equal(failing.code, 4);
    const stdin = await k(['exec', '-i', '-n', 'init-lab', 'web', '-c', 'nginx', '--', 'cat'], 'from stdin');
    assert.equal(stdin.stdout, 'from stdin');
  });

  it('forbids changing a pod spec on re-apply, like the real API', async () => {
    const changed = SOLUTION.replace("echo 'prepared by init'", "echo 'changed'");
    const r = await k(['apply', '-f', '-'], changed);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  });

  it('decodes protobuf bodies from typed commands (create secret, run, create role)', async () => {
    // kubectl's typed clients send application/vnd.kubernetes.protobuf; `run … -- sleep 3600` sets args.
    const secret = await k(['create', 'secret', 'generic', 'db-credentials', '-n', 'init-lab', '--from-literal=password=s3cret']);
    assert.equal(secret.code, 0, secret.stderr);
    const data = await k(['get', 'secret', 'db-credentials', '-n', 'init-lab', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(data.stdout, 'base64').toString(), 's3cret');
    const run = await k(['run', 'sleeper', '-n', 'init-lab', '--image=busybox:1.36', '--', 'sleep', '3600']);
    assert.equal(run.code, 0, run.stderr);
    const cmd = await k(['get', 'pod', 'sleeper', '-n', 'init-lab', '-o', 'jsonpath={.spec.containers[0].args}']);
    assert.equal(cmd.stdout, '["sleep","3600"]');
    const role = await k(['create', 'role', 'reader', '-n', 'init-lab', '--verb=get,list', '--resource=pods']);
    assert.equal(role.code, 0, role.stderr);
    const rules = await k(['get', 'role', 'reader', '-n', 'init-lab', '-o', 'jsonpath={.rules[0].verbs}']);
    assert.equal(rules.stdout, '["get","list"]');
  });

  it('re-applies a changed Deployment as a strategic merge patch', async () => {
    const dep = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: init-lab
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: ${image}
      - name: sidecar
        image: busybox:1.36
`;
    assert.equal((await k(['apply', '-f', '-'], dep('nginx:1.27'))).code, 0);
    const r = await k(['apply', '-f', '-'], dep('nginx:1.28'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/api configured/);
    const images = await k(['get', 'deploy', 'api', '-n', 'init-lab', '-o', 'jsonpath={.spec.template.spec.containers[*].image} {.metadata.generation}']);
    assert.equal(images.stdout, 'nginx:1.28 busybox:1.36 2');
  });

  it('deletes objects and waits for them to be gone', async () => {
    const del = await k(['delete', 'pod', 'web', '-n', 'init-lab']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /pod "web" deleted/);
    const gone = await k(['get', 'pod', 'web', '-n', 'init-lab']);
    assert.match(gone.stderr, /Error from server \(NotFound\): pods "web" not found/);
    const ns = await k(['delete', 'namespace', 'init-lab']);
    assert.equal(ns.code, 0, ns.stderr);
    const pods = await k(['get', 'pods', '-A', '-o', 'name']);
    // Only the cluster's own CoreDNS pods (kube-system) are left, as on a kind cluster.
    assert.deepEqual(pods.stdout.split('\n').filter((l) => l && !/^pod\/coredns-\w+-\w+$/.test(l)), []);
  });
});

describe('fake kube-apiserver: main.ts process', function () {
  this.timeout(60_000);

  it('writes apiserver.json once listening and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-kube-main-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/kube-apiserver/main.ts', '--cluster', 'cli', '--dir', dir], { stdio: 'ignore' });
    try {
      const info = await waitFor(() => existsSync(join(dir, 'apiserver.json')) && (JSON.parse(readFileSync(join(dir, 'apiserver.json'), 'utf8')) as { port: number; pid: number; token: string }), 30_000, 'apiserver.json');
      assert.equal(info.pid, child.pid);
      assert.match(info.token, /^[0-9a-f]{20,}$/);
      const ok = await fetch(`http://127.0.0.1:${info.port}/api`, { headers: { Authorization: `Bearer ${info.token}` } });
      assert.equal(ok.status, 200);
      const nodes = await kubectl(join(dir, 'kubeconfig'), ['get', 'nodes', '-o', 'name']);
      assert.equal(nodes.stdout.trim(), 'node/cli-control-plane');
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
