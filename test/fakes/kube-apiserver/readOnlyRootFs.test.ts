/**
 * The fake kubelet's readOnlyRootFilesystem as a container on a real node shows it: the root
 * filesystem (and /etc, /usr) refuses writes with EROFS, a writable volume mounted into it still
 * takes them, a container without the field writes anywhere, and an app that writes to a path
 * with no volume under a read-only root exits and is restarted (CrashLoopBackOff).
 */
import assert from 'node:assert/strict';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { execSh, startPodLab, type startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const sh = execSh;

describe('fake kubelet: readOnlyRootFilesystem', function () {
  this.timeout(60_000);
  let t: Started;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const ns = 'ro-lab';

  before(async () => {
    ({ t, kc, core } = await startPodLab(ns));
  });
  after(async () => t.dispose());

  const pod = (name: string, app: Record<string, unknown>, volumes: NonNullable<V1Pod['spec']>['volumes'] = []): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { volumes, containers: [{ name: 'app', image: 'busybox:1.36.1', command: ['sleep', '3600'], ...app }] },
  });
  const running = (name: string): Promise<V1Pod> =>
    waitFor(async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return p.status?.containerStatuses?.[0]?.state?.running && p;
    });
  const probe = 'for p in /x /etc/x /tmp/x; do if touch $p 2>/dev/null; then echo "$p writable"; else echo "$p read-only"; fi; done';

  it('refuses writes to the root, /etc and /usr; a volume mounted in it stays writable', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('ro', { securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }, [{ name: 'tmp', emptyDir: {} }]) });
    await running('ro');
    assert.equal(await sh(kc, ns, 'ro', probe), '/x read-only\n/etc/x read-only\n/tmp/x writable\n');
    assert.match(await sh(kc, ns, 'ro', 'touch /usr/x'), /Read-only file system/);
  });

  it('without the field the root is writable', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('rw', {}) });
    await running('rw');
    assert.equal(await sh(kc, ns, 'rw', probe), '/x writable\n/etc/x writable\n/tmp/x writable\n');
  });

  it('an app writing where no volume is mounted exits and is restarted (CrashLoopBackOff)', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('crash', { securityContext: { readOnlyRootFilesystem: true }, command: ['sh', '-c', 'mkdir -p /tmp/app && sleep 3600'] }) });
    const p = await waitFor(async () => {
      const got = await core.readNamespacedPod({ name: 'crash', namespace: ns });
      const s = got.status?.containerStatuses?.[0];
      return (s?.restartCount ?? 0) >= 1 && s;
    });
    assert.equal(p.lastState?.terminated?.exitCode, 1);
  });
});
