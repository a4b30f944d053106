// The `strace` lab on a fake node (LABEL io.cks-lab.tools lists strace): the node's strace is the
// host's /usr/bin/strace (a fake node's /usr is the host's, overlaid; node-image.mjs hides it from
// other labs' nodes, as kindest/node has none), so it attaches to the real processes the fake
// kubelet runs. What the image's builder stage saves, busybox as a docker-archive tarball, is staged
// layer-less for the fake `ctr images import`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Stages the lab's preloaded image tarballs in node root `root` when the image's labels ask for them. */
export function installStraceLab(root, labels) {
  const imagesDir = labels?.['io.cks-lab.strace.images'];
  if (!imagesDir) return;
  const dir = path.join(root, String(imagesDir).replace(/^\/+/, ''));
  fs.mkdirSync(dir, { recursive: true });
  for (const ref of String(labels['io.cks-lab.strace.preload'] ?? '').split(',').filter(Boolean)) {
    writeArchive(ref, path.join(dir, `${ref.split('/').pop().replace(':', '_')}.tar`));
  }
}

/** A docker-archive tarball of `ref` (manifest.json + config, no layers) at `file`. */
function writeArchive(ref, file) {
  const tree = fs.mkdtempSync(path.join(path.dirname(file), '.t-'));
  try {
    fs.writeFileSync(path.join(tree, 'config.json'), JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
    fs.writeFileSync(path.join(tree, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [ref], Layers: [] }]));
    const r = spawnSync('tar', ['-C', tree, '-cf', file, 'manifest.json', 'config.json']);
    if (r.status !== 0) throw new Error(`fake strace lab: tar of ${ref} failed: ${String(r.stderr)}`);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}
