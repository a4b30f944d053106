// The `kyverno` lab on a fake node (its image says LABEL io.cks-lab.kyverno.version, see
// labs/kyverno/image/Dockerfile): what the image's RUN steps leave there — the install manifest the
// builder stage renders from the pinned chart (here: the fixture kyverno-install.yaml, the part of
// the release the fakes simulate) at the path io.cks-lab.kyverno.manifest names, and Kyverno's images
// as docker-archive tarballs (manifest.json's RepoTags name each image) in the folder
// io.cks-lab.kyverno.images names, which the lab's bootstrap imports with `ctr -n k8s.io images
// import` as on a real node. The controllers themselves are simulated by the fake kube-apiserver
// while their pods run (test/fakes/kube-apiserver/kyverno/).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImageArchive } from './image-archive.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const KYVERNO_FIXTURE = path.join(HERE, 'kyverno-install.yaml');
export const DEFAULT_MANIFEST = '/opt/cks-lab/kyverno/install.yaml';
export const DEFAULT_IMAGES_DIR = '/opt/cks-lab/kyverno/images';
/** The images the fixture's manifest names (the real image also carries kyvernopre, the init container's). */
export const KYVERNO_IMAGES = ['kyverno', 'background-controller'];

function labelList(labels, key) {
  return String(labels?.[key] ?? '').split(/[\s,]+/).filter(Boolean);
}

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'kyverno', digestName: true });
}

/** Lays the manifest and the image tarballs of a `kyverno` lab image into node root `root`. */
export function installKyverno(root, labels = {}) {
  const version = String(labels['io.cks-lab.kyverno.version']);
  const manifest = path.join(root, String(labels['io.cks-lab.kyverno.manifest'] ?? DEFAULT_MANIFEST).replace(/^\/+/, ''));
  fs.mkdirSync(path.dirname(manifest), { recursive: true });
  fs.copyFileSync(KYVERNO_FIXTURE, manifest);
  const dir = path.join(root, String(labels['io.cks-lab.kyverno.images'] ?? DEFAULT_IMAGES_DIR).replace(/^\/+/, ''));
  fs.mkdirSync(dir, { recursive: true });
  const images = labelList(labels, 'io.cks-lab.kyverno.preloaded');
  for (const ref of images.length ? images : KYVERNO_IMAGES.map((i) => `reg.kyverno.io/kyverno/${i}:${version}`)) {
    writeArchive(ref, path.join(dir, `${ref.split('/').pop().replace(':', '_')}.tar`));
  }
  // The build's sums, relative to the manifest's folder (`cd /out && sha256sum install.yaml images/*.tar`).
  const base = path.dirname(manifest);
  const files = [manifest, ...fs.readdirSync(dir).filter((f) => f.endsWith('.tar')).sort().map((f) => path.join(dir, f))];
  const sums = files.map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}  ${path.relative(base, f)}`);
  fs.writeFileSync(path.join(base, 'SHA256SUMS'), `${sums.join('\n')}\n`);
}
