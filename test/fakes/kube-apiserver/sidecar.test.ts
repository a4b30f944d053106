import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

/** An app writing a log file and a shipper tailing it to stdout, as a native sidecar or as a plain init container. */
function pod(name: string, shipperPolicy: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: side }
spec:
  volumes: [{ name: logs, emptyDir: {} }]
  initContainers:
  - name: shipper
    image: busybox:1.36.1
    ${shipperPolicy}
    command: ["sh", "-c", "touch /var/log/app/app.log; tail -n +1 -F /var/log/app/app.log"]
    volumeMounts: [{ name: logs, mountPath: /var/log/app }]
  containers:
  - name: app
    image: busybox:1.36.1
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo \\"order $i shipped\\" >> /var/log/app/app.log; sleep 0.2; done"]
    volumeMounts: [{ name: logs, mountPath: /var/log/app }]
`;
}

describe('fake kubelet: native sidecars (init containers with restartPolicy Always)', function () {
  this.timeout(60_000);
  let t: Started;
  const get = (name: string, path: string) => kubectl(t.kubeconfigFile, ['get', 'pod', name, '-n', 'side', '-o', `jsonpath=${path}`]);

  before(async () => {
    t = await startTestServer();
    await kubectl(t.kubeconfigFile, ['create', 'namespace', 'side']);
  });
  after(async () => t?.dispose());

  it('starts the sidecar, then the app beside it; both ready, the pod Running and Ready, the sidecar ships the app\'s lines', async () => {
    const r = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod('native', 'restartPolicy: Always'));
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await get('native', '{.status.phase}')).stdout === 'Running', 20_000, 'Running');
    await waitFor(async () => (await get('native', '{.status.conditions[?(@.type=="Ready")].status}')).stdout === 'True', 20_000, 'Ready');
    assert.equal((await get('native', '{.status.initContainerStatuses[0].started}/{.status.initContainerStatuses[0].ready}/{.status.initContainerStatuses[0].state.running.startedAt}')).stdout.split('/').slice(0, 2).join('/'), 'true/true');
    const logs = await waitFor(async () => {
      const l = await kubectl(t.kubeconfigFile, ['logs', '-n', 'side', 'native', '-c', 'shipper']);
      return /order 2 shipped/.test(l.stdout) && l.stdout;
    }, 20_000, 'the shipper to print the app\'s lines');
    assert.match(logs, /^order 1 shipped\norder 2 shipped\n/);
  });

  it('restartPolicy is refused on a regular container and for any value but Always', async () => {
    const onApp = await kubectl(t.kubeconfigFile, ['apply', '--dry-run=server', '-f', '-'], pod('x', '').replace('  - name: app\n', '  - name: app\n    restartPolicy: Always\n'));
    assert.equal(onApp.code, 1);
    assert.match(onApp.stderr, /spec\.containers\[0\]\.restartPolicy: Forbidden: may not be set for non-init containers/);
    const never = await kubectl(t.kubeconfigFile, ['apply', '--dry-run=server', '-f', '-'], pod('x', 'restartPolicy: OnFailure'));
    assert.match(never.stderr, /spec\.initContainers\[0\]\.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"/);
  });

  it('as a plain init container the same shipper never completes: the pod stays Pending in Init, the app never starts', async () => {
    const r = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod('blocked', ''));
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await get('blocked', '{.status.initContainerStatuses[0].state.running.startedAt}')).stdout !== '', 20_000, 'the init container running');
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((await get('blocked', '{.status.phase}')).stdout, 'Pending');
    assert.equal((await get('blocked', '{.status.containerStatuses[0].state.waiting.reason}')).stdout, 'PodInitializing');
    assert.equal((await get('blocked', '{.status.conditions[?(@.type=="Initialized")].status}')).stdout, 'False');
  });
});
