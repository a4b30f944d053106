/**
 * Static pods beyond the control plane (kubelet/staticPods.ts): a manifest in the kubelet's
 * staticPodPath runs as a Pod with a mirror `<name>-<node>`; deleting the mirror brings it back;
 * any file name counts (a `.bak` still runs), hidden files and subdirectories do not; removing the
 * file removes the Pod; the control plane's manifests stay the control plane's.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeControlPlane } from '../lib/node-files.mjs';
import { desiredStaticPods } from './kubelet/staticPods.js';
import { findResource } from './resources.js';
import { startFakeApiServer, type FakeApiServer } from './server.js';
import { waitFor } from './testHelpers.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODE = 'test-control-plane';
const ROGUE = `apiVersion: v1
kind: Pod
metadata: { name: node-agent, namespace: kube-system, labels: { app: node-agent } }
spec:
  hostPID: true
  containers:
  - name: agent
    image: busybox:1.36.1
    command: [sh, -c, 'echo started; sleep 3600']
    securityContext: { privileged: true }
`;

describe('fake kubelet: static pods from staticPodPath, with mirror Pods', function () {
  this.timeout(60_000);
  let dir: string;
  let root: string;
  let server: FakeApiServer;
  const manifests = (): string => join(root, 'etc/kubernetes/manifests');
  const mirror = () => server.store.get(PODS, 'kube-system', `node-agent-${NODE}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fake-static-pods-'));
    root = join(dir, 'node');
    writeControlPlane(root, { cluster: 'test', ip: '172.18.0.2', image: 'kindest/node:v1.34.0' });
    server = await startFakeApiServer({ cluster: 'test', dir, nodeRoot: root, restartMs: 200 });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every non-hidden file of the directory, not subdirectories, and leaves out the control plane', () => {
    mkdirSync(join(manifests(), 'old'), { recursive: true });
    writeFileSync(join(manifests(), 'old', 'x.yaml'), ROGUE.replace('node-agent', 'in-subdir'));
    writeFileSync(join(manifests(), '.hidden.yaml'), ROGUE.replace('node-agent', 'hidden'));
    writeFileSync(join(manifests(), 'notes.txt'), 'not a pod');
    const names = [...desiredStaticPods(root, NODE).keys()];
    assert.deepEqual(names, []);
    rmSync(join(manifests(), 'old'), { recursive: true });
  });

  it('runs a manifest as a mirror Pod <name>-<node> owned by the Node, and creates it again when it is deleted', async () => {
    writeFileSync(join(manifests(), 'node-agent.yaml'), ROGUE);
    const pod = await waitFor(() => mirror()?.status?.phase === 'Running' && mirror(), 10_000, 'mirror pod Running');
    const ann = pod.metadata.annotations as Record<string, string>;
    assert.equal(ann['kubernetes.io/config.source'], 'file');
    assert.match(ann['kubernetes.io/config.mirror']!, /^[0-9a-f]{32}$/);
    assert.equal(ann['kubernetes.io/config.mirror'], ann['kubernetes.io/config.hash']);
    assert.deepEqual(pod.metadata.ownerReferences?.map((r: Record<string, unknown>) => [r.kind, r.name, r.controller]), [['Node', NODE, true]]);
    assert.equal(pod.spec.nodeName, NODE);
    assert.equal(pod.spec.containers[0].securityContext.privileged, true);
    const uid = pod.metadata.uid;
    server.store.delete(PODS, 'kube-system', `node-agent-${NODE}`);
    const again = await waitFor(() => mirror()?.metadata.uid !== uid && mirror(), 5_000, 'mirror pod back');
    assert.ok(again);
  });

  it('a renamed file (.bak) still runs; a changed file replaces the Pod; a removed file removes it', async () => {
    renameSync(join(manifests(), 'node-agent.yaml'), join(manifests(), 'node-agent.yaml.bak'));
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(mirror(), 'the kubelet reads every file, whatever its extension');
    const uid = mirror()!.metadata.uid;
    writeFileSync(join(manifests(), 'node-agent.yaml.bak'), ROGUE.replace('sleep 3600', 'sleep 3599'));
    await waitFor(() => mirror() && mirror()!.metadata.uid !== uid, 5_000, 'pod replaced');
    rmSync(join(manifests(), 'node-agent.yaml.bak'));
    await waitFor(() => mirror() === undefined, 5_000, 'mirror pod gone');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(mirror(), undefined, 'and it does not come back');
    assert.equal(server.controlPlane!.state, 'running', 'the control plane is untouched');
  });
});
