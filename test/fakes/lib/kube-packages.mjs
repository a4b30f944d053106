// The `upgrade` lab's staged packages on a fake node (its image says LABEL
// io.cks-lab.upgrade.from / .to, see labs/upgrade/image/Dockerfile): real .deb files built here with
// dpkg-deb (tiny fake kubeadm/kubelet/kubectl programs inside), a real flat apt repository with a
// Packages index and a Release file at /opt/cks-lab/upgrade/debs, the node's apt sources limited to it
// (the host's sources hidden by overlay whiteouts, so apt never goes to the network), and the
// `from` packages recorded as installed and held in the node's dpkg database, as the lab image's
// build leaves them. So the REAL apt-get, apt-mark, apt-cache and dpkg run on the node.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fakeHome } from './paths.mjs';
import { kubeadmProgram, kubeletProgram } from './kube-tools.mjs';

/** Where the lab image keeps its local repository (labs/upgrade/image/Dockerfile). */
export const UPGRADE_REPO = '/opt/cks-lab/upgrade/debs';
/** Where its image tarballs are (imported into containerd by labs/upgrade/bootstrap.sh). */
export const UPGRADE_IMAGES = '/opt/cks-lab/upgrade/images';
/** pkgs.k8s.io's revision suffix of every package (1.35.0-1.1). */
const REVISION = '1.1';
/** The real kubelet package's unit (Debian path) and kubeadm's drop-in: kind's own in /etc win over both. */
const KUBELET_UNIT = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;
const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;
/** kubectl stays the host's real one: the fake package's kubectl runs the copy its preinst keeps. */
const KUBECTL_WRAPPER = `#!/bin/sh
# cks-fake-kubectl (CKS Lab test fake): the host's real kubectl, kept by this package's preinst
exec /usr/lib/cks-fake/kubectl "$@"
`;
const KUBECTL_PREINST = `#!/bin/sh
set -e
# CKS Lab test fake: keep the real kubectl this package replaces (once).
if [ ! -e /usr/lib/cks-fake/kubectl ] && [ -x /usr/bin/kubectl ] && ! head -c 64 /usr/bin/kubectl | grep -q cks-fake-kubectl; then
  mkdir -p /usr/lib/cks-fake
  cp -p /usr/bin/kubectl /usr/lib/cks-fake/kubectl
fi
`;

const DESCRIPTIONS = {
  kubeadm: 'Command-line utility for administering a Kubernetes cluster\n A command line tool for bootstrapping a Kubernetes cluster.',
  kubelet: 'Node agent for Kubernetes clusters\n The node agent of Kubernetes, the container cluster manager.',
  kubectl: 'Command-line utility for interacting with a Kubernetes cluster\n Command-line utility for interacting with a Kubernetes cluster.',
};

/** Files of package `name` at Kubernetes `version` (vX.Y.Z): path → [text, mode]. */
function packageFiles(name, version) {
  if (name === 'kubeadm') return { 'usr/bin/kubeadm': [kubeadmProgram(version), 0o755], 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': [KUBEADM_DROPIN, 0o644] };
  if (name === 'kubelet') return { 'usr/bin/kubelet': [kubeletProgram(version), 0o755], 'usr/lib/systemd/system/kubelet.service': [KUBELET_UNIT, 0o644] };
  return { 'usr/bin/kubectl': [KUBECTL_WRAPPER, 0o755] };
}

const debVersion = (version) => `${version.replace(/^v/, '')}-${REVISION}`;
const debFile = (name, version) => `${name}_${debVersion(version)}_amd64.deb`;

function control(name, version, installedKb) {
  return [
    `Package: ${name}`,
    `Version: ${debVersion(version)}`,
    'Architecture: amd64',
    'Maintainer: Kubernetes Authors <dev@kubernetes.io>',
    `Installed-Size: ${installedKb}`,
    'Section: admin',
    'Priority: optional',
    'Homepage: https://kubernetes.io',
    `Description: ${DESCRIPTIONS[name]}`,
  ].join('\n') + '\n';
}

/** Builds package `name` at `version` into `outDir` with the real dpkg-deb; returns the .deb's path. */
function buildDeb(name, version, outDir) {
  const out = path.join(outDir, debFile(name, version));
  if (fs.existsSync(out)) return out;
  const tree = fs.mkdtempSync(path.join(outDir, `.build-${name}-`));
  try {
    let bytes = 0;
    for (const [rel, [text, mode]] of Object.entries(packageFiles(name, version))) {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      fs.writeFileSync(path.join(tree, rel), text, { mode });
      fs.chmodSync(path.join(tree, rel), mode);
      bytes += Buffer.byteLength(text);
    }
    fs.mkdirSync(path.join(tree, 'DEBIAN'));
    fs.writeFileSync(path.join(tree, 'DEBIAN/control'), control(name, version, Math.max(1, Math.ceil(bytes / 1024))));
    if (name === 'kubectl') fs.writeFileSync(path.join(tree, 'DEBIAN/preinst'), KUBECTL_PREINST, { mode: 0o755 });
    const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, `${out}.tmp`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fake upgrade lab: dpkg-deb --build ${name} failed: ${r.stderr || r.error?.message}`);
    fs.renameSync(`${out}.tmp`, out);
    return out;
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}

const hash = (algo, buf) => crypto.createHash(algo).update(buf).digest('hex');

/** The Packages stanza of a built .deb: its control fields plus Filename, Size and hashes. */
function stanza(file) {
  const buf = fs.readFileSync(file);
  const r = spawnSync('dpkg-deb', ['-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fake upgrade lab: dpkg-deb -f ${file}: ${r.stderr}`);
  return `${r.stdout.trimEnd()}\nFilename: ./${path.basename(file)}\nSize: ${buf.length}\nMD5sum: ${hash('md5', buf)}\nSHA1: ${hash('sha1', buf)}\nSHA256: ${hash('sha256', buf)}\n`;
}

/** The flat repository (debs, Packages, Release) for `versions`, built once per fake host. */
function repository(versions, env) {
  const dir = path.join(fakeHome(env), 'cache', `kube-debs-${versions.join('-')}`);
  if (fs.existsSync(path.join(dir, 'Release'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const debs = versions.flatMap((v) => ['kubeadm', 'kubectl', 'kubelet'].map((n) => buildDeb(n, v, dir)));
  const packages = debs.map(stanza).join('\n');
  fs.writeFileSync(path.join(dir, 'Packages'), packages);
  const p = Buffer.from(packages);
  const date = new Date().toUTCString().replace('GMT', 'UTC');
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), debs.map((d) => `${hash('sha256', fs.readFileSync(d))}  ${path.basename(d)}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'Release'), `Origin: CKS Lab\nLabel: cks-lab-upgrade\nArchitectures: amd64\nDate: ${date}\nDescription: pkgs.k8s.io packages staged for an offline kubeadm upgrade\nMD5Sum:\n ${hash('md5', p)} ${p.length} Packages\nSHA256:\n ${hash('sha256', p)} ${p.length} Packages\n`);
  return dir;
}

/** kubeadm ${to}'s images (kubeadm config images list) for a target version vX.Y.Z. */
function imagesFor(to) {
  const addons = { 34: ['v1.12.1', '3.6.4-0'], 35: ['v1.13.1', '3.6.6-0'] }[Number(to.split('.')[1])] ?? ['v1.13.1', '3.6.6-0'];
  return ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((n) => `registry.k8s.io/${n}:${to}`)
    .concat([`registry.k8s.io/coredns/coredns:${addons[0]}`, 'registry.k8s.io/pause:3.10.1', `registry.k8s.io/etcd:${addons[1]}`]);
}

/** docker-archive tarballs of `to`'s images as the lab image's builder stage saves them (manifest.json names each image). */
function imageTarballs(to, env) {
  const dir = path.join(fakeHome(env), 'cache', `kube-images-${to}`);
  if (fs.existsSync(path.join(dir, '.done'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  for (const ref of imagesFor(to)) {
    const name = ref.slice(ref.lastIndexOf('/') + 1).replace(':', '_');
    const tree = fs.mkdtempSync(path.join(dir, '.t-'));
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
    const configName = `${hash('sha256', Buffer.from(config + ref))}.json`;
    fs.writeFileSync(path.join(tree, configName), config);
    fs.writeFileSync(path.join(tree, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [ref], Layers: [] }]));
    const r = spawnSync('tar', ['-C', tree, '-cf', path.join(dir, `${name}.tar`), 'manifest.json', configName]);
    fs.rmSync(tree, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`fake upgrade lab: tar of ${ref} failed: ${String(r.stderr)}`);
  }
  fs.writeFileSync(path.join(dir, '.done'), '');
  return dir;
}

/** An overlayfs whiteout: hides the host's file at `rel` in the node. */
function whiteout(root, rel) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const r = spawnSync('mknod', [file, 'c', '0', '0']);
  if (r.status !== 0) throw new Error(`fake upgrade lab: cannot hide /${rel}: ${String(r.stderr).trim()}`);
}

/** What `dpkg -i` of package `name` at `version` leaves in the dpkg database (and apt-mark hold). */
function installedRecord(root, name, version) {
  const files = Object.keys(packageFiles(name, version));
  const dirs = new Set(['/.']);
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`);
  }
  const list = [...dirs, ...files.map((f) => `/${f}`)].join('\n') + '\n';
  fs.mkdirSync(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
  fs.rmSync(path.join(root, `var/lib/dpkg/info/${name}.list`), { force: true }); // a whiteout of the host's
  fs.writeFileSync(path.join(root, `var/lib/dpkg/info/${name}.list`), list);
  return control(name, version, 1).replace(/^Package: .*\n/, (l) => `${l}Status: hold ok installed\n`);
}

/**
 * Stages an offline upgrade `from` → `to` on the node whose root is `root`: the repository, the apt
 * source, the host's sources hidden, and `from`'s packages installed and held.
 */
export function installUpgradeStaging(root, { from, to }, env = process.env) {
  const repo = repository([from, to], env);
  const target = path.join(root, UPGRADE_REPO.slice(1));
  fs.mkdirSync(target, { recursive: true });
  for (const f of fs.readdirSync(repo)) if (!f.startsWith('.')) fs.copyFileSync(path.join(repo, f), path.join(target, f));
  const images = imageTarballs(to, env);
  const imagesTarget = path.join(root, UPGRADE_IMAGES.slice(1));
  fs.mkdirSync(imagesTarget, { recursive: true });
  for (const f of fs.readdirSync(images)) if (!f.startsWith('.')) fs.copyFileSync(path.join(images, f), path.join(imagesTarget, f));
  for (const dir of ['etc/apt/sources.list.d']) {
    if (!fs.existsSync(`/${dir}`)) continue;
    for (const f of fs.readdirSync(`/${dir}`)) whiteout(root, `${dir}/${f}`);
  }
  if (fs.existsSync('/etc/apt/sources.list')) whiteout(root, 'etc/apt/sources.list');
  fs.mkdirSync(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/apt/sources.list.d/cks-lab-upgrade.list'), `# Kubernetes ${to} packages staged in the image for an offline upgrade (labs/upgrade)\ndeb [trusted=yes] file:${UPGRADE_REPO} ./\n`);
  // The host's apt lists would otherwise stand for the node's: the node starts from no lists, as
  // the lab image leaves it (rm -rf /var/lib/apt/lists/*).
  if (fs.existsSync('/var/lib/apt/lists')) {
    for (const f of fs.readdirSync('/var/lib/apt/lists')) if (f !== 'partial' && f !== 'lock' && f !== 'auxfiles') whiteout(root, `var/lib/apt/lists/${f}`);
  }
  let status = '';
  try {
    status = fs.readFileSync('/var/lib/dpkg/status', 'utf8');
  } catch {
    status = '';
  }
  // This host's own packages of the same names (e.g. a kubectl from another repository) are not the node's.
  const names = new Set(['kubeadm', 'kubectl', 'kubelet']);
  const kept = status.split(/\n\n+/).filter((st) => st.trim() && !names.has(/^Package: (\S+)/m.exec(st)?.[1] ?? ''));
  if (fs.existsSync('/var/lib/dpkg/info')) {
    for (const f of fs.readdirSync('/var/lib/dpkg/info')) if (names.has(f.split(/[.:]/)[0] ?? '')) whiteout(root, `var/lib/dpkg/info/${f}`);
  }
  const records = [...names].map((n) => installedRecord(root, n, from));
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), `${[...kept.map((st) => st.trimEnd()), ...records.map((r) => r.trimEnd())].join('\n\n')}\n`);
}
