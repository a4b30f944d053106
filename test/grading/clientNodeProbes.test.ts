import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApiUnavailableError, ProbeError } from '../../server/grading/types.js';
import { ClientNodeProbes } from '../../server/kube/clientNodeProbes.js';
import { KubeApi } from '../../server/kube/kubeApi.js';
import { exitCodeFromStatus } from '../../server/kube/podExec.js';
import { kubeconfigFor, startTinyApi, type TinyApi } from './tinyApiServer.js';

const noNode = async () => ({ exitCode: 0, stdout: '', stderr: '' });

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('ClientNodeProbes against a small HTTP API', () => {
  let api: TinyApi;
  let probes: ClientNodeProbes;
  before(async () => {
    api = await startTinyApi();
    probes = new ClientNodeProbes({ kubeconfig: api.kubeconfig, nodeExec: noNode, execTimeoutMs: 300 });
  });
  after(() => api.close());

  describe('getObject', () => {
    it('returns the object as the API sent it (raw timestamps, unknown fields kept)', async () => {
      const pod = await probes.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'sandbox', name: 'untrusted' });
      assert.ok(pod);
      const meta = pod['metadata'] as Record<string, unknown>;
      assert.equal(meta['creationTimestamp'], '2025-01-02T03:04:05Z');
      assert.deepEqual((pod['spec'] as Record<string, unknown>)['futureField'], { kept: true });
      assert.ok(api.requests.includes('GET /api/v1/namespaces/sandbox/pods/untrusted'));
    });

    it('reads cluster-scoped objects without a namespace', async () => {
      const ns = await probes.getObject({ apiVersion: 'v1', kind: 'Namespace', name: 'sandbox' });
      assert.equal((ns?.['metadata'] as { name: string }).name, 'sandbox');
    });

    it('returns null for a 404, and for an API group the cluster does not serve', async () => {
      assert.equal(await probes.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'sandbox', name: 'nope' }), null);
      assert.equal(await probes.getObject({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: 'gvisor' }), null);
    });

    it('throws a ProbeError naming the status for a 5xx', async () => {
      await assert.rejects(
        probes.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'sandbox', name: 'server-error' }),
        (e: Error) => e instanceof ProbeError && !(e instanceof ApiUnavailableError) && /answered HTTP 500: something broke/.test(e.message),
      );
    });

    it("waits out etcd's hiccups of a fresh start (500 etcdserver: request timed out) like a restart", async () => {
      const quick = new ClientNodeProbes({ kubeconfig: api.kubeconfig, nodeExec: noNode, apiRetryMs: 400 });
      await assert.rejects(
        quick.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'broken', name: 'x' }),
        (e: Error) => e instanceof ApiUnavailableError && e.answer === 'HTTP 500: etcdserver: request timed out (for 1 s)',
      );
    });

    it('waits a bounded time for a restarting API server, then says so in plain words', async () => {
      const port = await closedPort();
      const down = new ClientNodeProbes({ kubeconfig: kubeconfigFor(`http://127.0.0.1:${port}`), nodeExec: noNode, apiRetryMs: 600 });
      const started = Date.now();
      await assert.rejects(down.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'a', name: 'b' }), (e: Error) => {
        assert.ok(e instanceof ApiUnavailableError);
        assert.equal(e.message, `API server is restarting, press Check again in a moment (cannot reach the cluster API at http://127.0.0.1:${port}: connection refused; waited 1 s)`);
        assert.equal(e.answer, 'connection refused (for 1 s)');
        return true;
      });
      assert.ok(Date.now() - started >= 250, 'it retried before giving up');
    });

    it('answers once the API server is back within the bound', async () => {
      const port = await closedPort();
      const probes = new ClientNodeProbes({ kubeconfig: kubeconfigFor(`http://127.0.0.1:${port}`), nodeExec: noNode, apiRetryMs: 5000 });
      const pending = probes.getObject({ apiVersion: 'v1', kind: 'Pod', namespace: 'sandbox', name: 'untrusted' });
      await new Promise((r) => setTimeout(r, 400));
      const api = await startTinyApi({ port });
      try {
        const obj = await pending;
        assert.equal((obj?.metadata as { name?: string } | undefined)?.name, 'untrusted');
      } finally {
        await api.close();
      }
    });
  });

  describe('podExec', () => {
    it('collects stdout and exit code 0 from the status channel', async () => {
      const out = await probes.podExec('sandbox', 'untrusted', 'app', ['echo', 'hello', 'gVisor']);
      assert.deepEqual(out, { exitCode: 0, stdout: 'hello gVisor\n', stderr: '' });
    });

    it('reads a non-zero exit code from the ExitCode cause, with stderr', async () => {
      const out = await probes.podExec('sandbox', 'untrusted', undefined, ['fail', '3']);
      assert.deepEqual(out, { exitCode: 3, stdout: 'partial\n', stderr: 'boom\n' });
      assert.ok(api.requests.includes('UPGRADE /api/v1/namespaces/sandbox/pods/untrusted/exec?container=app'), 'defaults to the first container');
    });

    it('reports a command that cannot start as exit code 126 with the reason', async () => {
      const out = await probes.podExec('sandbox', 'untrusted', 'app', ['dmesg']);
      assert.equal(out.exitCode, 126);
      assert.match(out.stderr, /executable file not found/);
    });

    it('throws ProbeError for a missing pod, a missing container, or a pod that is not running', async () => {
      await assert.rejects(probes.podExec('sandbox', 'gone', undefined, ['echo']), /pod sandbox\/gone not found/);
      await assert.rejects(probes.podExec('sandbox', 'untrusted', 'web', ['echo']), /container web not found in pod sandbox\/untrusted \(containers: app, sidecar\)/);
      await assert.rejects(probes.podExec('sandbox', 'pending', undefined, ['echo']), /pod sandbox\/pending is Pending, not Running/);
    });

    it('gives up on a command that never reports its status', async () => {
      await assert.rejects(probes.podExec('sandbox', 'untrusted', 'app', ['hang']), (e: Error) => e instanceof ProbeError && /did not finish/.test(e.message));
    });
  });

  it('runs a node command once per grade even when several checks ask for it', async () => {
    let calls = 0;
    const probes = new ClientNodeProbes({ kubeconfig: api.kubeconfig, nodeExec: async () => (calls++, { exitCode: 0, stdout: 'etcd-id\n', stderr: '' }) });
    const argv = ['crictl', 'ps', '--name', '^etcd$', '--quiet'];
    const [a, b] = await Promise.all([probes.nodeExec(argv), probes.nodeExec([...argv])]);
    assert.equal(a.stdout, 'etcd-id\n');
    assert.equal(b, a);
    assert.equal(calls, 1);
    await probes.nodeExec(['cat', '/etc/other']);
    assert.equal(calls, 2);
  });

  it('nodeExec delegates, and wraps a failure to start as ProbeError', async () => {
    const seen: string[][] = [];
    const ok = new ClientNodeProbes({ kubeconfig: api.kubeconfig, nodeExec: async (argv) => (seen.push(argv), { exitCode: 0, stdout: 'x', stderr: '' }) });
    assert.equal((await ok.nodeExec(['cat', '/etc/hostname'])).stdout, 'x');
    assert.deepEqual(seen, [['cat', '/etc/hostname']]);
    const broken = new ClientNodeProbes({ kubeconfig: api.kubeconfig, nodeExec: () => Promise.reject(new Error('docker: no such container')) });
    await assert.rejects(broken.nodeExec(['true']), (e: Error) => e instanceof ProbeError && /no such container/.test(e.message));
  });

  it('KubeApi.listNodes reports each node and its readiness', async () => {
    assert.deepEqual(await new KubeApi(api.kubeconfig).listNodes(), [
      { name: 'lab-control-plane', ready: true },
      { name: 'lab-worker', ready: false },
    ]);
  });
});

describe('exitCodeFromStatus', () => {
  it('maps Success to 0 and NonZeroExitCode to its cause', () => {
    assert.equal(exitCodeFromStatus({ status: 'Success' }), 0);
    assert.equal(exitCodeFromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } }), 137);
    assert.equal(exitCodeFromStatus({ status: 'Failure', message: 'oops' }), undefined);
  });
});
