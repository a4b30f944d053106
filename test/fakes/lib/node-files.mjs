// The control-plane node's own files (what kubeadm and kind leave on a real node).
import fs from 'node:fs';
import path from 'node:path';
import { staticPodManifests } from './manifests.mjs';
import { nodeKubeconfig } from './kubeconfig.mjs';
import { nodeToken } from './node-token.mjs';
import { writeKubeletConfig, writeKubeletUnit } from './kubelet-files.mjs';
import { writeFalcoUnit } from './falco-files.mjs';
import { writeEtcdPki } from './node-pki.mjs';
import { createNodePorts } from './node-ports.mjs';

const PKI_FILES = [
  'ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key',
  'apiserver-etcd-client.crt', 'apiserver-etcd-client.key', 'front-proxy-ca.crt', 'front-proxy-ca.key',
  'front-proxy-client.crt', 'front-proxy-client.key', 'sa.key', 'sa.pub',
  'etcd/ca.crt', 'etcd/ca.key', 'etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key',
  'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key',
];

function write(root, rel, text, mode = 0o644) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** Skeleton of a fresh node: directories every kindest/node image has, /etc/hostname and /etc/hosts. */
export function prepareNodeDirs(root, { hostname, ip }) {
  write(root, 'etc/hostname', `${hostname}\n`);
  write(root, 'etc/hosts', `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${hostname}\n`);
  for (const d of ['usr/local/bin', 'etc/kubernetes/manifests', 'etc/kubernetes/pki/etcd', 'root', 'tmp', 'var/log/pods', 'var/log/containers', 'var/lib/etcd', 'var/lib/kubelet', 'kind']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.chmodSync(path.join(root, 'root'), 0o700);
  fs.chmodSync(path.join(root, 'var/lib/etcd'), 0o700); // kubeadm creates etcd's data dir 0700
  createNodePorts(root);
}

/** /kind/kubeadm.conf, as kind's "Writing configuration" phase leaves it. */
export function writeKubeadmConfig(root, { cluster, ip, image }) {
  const version = /:(v[\d.]+)/.exec(image)?.[1] ?? 'v1.34.0';
  write(root, 'kind/kubeadm.conf', [
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    `clusterName: ${cluster}`,
    `controlPlaneEndpoint: ${cluster}-control-plane:6443`,
    `kubernetesVersion: ${version}`,
    'networking:',
    '  podSubnet: 10.244.0.0/16',
    '  serviceSubnet: 10.96.0.0/16',
    '---',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: InitConfiguration',
    'localAPIEndpoint:',
    `  advertiseAddress: ${ip}`,
    '  bindPort: 6443',
    'nodeRegistration:',
    '  criSocket: unix:///run/containerd/containerd.sock',
    `  name: ${cluster}-control-plane`,
    '',
  ].join('\n'));
}

/** PKI (placeholders, except etcd's: node-pki.mjs) and the static pod manifests ("kubeadm init" up to the control plane). */
export function writeControlPlane(root, spec) {
  for (const f of PKI_FILES) {
    write(root, `etc/kubernetes/pki/${f}`, `# placeholder ${f} (fake node: no real TLS)\n`, f.endsWith('.key') ? 0o600 : 0o644);
  }
  // etcd's CA, server/peer and client certificates are real: the fake etcd serves TLS with them.
  writeEtcdPki(root, { hostname: `${spec.cluster}-control-plane`, ip: spec.ip });
  for (const [file, text] of Object.entries(staticPodManifests(spec))) write(root, `etc/kubernetes/manifests/${file}`, text, 0o600);
  writeKubeletConfig(root); // kubeadm's kubelet-start phase comes before the control plane's
}

/** Kubeconfigs kubeadm writes, pointing at the (fake) API server. */
export function writeKubeconfigs(root, cluster, api) {
  write(root, 'etc/kubernetes/admin.conf', nodeKubeconfig(cluster, api, 'kubernetes-admin'), 0o600);
  write(root, 'etc/kubernetes/super-admin.conf', nodeKubeconfig(cluster, api, 'kubernetes-super-admin'), 0o600);
  write(root, 'etc/kubernetes/controller-manager.conf', nodeKubeconfig(cluster, api, 'system:kube-controller-manager'), 0o600);
  write(root, 'etc/kubernetes/scheduler.conf', nodeKubeconfig(cluster, api, 'system:kube-scheduler'), 0o600);
  // The kubelet's own identity (system:node:<node>); see node-token.mjs.
  const node = `${cluster}-control-plane`;
  write(root, 'etc/kubernetes/kubelet.conf', nodeKubeconfig(cluster, api, `system:node:${node}`, nodeToken(api.token, node)), 0o600);
  write(root, 'etc/kubernetes/pki/ca.crt', clusterCa(api));
}

/** The cluster CA's certificate: the fake API server's real one (it also signs CSRs, see csrSigner.ts), else a placeholder. */
const clusterCa = (api) => (api.caData ? Buffer.from(api.caData, 'base64').toString('utf8') : '# placeholder ca.crt (fake node: no real TLS)\n');

/** kindnet's CNI config ("Installing CNI"). */
export function writeCniConfig(root) {
  write(root, 'etc/cni/net.d/10-kindnet.conflist', JSON.stringify({
    cniVersion: '0.3.1', name: 'kindnet',
    plugins: [{ type: 'ptp', ipMasq: false, ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.244.0.0/24' }]] }, mtu: 1500 }, { type: 'portmap', capabilities: { portMappings: true } }],
  }, null, 2) + '\n');
}

/**
 * The node's `crictl` (kindest/node ships crictl and /etc/crictl.yaml pointing at containerd): the
 * fake one asks the fake API server process's CRI endpoint, which simulates the static pods.
 */
export function writeCriTools(root, api) {
  if (!api.criPort) return;
  const source = fs.readFileSync(new URL('./crictl.cjs', import.meta.url), 'utf8');
  write(root, 'usr/local/bin/crictl', `#!/usr/bin/env node\n${source.replace("'__CRI_ENDPOINT__'", `'http://127.0.0.1:${api.criPort}'`)}`, 0o755);
  write(root, 'etc/crictl.yaml', 'runtime-endpoint: unix:///run/containerd/containerd.sock\n');
  writeKubeletUnit(root, api); // systemctl's kubelet.service, the simulated kubelet (kubelet-files.mjs)
  writeFalcoUnit(root, api); // the falco lab's falco-modern-bpf.service, the fake Falco (falco-files.mjs)
}

/** What `kubeadm join` leaves on a worker: the kubelet's kubeconfig and the cluster CA. */
export function writeWorkerFiles(root, cluster, node, api) {
  write(root, 'etc/kubernetes/kubelet.conf', nodeKubeconfig(cluster, api, `system:node:${node}`, nodeToken(api.token, node)), 0o600);
  write(root, 'etc/kubernetes/pki/ca.crt', clusterCa(api));
  writeKubeletConfig(root);
  writeKubeletUnit(root, api);
}
