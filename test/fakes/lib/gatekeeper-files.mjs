// The `gatekeeper` lab on a fake node (its image says LABEL io.cks-lab.gatekeeper.version, see
// labs/gatekeeper/image/Dockerfile): what the image's builder stage leaves in
// io.cks-lab.gatekeeper.dir (/opt/cks-lab/gatekeeper) — the release manifest (the lab's vendored
// labs/gatekeeper/image/gatekeeper.yaml, which the builder checks against upstream and copies), the
// Gatekeeper image as a docker-archive tarball (manifest.json's RepoTags name it; no layers: the
// fake kubelet needs none) with images/DIGESTS, and SHA256SUMS over both, as `sha256sum` wrote it
// there. The bootstrap imports the tarball with `ctr -n k8s.io images import` as on a real node;
// Gatekeeper itself is simulated by the fake kube-apiserver while its pods run
// (test/fakes/kube-apiserver/gatekeeper/).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImageArchive } from './image-archive.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The lab's vendored release manifest (the builder stage's input). */
export const GATEKEEPER_MANIFEST = path.join(HERE, '..', '..', '..', 'labs', 'gatekeeper', 'image', 'gatekeeper.yaml');

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'gatekeeper', config: { Entrypoint: ['/manager'] }, digestName: true });
}

/** Lays the staged Gatekeeper files of a `gatekeeper` lab image into node root `root`. */
export function installGatekeeper(root, labels = {}) {
  const version = String(labels['io.cks-lab.gatekeeper.version']);
  const dir = path.join(root, String(labels['io.cks-lab.gatekeeper.dir'] ?? '/opt/cks-lab/gatekeeper').replace(/^\/+/, ''));
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.copyFileSync(GATEKEEPER_MANIFEST, path.join(dir, 'gatekeeper.yaml'));
  const ref = `docker.io/openpolicyagent/gatekeeper:${version}`;
  const tar = path.join(dir, 'images', `gatekeeper_${version}.tar`);
  writeArchive(ref, tar);
  fs.writeFileSync(path.join(dir, 'images', 'DIGESTS'), `${ref} sha256:${sha256(fs.readFileSync(tar))}\n`);
  const sums = ['gatekeeper.yaml', `images/gatekeeper_${version}.tar`].map((f) => `${sha256(fs.readFileSync(path.join(dir, f)))}  ${f}`);
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), `${sums.join('\n')}\n`);
}
