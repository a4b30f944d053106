/**
 * The fake kubelet's host namespaces as a container sees them: without hostPID a container has its
 * own PID namespace (its /proc holds only its processes), with hostPID it sees every process of
 * the host; a hostNetwork Pod reports the node's address as its IP, as the kubelet does.
 */
import assert from 'node:assert/strict';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { execSh, startPodLab, type startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

describe('fake kube-apiserver: hostPID and hostNetwork Pods', function () {
  this.timeout(60_000);
  let t: Started;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const ns = 'hostns-lab';

  before(async () => {
    ({ t, kc, core } = await startPodLab(ns));
  });
  after(async () => t.dispose());

  const start = async (name: string, spec: Partial<NonNullable<V1Pod['spec']>>): Promise<V1Pod> => {
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name, namespace: ns }, spec: { ...spec, containers: [{ name: 'app', image: 'busybox:1.36.1', command: ['sleep', '3600'] }] } } });
    return waitFor(async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return p.status?.phase === 'Running' && p;
    });
  };
  const sh = (pod: string, script: string): Promise<string> => execSh(kc, ns, pod, script);
  const COUNT = 'ls -d /proc/[0-9]* 2>/dev/null | wc -l'; // processes may exit between the glob and ls

  it('a container sees only its own processes; with hostPID every process of the host', async () => {
    await start('own', {});
    await start('shared', { hostPID: true });
    const own = Number((await sh('own', COUNT)).trim());
    const shared = Number((await sh('shared', COUNT)).trim());
    assert.ok(own >= 1 && own < 10, `own PID namespace: ${own} processes`);
    assert.ok(shared > own + 5, `hostPID: ${shared} processes (own: ${own})`);
    // The host's kube-apiserver process (this test's server) is among them.
    assert.match(await sh('shared', `grep -l -s . /proc/${process.pid}/cmdline || echo absent`), new RegExp(`/proc/${process.pid}/cmdline`));
    assert.match(await sh('own', `cat /proc/${process.pid}/cmdline 2>/dev/null || echo absent`), /absent/);
  });

  it('a hostNetwork Pod has the node address as its IP; others get one from the pod network', async () => {
    const host = await start('hostnet', { hostNetwork: true });
    assert.equal(host.status?.podIP, host.status?.hostIP);
    const pod = await start('podnet', {});
    assert.match(pod.status?.podIP ?? '', /^10\.244\./);
    assert.notEqual(pod.status?.podIP, pod.status?.hostIP);
  });
});
