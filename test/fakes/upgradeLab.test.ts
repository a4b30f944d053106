/**
 * The `upgrade` lab on the fakes: the image's staged packages are real .debs in a real local apt
 * repository, so the REAL apt-get, apt-mark, apt-cache and dpkg run on the fake node (offline: the
 * host's sources are hidden), the lab's bootstrap imports the v1.35.0 images on both nodes and
 * proves the upgrade can run, and the documented package steps upgrade kubeadm.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import type { Lab } from '../../server/clusters/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';

describe('upgrade lab on the fakes: staged packages, local apt repository, images, bootstrap', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const lab = loadLabs(join(ROOT, 'labs')).get('upgrade') as Lab;
  const cluster = 'cks-uplab';
  const sh = (script: string, node?: string) => world.provider.nodeExec(cluster, ['bash', '-c', script], node ? { node } : {});
  let progress = '';
  after(() => world.cleanup());
  before(async () => {
    await world.provider.create(cluster, lab, (p) => (progress += `${JSON.stringify(p)}\n`));
  });

  it('the bootstrap imported the v1.35.0 images on both nodes and passed its self-check', async () => {
    for (const node of ['control-plane', 'worker']) {
      const ls = await sh('ctr -n k8s.io images ls -q', node);
      for (const img of ['registry.k8s.io/kube-apiserver:v1.35.0', 'registry.k8s.io/kube-proxy:v1.35.0', 'registry.k8s.io/etcd:3.6.6-0', 'registry.k8s.io/coredns/coredns:v1.13.1']) {
        assert.ok(ls.stdout.split('\n').includes(img), `${node}: ${img} in ${ls.stdout}`);
      }
    }
  });

  it('crictl images lists what containerd holds (kind preloaded + imported)', async () => {
    const json = JSON.parse((await sh('crictl images -o json')).stdout) as { images: { repoTags: string[]; pinned: boolean }[] };
    const tags = json.images.flatMap((i) => i.repoTags);
    assert.ok(tags.includes('registry.k8s.io/kube-scheduler:v1.35.0') && tags.includes('registry.k8s.io/kube-scheduler:v1.34.0'), tags.join(' '));
    assert.match((await sh('crictl images')).stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE\n[\s\S]*registry\.k8s\.io\/etcd\s+3\.6\.6-0\s+[0-9a-f]{13}\s+[\d.]+MB\n/);
  });

  it('apt sees only the local repository: 1.34.0-1.1 installed and held, 1.35.0-1.1 the candidate', async () => {
    const policy = await sh('apt-get update 2>&1; apt-cache policy kubeadm');
    assert.equal(policy.exitCode, 0, policy.stderr);
    assert.match(policy.stdout, /file:\/opt\/cks-lab\/upgrade\/debs \.\//);
    assert.doesNotMatch(policy.stdout, /deb\.debian\.org|http:|https:/);
    assert.match(policy.stdout, /Installed: 1\.34\.0-1\.1\n\s+Candidate: 1\.35\.0-1\.1/);
    assert.equal((await sh('apt-mark showhold')).stdout, 'kubeadm\nkubectl\nkubelet\n');
  });

  it('installing a held package is refused; unhold + install upgrades kubeadm to v1.35.0 with the real dpkg', async () => {
    const held = await sh("apt-get install -y kubeadm='1.35.0-*' 2>&1");
    assert.notEqual(held.exitCode, 0);
    assert.match(held.stdout, /E: Held packages were changed and -y was used without --allow-change-held-packages\./);
    assert.equal((await sh('kubeadm version -o short')).stdout, 'v1.34.0\n');
    const t0 = Date.now();
    const up = await sh("apt-mark unhold kubeadm && apt-get update && apt-get install -y kubeadm='1.35.0-*' && apt-mark hold kubeadm");
    assert.equal(up.exitCode, 0, up.stdout + up.stderr);
    assert.ok(Date.now() - t0 < 20_000, `apt took ${Date.now() - t0} ms`);
    assert.match(up.stdout, /Unpacking kubeadm \(1\.35\.0-1\.1\) over \(1\.34\.0-1\.1\) \.\.\./);
    assert.match(up.stdout, /kubeadm set on hold\./);
    assert.equal((await sh('kubeadm version -o short')).stdout, 'v1.35.0\n');
    assert.match((await sh('dpkg -s kubeadm')).stdout, /Status: hold ok installed\n[\s\S]*Version: 1\.35\.0-1\.1/);
  });

  it('kubectl from the package still talks to the cluster; the kubelet package brings kubelet v1.35.0', async () => {
    const up = await sh("apt-mark unhold kubelet kubectl && apt-get install -y kubelet=1.35.0-1.1 kubectl=1.35.0-1.1 && apt-mark hold kubelet kubectl");
    assert.equal(up.exitCode, 0, up.stdout + up.stderr);
    assert.equal((await sh('kubelet --version')).stdout, 'Kubernetes v1.35.0\n');
    const nodes = await sh('KUBECONFIG=/etc/kubernetes/admin.conf kubectl get nodes -o name');
    assert.equal(nodes.exitCode, 0, nodes.stderr);
    assert.equal(nodes.stdout, `node/${cluster}-control-plane\nnode/${cluster}-worker\n`);
    // kind's unit in /etc shadows the package's in /usr/lib: it still runs /usr/bin/kubelet.
    assert.match((await sh('cat /usr/lib/systemd/system/kubelet.service')).stdout, /ExecStart=\/usr\/bin\/kubelet/);
  });

  it('the Node reports the new kubelet only after systemctl restart kubelet', async () => {
    const version = async (): Promise<string> => (await sh(`KUBECONFIG=/etc/kubernetes/admin.conf kubectl get node ${cluster}-control-plane -o jsonpath={.status.nodeInfo.kubeletVersion}`)).stdout;
    assert.equal(await version(), 'v1.34.0');
    const restart = await sh('systemctl daemon-reload && systemctl restart kubelet');
    assert.equal(restart.exitCode, 0, restart.stderr);
    assert.equal(await version(), 'v1.35.0');
    const worker = (await sh(`KUBECONFIG=/etc/kubernetes/admin.conf kubectl get node ${cluster}-worker -o jsonpath={.status.nodeInfo.kubeletVersion}`)).stdout;
    assert.equal(worker, 'v1.34.0');
  });
});
