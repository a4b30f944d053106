'use strict';
// Fake `ctr` (containerd's own CLI, shipped in kindest/node) for fake kind nodes: the image
// commands an offline lab needs — `ctr -n k8s.io images import FILE...` (a docker-archive tarball:
// its manifest.json's RepoTags name the images) and `ctr -n k8s.io images ls [-q]`. The fake
// containerd's image list is /var/lib/containerd/cks-fake-images.json (kind's preloaded images at
// node start; the fake kubeadm's preflight and `crictl images` read it). Anything else is refused
// as not simulated. CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');

const STORE = '/var/lib/containerd/cks-fake-images.json';

function die(msg, code = 1) {
  process.stderr.write(`ctr: ${msg}\n`);
  process.exit(code);
}

function load() {
  try {
    const list = JSON.parse(fs.readFileSync(STORE, 'utf8'));
    return Array.isArray(list) ? list.map(String) : [];
  } catch {
    return [];
  }
}

/** RepoTags of a docker-archive tarball (read with tar, as the node has it). */
function repoTags(file) {
  if (!fs.existsSync(file)) die(`open ${file}: no such file or directory`);
  const r = spawnSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) die(`unrecognized image format`);
  let manifest;
  try {
    manifest = JSON.parse(r.stdout);
  } catch {
    die('unrecognized image format');
  }
  return (Array.isArray(manifest) ? manifest : []).flatMap((m) => (Array.isArray(m?.RepoTags) ? m.RepoTags.map(String) : []));
}

function main(argv) {
  let ns = process.env.CONTAINERD_NAMESPACE || 'default';
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const a = argv[i];
    if (a === '-n' || a === '--namespace') ns = argv[++i] ?? '';
    else if (a.startsWith('--namespace=') || a.startsWith('-n=')) ns = a.slice(a.indexOf('=') + 1);
    else if (a === '--address' || a === '-a') i++;
    else die(`flag provided but not defined: ${a}`);
  }
  const [group, verb, ...rest] = argv.slice(i);
  if (!['images', 'image', 'i'].includes(group ?? '')) die(`fake ctr: "ctr ${argv.join(' ')}" is not simulated`);
  // Only the CRI's namespace holds Kubernetes' images; other namespaces are empty here.
  const list = ns === 'k8s.io' ? load() : [];
  if (verb === 'ls' || verb === 'list') {
    const quiet = rest.includes('-q') || rest.includes('--quiet');
    if (quiet) return process.stdout.write(list.map((r) => `${r}\n`).join(''));
    const rows = [['REF', 'TYPE', 'DIGEST', 'SIZE', 'PLATFORMS', 'LABELS'], ...list.map((r) => [r, 'application/vnd.docker.distribution.manifest.list.v2+json', `sha256:${crypto.createHash('sha256').update(r).digest('hex')}`, '25.1 MiB', 'linux/amd64', 'io.cri-containerd.image=managed'])];
    const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return process.stdout.write(rows.map((r) => r.map((x, c) => (c === r.length - 1 ? x : x.padEnd(w[c] + 1))).join('')).join('\n') + '\n');
  }
  if (verb === 'import') {
    const files = rest.filter((a) => !a.startsWith('-'));
    if (files.length === 0) die('please provide an input file');
    if (ns !== 'k8s.io') die('fake ctr: images are imported into the k8s.io namespace only (the one the kubelet uses): pass -n k8s.io');
    const have = new Set(list);
    for (const f of files) {
      for (const tag of repoTags(f)) {
        process.stdout.write(`unpacking ${tag} (sha256:${crypto.createHash('sha256').update(tag).digest('hex')})...done\n`);
        have.add(tag);
      }
    }
    fs.mkdirSync('/var/lib/containerd', { recursive: true });
    fs.writeFileSync(STORE, JSON.stringify([...have].sort(), null, 2) + '\n');
    return undefined;
  }
  return die(`fake ctr: "ctr ${argv.join(' ')}" is not simulated`);
}

main(process.argv.slice(2));
