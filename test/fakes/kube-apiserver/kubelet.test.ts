import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { WebSocket } from 'ws';
import { podDir } from './kubelet/layout.js';
import { startPodLab, type startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

/** Runs a command through client-node's WebSocket Exec; resolves with output and final Status. */
async function execIn(kc: KubeConfig, ns: string, pod: string, container: string, command: string[]): Promise<{ stdout: string; stderr: string; status: V1Status | undefined }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  let status: V1Status | undefined;
  const ws = await new Exec(kc).exec(ns, pod, container, command, out, err, null, false, (s) => (status = s));
  await new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return { stdout, stderr, status };
}

describe('fake kube-apiserver: simulated kubelet', function () {
  this.timeout(60_000);
  let t: Started;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    ({ t, kc, core } = await startPodLab('init-lab'));
  });
  after(async () => t.dispose());

  const pod = (name: string, spec: V1Pod['spec']): V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'init-lab' }, spec });
  const read = (name: string): Promise<V1Pod> => core.readNamespacedPod({ name, namespace: 'init-lab' });

  it('runs the init container into an emptyDir that nginx then serves', async () => {
    await core.createNamespacedPod({
      namespace: 'init-lab',
      body: pod('web', {
        initContainers: [{ name: 'prepare', image: 'busybox:1.36', command: ['sh', '-c', 'echo "prepared by init" > /work/index.html'], volumeMounts: [{ name: 'content', mountPath: '/work' }] }],
        containers: [{ name: 'nginx', image: 'nginx:1.27', volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html' }] }],
        volumes: [{ name: 'content', emptyDir: {} }],
      }),
    });
    const running = await waitFor(async () => {
      const p = await read('web');
      return p.status?.phase === 'Running' && p;
    });
    assert.equal(running.spec?.nodeName, 'test-control-plane');
    const init = running.status?.initContainerStatuses?.[0];
    assert.equal(init?.state?.terminated?.exitCode, 0);
    assert.equal(init?.state?.terminated?.reason, 'Completed');
    const main = running.status?.containerStatuses?.[0];
    assert.equal(main?.ready, true);
    assert.equal(main?.started, true);
    assert.ok(main?.state?.running?.startedAt);
    assert.equal(main?.image, 'docker.io/library/nginx:1.27');
    const conds = Object.fromEntries((running.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(conds, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    assert.match(running.status?.podIP ?? '', /^10\.244\./);
    assert.equal(running.status?.qosClass, 'BestEffort');

    const served = await execIn(kc, 'init-lab', 'web', 'nginx', ['cat', '/usr/share/nginx/html/index.html']);
    assert.equal(served.stdout, 'prepared by init\n');
    assert.equal(served.status?.status, 'Success');
  });

  it('reports a non-zero exec exit as NonZeroExitCode with the code in causes', async () => {
    const r = await execIn(kc, 'init-lab', 'web', 'nginx', ['sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(r.stderr, 'oops\n');
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.reason, 'NonZeroExitCode');
    assert.deepEqual(r.status?.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  it('refuses exec into a missing pod or container with the real Status', async () => {
    const refuse = (path: string): Promise<{ code: number; body: { message: string } }> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${t.server.url.replace('http', 'ws')}${path}`, ['v5.channel.k8s.io'], { headers: { Authorization: `Bearer ${t.server.token}` } });
        ws.on('open', () => reject(new Error('upgrade should have been refused')));
        ws.on('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
      });
    const missing = await refuse('/api/v1/namespaces/init-lab/pods/nope/exec?command=true&stdout=true');
    assert.equal(missing.code, 404);
    assert.equal(missing.body.message, 'pods "nope" not found');
    const wrong = await refuse('/api/v1/namespaces/init-lab/pods/web/exec?command=true&stdout=true&container=sidecar');
    assert.equal(wrong.code, 400);
    assert.equal(wrong.body.message, 'container sidecar is not valid for pod web');
  });

  it('prefers v5.channel.k8s.io and falls back to v4 when only that is offered', async () => {
    const negotiate = (protocols: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${t.server.url.replace('http', 'ws')}/api/v1/namespaces/init-lab/pods/web/exec?command=true&container=nginx&stdout=true`, protocols, { headers: { Authorization: `Bearer ${t.server.token}` } });
        ws.on('open', () => {
          resolve(ws.protocol);
          ws.close();
        });
        ws.on('error', reject);
      });
    assert.equal(await negotiate(['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(await negotiate(['v4.channel.k8s.io']), 'v4.channel.k8s.io');
  });

  it('shows an init container exiting 1 as Init:CrashLoopBackOff with lastState exitCode 1', async () => {
    await core.createNamespacedPod({
      namespace: 'init-lab',
      body: pod('broken-init', {
        initContainers: [{ name: 'prepare', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }],
        containers: [{ name: 'nginx', image: 'nginx:1.27' }],
      }),
    });
    const p = await waitFor(async () => {
      const x = await read('broken-init');
      return x.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && x;
    });
    const init = p.status!.initContainerStatuses![0]!;
    assert.equal(init.lastState?.terminated?.exitCode, 1);
    assert.equal(init.lastState?.terminated?.reason, 'Error');
    assert.ok(init.restartCount >= 1);
    assert.equal(p.status?.phase, 'Pending');
    const initialized = p.status?.conditions?.find((c) => c.type === 'Initialized');
    assert.equal(initialized?.status, 'False');
    assert.equal(initialized?.message, 'containers with incomplete status: [prepare]');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  });

  it('shows a main command missing from the image as StartError, then CrashLoopBackOff', async () => {
    await core.createNamespacedPod({ namespace: 'init-lab', body: pod('nocmd', { containers: [{ name: 'app', image: 'busybox:1.36', command: ['nginx-not-here', '-g'] }] }) });
    const first = await waitFor(async () => (await read('nocmd')).status?.containerStatuses?.[0]?.state?.terminated);
    assert.equal(first.reason, 'StartError');
    assert.equal(first.exitCode, 128);
    assert.match(first.message ?? '', /^failed to create containerd task: .*exec: "nginx-not-here": executable file not found in \$PATH/);
    const looping = await waitFor(async () => {
      const c = (await read('nocmd')).status?.containerStatuses?.[0];
      return c?.state?.waiting?.reason === 'CrashLoopBackOff' && c;
    });
    assert.equal(looping.lastState?.terminated?.reason, 'StartError');
    assert.ok(looping.restartCount >= 1);
  });

  it('records a finished main container like the kubelet (Completed, restart per restartPolicy)', async () => {
    await core.createNamespacedPod({ namespace: 'init-lab', body: pod('once', { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'echo done'] }] }) });
    const p = await waitFor(async () => {
      const x = await read('once');
      return x.status?.phase === 'Succeeded' && x;
    });
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    const log = await core.readNamespacedPodLog({ name: 'once', namespace: 'init-lab' });
    assert.equal(log, 'done\n');
  });

  it('removes the pod sandbox when the pod is deleted', async () => {
    const dir = podDir(t.server.dir, 'init-lab', 'web');
    assert.ok(existsSync(dir));
    await core.deleteNamespacedPod({ name: 'web', namespace: 'init-lab' });
    await waitFor(() => !existsSync(dir), 5000, 'sandbox removal');
  });

  it('a pod deleted and created again at once under the same name starts fresh, and the old one’s removal leaves the new one alone', async () => {
    // What `kubectl replace --force` and delete-then-apply do: the old sandbox is still being torn
    // down while the new pod of the same name starts.
    const spec = (gen: number): V1Pod['spec'] => ({
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', `if [ -e /data/gen ]; then echo stale > /data/verdict; else echo fresh > /data/verdict; fi; echo ${gen} > /data/gen; exec sleep 3600`], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    });
    const seen = async (): Promise<string> => {
      const r = await execIn(kc, 'init-lab', 'again', 'app', ['cat', '/data/verdict', '/data/gen']);
      return r.stdout.trim().split('\n').join(' ');
    };
    await core.createNamespacedPod({ namespace: 'init-lab', body: pod('again', spec(0)) });
    await waitFor(async () => (await seen()) === 'fresh 0', 20_000, 'generation 0');
    for (let gen = 1; gen <= 4; gen++) {
      await core.deleteNamespacedPod({ name: 'again', namespace: 'init-lab', gracePeriodSeconds: 0 });
      assert.equal(existsSync(podDir(t.server.dir, 'init-lab', 'again')), false, 'the deleted pod’s sandbox is out of the way before the next one starts');
      await core.createNamespacedPod({ namespace: 'init-lab', body: pod('again', spec(gen)) });
      await waitFor(async () => (await read('again')).status?.phase === 'Running', 20_000, `generation ${gen} running`);
      await waitFor(async () => (await seen()) === `fresh ${gen}`, 20_000, `generation ${gen}'s own files`);
    }
    await new Promise((r) => setTimeout(r, 1000)); // the old sandboxes' removal has run by now
    assert.equal(await seen(), 'fresh 4');
    assert.equal((await read('again')).status?.phase, 'Running', 'the API server is still up and the pod runs');
  });
});
