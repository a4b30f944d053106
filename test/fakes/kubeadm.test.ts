/**
 * The fake kubeadm (test/fakes/lib/kubeadm.cjs) on a fake two-node cluster: its version, the
 * version policy of `kubeadm upgrade apply` (never past its own version, one minor at a time), the
 * offline preflight (images missing from containerd), and an upgrade of the control plane that
 * rewrites the static pod manifests: the kubelet restarts the pods, kube-apiserver's /version
 * follows its image, and kubeadm-config and kube-proxy follow through the API.
 */
import assert from 'node:assert/strict';
import { loadLabs } from '../../server/clusters/index.js';
import type { Lab } from '../../server/clusters/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { kubeadmProgram } from './lib/kube-tools.mjs';
import { join } from 'node:path';

const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

describe('fake kubeadm: version, upgrade plan/apply/node on a fake two-node cluster', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5, extra: { FAKE_APISERVER_RESTART_MS: '300', FAKE_APISERVER_WARMUP_MS: '100' } });
  const lab = loadLabs(join(ROOT, 'labs')).get('two-node') as Lab;
  const cluster = 'cks-kadm';
  const run = (argv: string[], opts: { node?: string; input?: string } = {}) => world.provider.nodeExec(cluster, argv, { env: KUBECONFIG, ...opts });
  const sh = (script: string, opts: { node?: string; input?: string } = {}) => run(['sh', '-c', script], opts);
  after(() => world.cleanup());
  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('kind installs kubeadm and kubelet v1.34.0 on every node; the API server reports its image version', async () => {
    for (const node of ['control-plane', 'worker']) {
      assert.equal((await run(['kubeadm', 'version', '-o', 'short'], { node })).stdout, 'v1.34.0\n');
      assert.equal((await run(['kubelet', '--version'], { node })).stdout, 'Kubernetes v1.34.0\n');
    }
    const long = await run(['kubeadm', 'version']);
    assert.match(long.stdout, /^kubeadm version: &version\.Info\{Major:"1", Minor:"34", .*GitVersion:"v1\.34\.0"/);
    const json = JSON.parse((await run(['kubeadm', 'version', '-o', 'json'])).stdout) as { clientVersion: { gitVersion: string } };
    assert.equal(json.clientVersion.gitVersion, 'v1.34.0');
    const server = JSON.parse((await run(['kubectl', 'version', '-o', 'json'])).stdout) as { serverVersion: { gitVersion: string; minor: string } };
    assert.equal(server.serverVersion.gitVersion, 'v1.34.0');
    assert.equal(server.serverVersion.minor, '34');
  });

  it('upgrade plan with kubeadm v1.34.0 finds nothing newer (offline); apply v1.35.0 is refused and changes nothing', async () => {
    const plan = await run(['kubeadm', 'upgrade', 'plan']);
    assert.equal(plan.exitCode, 0, plan.stderr);
    assert.match(plan.stdout, /\[upgrade\/versions\] Cluster version: 1\.34\.0\n\[upgrade\/versions\] kubeadm version: v1\.34\.0/);
    assert.match(plan.stdout, /Awesome, you're up-to-date! Enjoy!/);
    const before = (await run(['cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'])).stdout;
    const apply = await run(['kubeadm', 'upgrade', 'apply', 'v1.35.0', '-y']);
    assert.equal(apply.exitCode, 1);
    assert.match(apply.stderr, /Specified version to upgrade to "v1\.35\.0" is higher than the kubeadm version "v1\.34\.0"\. Upgrade kubeadm first using the tool you used to install kubeadm/);
    assert.match(apply.stderr, /Can be bypassed if you pass the --force flag/);
    assert.equal((await run(['cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'])).stdout, before);
    const worker = await run(['kubeadm', 'upgrade', 'apply', 'v1.34.0', '-y'], { node: 'worker' });
    assert.equal(worker.exitCode, 1);
    assert.match(worker.stderr, /couldn't create a Kubernetes client from file "\/etc\/kubernetes\/admin\.conf": failed to load admin kubeconfig: open \/etc\/kubernetes\/admin\.conf: no such file or directory/);
  });

  it('kubeadm v1.35.0: two minors ahead refused; without the images in containerd the preflight fails offline', async () => {
    const put = await sh('cat > /usr/local/bin/kubeadm && chmod 755 /usr/local/bin/kubeadm', { input: kubeadmProgram('v1.35.0') });
    assert.equal(put.exitCode, 0, put.stderr);
    const skip = await run(['kubeadm', 'upgrade', 'apply', 'v1.36.0', '-y']);
    assert.equal(skip.exitCode, 1);
    assert.match(skip.stderr, /is too high; kubeadm can upgrade only 1 minor version at a time/);
    const noImages = await run(['kubeadm', 'upgrade', 'apply', 'v1.35.0', '-y']);
    assert.equal(noImages.exitCode, 1);
    assert.match(noImages.stderr, /\[ERROR ImagePull\]: failed to pull image registry\.k8s\.io\/kube-apiserver:v1\.35\.0/);
    assert.match(noImages.stderr, /\[ERROR ImagePull\]: failed to pull image registry\.k8s\.io\/etcd:3\.6\.6-0/);
    const noAnswer = await run(['kubeadm', 'upgrade', 'apply', 'v1.35.0'], { input: 'n\n' });
    assert.equal(noAnswer.exitCode, 1);
    assert.match(noAnswer.stderr, /won't proceed; the user didn't answer \(Y\|y\) in order to continue/);
  });

  it('with the images imported, upgrade apply v1.35.0 upgrades the static pods, /version, kubeadm-config and kube-proxy', async () => {
    const images = (await run(['kubeadm', 'config', 'images', 'list'])).stdout.trim().split('\n');
    assert.deepEqual(images, ['registry.k8s.io/kube-apiserver:v1.35.0', 'registry.k8s.io/kube-controller-manager:v1.35.0', 'registry.k8s.io/kube-scheduler:v1.35.0', 'registry.k8s.io/kube-proxy:v1.35.0', 'registry.k8s.io/coredns/coredns:v1.13.1', 'registry.k8s.io/pause:3.10.1', 'registry.k8s.io/etcd:3.6.6-0']);
    // docker-archive tarballs as a builder stage saves them (only manifest.json matters to ctr's import here).
    const tar = await sh(`set -e; mkdir -p /tmp/imgs && cd /tmp/imgs; i=0; for ref in ${images.join(' ')}; do i=$((i+1)); mkdir -p a$i; printf '[{"Config":"c.json","RepoTags":["%s"],"Layers":[]}]' "$ref" > a$i/manifest.json; tar -C a$i -cf img$i.tar manifest.json; done; ctr -n k8s.io images import img*.tar`);
    assert.equal(tar.exitCode, 0, tar.stderr);
    assert.match(tar.stdout, /unpacking registry\.k8s\.io\/kube-apiserver:v1\.35\.0 \(sha256:[0-9a-f]{64}\)\.\.\.done/);
    assert.match((await run(['ctr', '-n', 'k8s.io', 'images', 'ls', '-q'])).stdout, /registry\.k8s\.io\/etcd:3\.6\.6-0/);
    const plan = await run(['kubeadm', 'upgrade', 'plan']);
    assert.match(plan.stdout, /kube-apiserver\s+cks-kadm-control-plane\s+v1\.34\.0\s+v1\.35\.0/);
    assert.match(plan.stdout, /etcd\s+cks-kadm-control-plane\s+3\.6\.4-0\s+3\.6\.6-0/);
    assert.match(plan.stdout, /kubeadm upgrade apply v1\.35\.0/);
    const apply = await run(['kubeadm', 'upgrade', 'apply', 'v1.35.0'], { input: 'y\n' });
    assert.equal(apply.exitCode, 0, apply.stderr + apply.stdout);
    assert.match(apply.stdout, /\[upgrade\] SUCCESS! A control plane node of your cluster was upgraded to "v1\.35\.0"\./);
    for (const [name, tag] of [['kube-apiserver', 'v1.35.0'], ['kube-controller-manager', 'v1.35.0'], ['kube-scheduler', 'v1.35.0'], ['etcd', '3.6.6-0']] as const) {
      const m = (await run(['cat', `/etc/kubernetes/manifests/${name}.yaml`])).stdout;
      assert.match(m, new RegExp(`image: registry\\.k8s\\.io/${name}:${tag.replace(/\./g, '\\.')}\\n`), name);
    }
    assert.equal((await sh('ls /etc/kubernetes/tmp/kubeadm-backup-manifests-*/ | sort | tr "\\n" " "')).stdout, 'etcd.yaml kube-apiserver.yaml kube-controller-manager.yaml kube-scheduler.yaml ');
    const server = JSON.parse((await run(['kubectl', 'version', '-o', 'json'])).stdout) as { serverVersion: { gitVersion: string } };
    assert.equal(server.serverVersion.gitVersion, 'v1.35.0');
    // The running containers, as the CRI reports them (the kubelet restarted them from the manifests).
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const ps = await run(['crictl', 'ps', '--name', name, '-o', 'json']);
      const list = JSON.parse(ps.stdout) as { containers: { image: { image: string }; state: string }[] };
      assert.deepEqual(list.containers.map((c) => c.image.image), [`registry.k8s.io/${name}:v1.35.0`], name);
    }
    const cm = await run(['kubectl', '-n', 'kube-system', 'get', 'cm', 'kubeadm-config', '-o', 'jsonpath={.data.ClusterConfiguration}']);
    assert.match(cm.stdout, /^kubernetesVersion: v1\.35\.0$/m);
    const ds = await run(['kubectl', '-n', 'kube-system', 'get', 'ds', 'kube-proxy', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    assert.equal(ds.stdout, 'registry.k8s.io/kube-proxy:v1.35.0');
  });

  it('upgrade node on the worker: an old kubeadm is refused, v1.35.0 rewrites the kubelet config', async () => {
    const old = await run(['kubeadm', 'upgrade', 'node'], { node: 'worker' });
    assert.equal(old.exitCode, 1);
    assert.match(old.stderr, /the cluster version "v1\.35\.0" is newer than this kubeadm "v1\.34\.0"/);
    await sh('cat > /usr/local/bin/kubeadm && chmod 755 /usr/local/bin/kubeadm', { node: 'worker', input: kubeadmProgram('v1.35.0') });
    const up = await run(['kubeadm', 'upgrade', 'node'], { node: 'worker' });
    assert.equal(up.exitCode, 0, up.stderr);
    assert.match(up.stdout, /\[upgrade\/control-plane\] Skipping phase\. Not a control plane node\./);
    assert.match(up.stdout, /\[upgrade\] The configuration for this node was successfully upgraded!/);
  });
});

describe('kubectl drain / cordon / uncordon against the fake API (Eviction subresource)', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const lab = loadLabs(join(ROOT, 'labs')).get('two-node') as Lab;
  const cluster = 'cks-drain';
  const worker = `${cluster}-worker`;
  const run = (argv: string[]) => world.provider.nodeExec(cluster, argv, { env: KUBECONFIG });
  after(() => world.cleanup());
  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
  });

  it('discovery lists pods/eviction (policy/v1 Eviction); drain refuses bare pods and local storage without the flags', async () => {
    const res = JSON.parse((await run(['kubectl', 'get', '--raw', '/api/v1'])).stdout) as { resources: { name: string; group?: string; version?: string; kind: string; verbs: string[] }[] };
    assert.deepEqual(res.resources.find((r) => r.name === 'pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    assert.equal((await run(['kubectl', 'create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2'])).exitCode, 0);
    const bare = await run(['kubectl', 'run', 'scratch', '--image=busybox:1.36', '--overrides={"spec":{"volumes":[{"name":"s","emptyDir":{}}],"containers":[{"name":"scratch","image":"busybox:1.36","command":["sleep","3600"],"volumeMounts":[{"name":"s","mountPath":"/s"}]}]}}']);
    assert.equal(bare.exitCode, 0, bare.stderr);
    for (let i = 0; i < 60; i++) {
      const pods = (await run(['kubectl', 'get', 'pods', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{" "}{.status.phase}{"\\n"}{end}'])).stdout.trim().split('\n');
      if (pods.length === 3 && pods.every((p) => p === `${worker} Running`)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const refused = await run(['kubectl', 'drain', worker, '--ignore-daemonsets']);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stdout, new RegExp(`node/${worker} cordoned`));
    assert.match(refused.stderr, /cannot delete Pods with local storage \(use --delete-emptydir-data to override\): default\/scratch/);
    const nodes = await run(['kubectl', 'get', 'node', worker]);
    assert.match(nodes.stdout, /Ready,SchedulingDisabled/);
  });

  it('drain --ignore-daemonsets --delete-emptydir-data --force evicts every pod; uncordon makes the node schedulable again', async () => {
    const drained = await run(['kubectl', 'drain', worker, '--ignore-daemonsets', '--delete-emptydir-data', '--force']);
    assert.equal(drained.exitCode, 0, drained.stderr);
    assert.match(drained.stdout, new RegExp(`node/${worker} already cordoned`));
    assert.match(drained.stdout, /evicting pod default\/scratch/);
    assert.match(drained.stdout, /pod\/scratch evicted/);
    assert.match(drained.stdout, /pod\/web-[a-z0-9]+-[a-z0-9]+ evicted/);
    assert.match(drained.stdout, new RegExp(`node/${worker} drained`));
    assert.equal((await run(['kubectl', 'get', 'pod', 'scratch'])).exitCode, 1);
    assert.equal((await run(['kubectl', 'get', 'node', worker, '-o', 'jsonpath={.spec.unschedulable}'])).stdout, 'true');
    // The Deployment's replacements cannot go to the cordoned worker (the control plane is tainted).
    const pending = async () => (await run(['kubectl', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.status.phase}|{.status.conditions[0].reason}|{.status.conditions[0].message}{"\\n"}{end}'])).stdout.trim().split('\n');
    let states: string[] = [];
    for (let i = 0; i < 20 && !(states.length === 2 && states.every((s) => s.startsWith('Pending|Unschedulable|'))); i++) {
      states = await pending();
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(states, Array(2).fill('Pending|Unschedulable|0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.'));
    const un = await run(['kubectl', 'uncordon', worker]);
    assert.equal(un.stdout, `node/${worker} uncordoned\n`);
    assert.equal((await run(['kubectl', 'get', 'node', worker, '-o', 'jsonpath={.spec.unschedulable}'])).stdout, '');
    assert.doesNotMatch((await run(['kubectl', 'get', 'node', worker])).stdout, /SchedulingDisabled/);
    let running = '';
    for (let i = 0; i < 40 && running !== `${worker} Running\n${worker} Running`; i++) {
      running = (await run(['kubectl', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{"\\n"}{end}'])).stdout.trim();
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(running, `${worker} Running\n${worker} Running`);
  });
});
