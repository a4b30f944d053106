/** kube-apiserver's health as the grader sees it: /readyz through its own client, then crictl on the node. */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { ExecOutcome } from '../../server/grading/types.js';
import { ClientNodeProbes } from '../../server/kube/clientNodeProbes.js';
import { judgeApiHealth, readyz } from '../../server/kube/apiHealth.js';
import { startFakeApiServer, type FakeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeconfigFor } from './tinyApiServer.js';

const NOW = Date.parse('2026-11-29T21:00:00Z');
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const container = (id: string, pod: string, attempt: number, state: string, createdMs: number) => ({
  id,
  podSandboxId: pod,
  metadata: { name: 'kube-apiserver', attempt },
  state,
  createdAt: ns(createdMs),
});

/** A node whose crictl answers from `containers` (and inspect/logs per id). */
function node(containers: unknown[], details: Record<string, { exitCode: number; finishedAt: string; log?: string }> = {}) {
  const calls: string[][] = [];
  const run = async (argv: string[]): Promise<ExecOutcome> => {
    calls.push(argv);
    const id = argv[argv.length - 1] ?? '';
    if (argv[1] === 'ps') return { exitCode: 0, stdout: JSON.stringify({ containers }), stderr: '' };
    if (argv[1] === 'inspect' && details[id]) return { exitCode: 0, stdout: JSON.stringify({ status: { exitCode: details[id].exitCode, finishedAt: details[id].finishedAt } }), stderr: '' };
    if (argv[1] === 'logs' && details[id]) return { exitCode: 0, stdout: '', stderr: details[id].log ?? '' };
    return { exitCode: 1, stdout: '', stderr: 'not found' };
  };
  return { run, calls };
}

const refused = { ok: false, up: false, answer: 'connection refused' };

describe('judgeApiHealth', () => {
  it('ready: nothing asked of the node', async () => {
    const n = node([]);
    assert.deepEqual(await judgeApiHealth({ ok: true, up: true, answer: 'ok' }, n.run, NOW), { ready: true, state: 'ready', evidence: '/readyz: ok' });
    assert.equal(n.calls.length, 0);
  });

  it('a new container running but not ready yet: restarting', async () => {
    const n = node([container('old', 'p1', 0, 'CONTAINER_EXITED', NOW - 3_600_000), container('new', 'p2', 0, 'CONTAINER_RUNNING', NOW - 7_000)]);
    const h = await judgeApiHealth({ ok: false, up: true, answer: 'HTTP 500: [-]poststarthook/rbac/bootstrap-roles failed' }, n.run, NOW);
    assert.equal(h.state, 'restarting');
    assert.equal(h.evidence, '/readyz: HTTP 500: [-]poststarthook/rbac/bootstrap-roles failed; crictl ps -a: kube-apiserver Running, started 7 s ago, not ready yet');
    assert.deepEqual(n.calls, [['crictl', 'ps', '-a', '--name', '^kube-apiserver$', '-o', 'json']]);
  });

  it('the old container just stopped (the kubelet replacing the pod): restarting, with its exit', async () => {
    const n = node([container('old', 'p1', 0, 'CONTAINER_EXITED', NOW - 3_600_000)], { old: { exitCode: 0, finishedAt: new Date(NOW - 4_000).toISOString(), log: 'I1129 20:59:58.000000       1 server.go:147] Version: v1.34.0\n' } });
    const h = await judgeApiHealth(refused, n.run, NOW);
    assert.equal(h.state, 'restarting');
    assert.equal(h.evidence, '/readyz: connection refused; crictl ps -a: kube-apiserver exited 1 time (last exit code 0), the last 4 s ago');
    assert.ok(!n.calls.some((c) => c[1] === 'logs'), 'a container stopped by the kubelet has no log worth showing');
  });

  it('exited again and again in the new pod: a crash loop, with the last log line (klog header cut)', async () => {
    const log = 'I1129 20:59:58.000000       1 server.go:147] Version: v1.34.0\nE1129 20:59:58.100000       1 run.go:72] "command failed" err="error while parsing file: open /etc/kubernetes/enc/enc.yaml: no such file or directory"\n';
    const n = node([container('old', 'p1', 0, 'CONTAINER_EXITED', NOW - 3_600_000), container('c2', 'p2', 2, 'CONTAINER_EXITED', NOW - 10_000)], { c2: { exitCode: 1, finishedAt: new Date(NOW - 9_000).toISOString(), log } });
    const h = await judgeApiHealth(refused, n.run, NOW);
    assert.equal(h.state, 'crashLoop');
    assert.equal(
      h.evidence,
      '/readyz: connection refused; crictl ps -a: kube-apiserver exited 3 times (last exit code 1), the last 9 s ago; its log ends: "command failed" err="error while parsing file: open /etc/kubernetes/enc/enc.yaml: no such file or directory"',
    );
  });

  it('counts exited containers of the same pod when the runtime kept them (attempt numbers alone may be reset)', async () => {
    const n = node([container('a', 'p2', 0, 'CONTAINER_EXITED', NOW - 20_000), container('b', 'p2', 0, 'CONTAINER_EXITED', NOW - 10_000)]);
    assert.equal((await judgeApiHealth(refused, n.run, NOW)).state, 'crashLoop');
  });

  it('stopped long ago and nothing started since: gone', async () => {
    const n = node([container('old', 'p1', 0, 'CONTAINER_EXITED', NOW - 3_600_000)], { old: { exitCode: 0, finishedAt: new Date(NOW - 300_000).toISOString() } });
    const h = await judgeApiHealth(refused, n.run, NOW);
    assert.equal(h.state, 'gone');
    assert.match(h.evidence, /exited 1 time \(last exit code 0\), the last 5 min ago/);
  });

  it('no kube-apiserver container at all: gone', async () => {
    const h = await judgeApiHealth(refused, node([]).run, NOW);
    assert.deepEqual(h, { ready: false, state: 'gone', evidence: '/readyz: connection refused; crictl ps -a lists no kube-apiserver container' });
  });

  it('crictl unusable: restarting, with what /readyz said', async () => {
    const h = await judgeApiHealth(refused, async () => ({ exitCode: 1, stdout: '', stderr: 'crictl: not found' }), NOW);
    assert.deepEqual(h, { ready: false, state: 'restarting', evidence: '/readyz: connection refused' });
    const thrown = await judgeApiHealth(refused, () => Promise.reject(new Error('docker: no such container')), NOW);
    assert.equal(thrown.state, 'restarting');
  });
});

describe('readyz through the grader’s own client', () => {
  let fake: FakeApiServer;
  let tiny: Server;
  let tinyUrl = '';
  let answer = { code: 200, body: 'ok' };
  before(async () => {
    fake = await startFakeApiServer({ cluster: 'health' });
    tiny = createServer((req, res) => {
      assert.equal(req.url, '/readyz?verbose');
      res.writeHead(answer.code, { 'Content-Type': 'text/plain' }).end(answer.body);
    });
    await new Promise<void>((r) => tiny.listen(0, '127.0.0.1', r));
    tinyUrl = `http://127.0.0.1:${(tiny.address() as AddressInfo).port}`;
  });
  after(async () => {
    await fake.close();
    await new Promise<void>((r) => tiny.close(() => r()));
  });
  const kc = (yaml: string) => {
    const k = new KubeConfig();
    k.loadFromString(yaml);
    return k;
  };

  it('HTTPS with the kubeconfig CA and token: ok', async () => {
    assert.deepEqual(await readyz(kc(fake.kubeconfig()), fake.httpsUrl, 2000), { ok: true, up: true, answer: 'ok' });
  });

  it('500 while post-start hooks run: not ready, naming the failed checks', async () => {
    answer = { code: 500, body: '[+]ping ok\n[+]etcd ok\n[-]poststarthook/rbac/bootstrap-roles failed: reason withheld\nreadyz check failed\n' };
    assert.deepEqual(await readyz(kc(kubeconfigFor(tinyUrl)), tinyUrl, 2000), { ok: false, up: true, answer: 'HTTP 500: [-]poststarthook/rbac/bootstrap-roles failed' });
  });

  it('403/401: the server is up and answering; that is not a restart', async () => {
    answer = { code: 403, body: 'forbidden' };
    assert.equal((await readyz(kc(kubeconfigFor(tinyUrl)), tinyUrl, 2000)).ok, true);
  });

  it('nothing listening: connection refused', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    await new Promise<void>((r) => srv.close(() => r()));
    assert.deepEqual(await readyz(kc(kubeconfigFor(url)), url, 2000), { ok: false, up: false, answer: 'connection refused' });
  });

  it('an answer that never comes: timed out, bounded', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    const started = Date.now();
    try {
      assert.deepEqual(await readyz(kc(kubeconfigFor(url)), url, 300), { ok: false, up: false, answer: 'connection timed out' });
      assert.ok(Date.now() - started < 1500);
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it('ClientNodeProbes.apiHealth: checks asking together share one /readyz, and crictl runs fresh (not from the grade cache)', async () => {
    let readyzCalls = 0;
    const counting = createServer((_req, res) => {
      readyzCalls++;
      res.writeHead(500).end('[-]etcd failed: reason withheld\nreadyz check failed\n');
    });
    await new Promise<void>((r) => counting.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
    let ps = 0;
    const probes = new ClientNodeProbes({
      kubeconfig: kubeconfigFor(url),
      nodeExec: async (argv) => (argv[1] === 'ps' && ps++, { exitCode: 0, stdout: JSON.stringify({ containers: [container('x', 'p', 0, 'CONTAINER_RUNNING', Date.now() - 2000)] }), stderr: '' }),
    });
    try {
      await probes.nodeExec(['crictl', 'ps', '-a', '--name', '^kube-apiserver$', '-o', 'json']);
      const [a, b, c] = await Promise.all([probes.apiHealth(), probes.apiHealth(), probes.apiHealth()]);
      assert.equal(readyzCalls, 1);
      assert.equal(ps, 2, 'one cached grade command, one fresh look');
      assert.deepEqual(a, b);
      assert.deepEqual(b, c);
      assert.equal(a.state, 'restarting');
      assert.match(a.evidence, /^\/readyz: HTTP 500: \[-\]etcd failed; crictl ps -a: kube-apiserver Running, started 2 s ago, not ready yet$/);
    } finally {
      await new Promise<void>((r) => counting.close(() => r()));
    }
  });
});
