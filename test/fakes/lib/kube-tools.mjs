// The Kubernetes tools kind puts on every node (kind's node image build: kubeadm, kubelet and
// kubectl copied to /usr/bin as plain binaries, not Debian packages) and containerd's `ctr`, as
// fakes: kubeadm.cjs with its version, a kubelet whose `--version` answers (the simulated kubelet
// runs in the fake API server process and reads the version from this file when the unit
// restarts), and the containerd image list with kind's preloaded images. kubectl stays the host's
// real one (the fake node's /usr is an overlay of the host's).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The marker the simulated kubelet reads: `// cks-fake-kubelet-version: v1.34.0`. */
export const KUBELET_VERSION_MARK = 'cks-fake-kubelet-version:';

/** kindest/node v1.34.0's preloaded images (kind's node image build pulls them into containerd). */
export const KIND_PRELOADED_IMAGES = [
  'docker.io/kindest/kindnetd:v20250512-df8de77b',
  'docker.io/kindest/local-path-helper:v20241212-8ac705d0',
  'docker.io/kindest/local-path-provisioner:v20250214-acbabc1a',
  'registry.k8s.io/coredns/coredns:v1.12.1',
  'registry.k8s.io/etcd:3.6.4-0',
  'registry.k8s.io/kube-apiserver:v1.34.0',
  'registry.k8s.io/kube-controller-manager:v1.34.0',
  'registry.k8s.io/kube-proxy:v1.34.0',
  'registry.k8s.io/kube-scheduler:v1.34.0',
  'registry.k8s.io/pause:3.10.1',
];

/** The fake kubeadm program for `version` (vX.Y.Z). */
export function kubeadmProgram(version) {
  return `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'kubeadm.cjs'), 'utf8').replace("'__KUBEADM_VERSION__'", JSON.stringify(version))}`;
}

/** The fake kubelet program for `version`: answers --version; the real work is the simulated kubelet's. */
export function kubeletProgram(version) {
  return [
    '#!/bin/sh',
    `# ${KUBELET_VERSION_MARK} ${version}`,
    '# Fake kubelet (CKS Lab test fake): kubelet.service runs the simulated kubelet of the fake API server.',
    'case "$1" in',
    `  --version|--version=true) echo "Kubernetes ${version}"; exit 0 ;;`,
    'esac',
    'echo "kubelet: started by kubelet.service (systemctl restart kubelet), not by hand" >&2',
    'exit 1',
    '',
  ].join('\n');
}

/** Reads the version marked in a fake kubelet program, or null. */
export function kubeletVersionOf(text) {
  const m = new RegExp(`${KUBELET_VERSION_MARK}\\s*(v\\d+\\.\\d+\\.\\d+)`).exec(String(text).slice(0, 4096));
  return m ? m[1] : null;
}

function write(root, rel, text, mode = 0o755) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** Lays kind's kubeadm/kubelet (Kubernetes `version`), ctr and the preloaded image list into node root `root`. */
export function installKubeTools(root, version = 'v1.34.0') {
  write(root, 'usr/bin/kubeadm', kubeadmProgram(version));
  write(root, 'usr/bin/kubelet', kubeletProgram(version));
  write(root, 'usr/bin/ctr', `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'ctr.cjs'), 'utf8')}`);
  write(root, 'var/lib/containerd/cks-fake-images.json', JSON.stringify(KIND_PRELOADED_IMAGES, null, 2) + '\n', 0o644);
}
