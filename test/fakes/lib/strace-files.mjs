// The `strace` lab on a fake node (LABEL io.cks-lab.tools lists strace): the node's strace is the
// host's /usr/bin/strace (a fake node's /usr is the host's, overlaid; node-image.mjs hides it from
// other labs' nodes, as kindest/node has none), so it attaches to the real processes the fake
// kubelet runs. What the image's builder stage saves, busybox as a docker-archive tarball, is staged
// layer-less for the fake `ctr images import`.
import fs from 'node:fs';
import path from 'node:path';
import { writeImageArchive } from './image-archive.mjs';

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

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'strace' });
}
