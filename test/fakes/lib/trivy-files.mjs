// The `scanners` lab on a fake node (its image says LABEL io.cks-lab.tools="trivy", see
// labs/scanners/image/Dockerfile): the fake trivy 0.62.1 (trivy.cjs) in /usr/local/bin, its
// vulnerability DB where the lab image bakes the real one (root's default cache dir,
// /root/.cache/trivy/db: metadata.json as trivy writes it, trivy.db as JSON with trivy-db's layout),
// what each preloaded image contains (the fixture's stand-in for the image's dpkg status), and the
// preloaded images themselves as docker-archive tarballs in the folder the label
// io.cks-lab.scanners.images names (manifest.json's RepoTags name each image), which the lab's
// bootstrap imports into containerd with `ctr -n k8s.io images import` as on a real node.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImageArchive } from './image-archive.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Where the fixture says what the preloaded images contain, and the images' default folder. */
export const TRIVY_FIXTURE = path.join(HERE, 'trivy-fixture.json');
export const DEFAULT_IMAGES_DIR = '/opt/cks-lab/scanners/images';

function write(root, rel, text, mode = 0o644) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** `docker.io/library/nginx:1.21.6` → `nginx_1.21.6.tar`, as the lab image's builder names them. */
export function tarballName(ref) {
  return `${ref.split('/').pop().replace(':', '_')}.tar`;
}

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'scanners', digestName: true });
}

/** Installs the fake trivy, its DB, the image fixture and the preloaded image tarballs into node root `root`. */
export function installTrivy(root, labels = {}) {
  const fixture = JSON.parse(fs.readFileSync(TRIVY_FIXTURE, 'utf8'));
  write(root, 'usr/local/bin/trivy', `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'trivy.cjs'), 'utf8')}`, 0o755);
  write(root, 'usr/local/lib/cks-fake/trivy/images.json', `${JSON.stringify({ images: fixture.images }, null, 2)}\n`);
  const { advisories, vulnerabilities, ...meta } = fixture.db;
  write(root, 'root/.cache/trivy/db/metadata.json', JSON.stringify(meta));
  write(root, 'root/.cache/trivy/db/trivy.db', JSON.stringify({ advisories, vulnerabilities }));
  const dir = path.join(root, String(labels['io.cks-lab.scanners.images'] ?? DEFAULT_IMAGES_DIR).replace(/^\/+/, ''));
  fs.mkdirSync(dir, { recursive: true });
  for (const ref of Object.keys(fixture.images)) writeArchive(ref, path.join(dir, tarballName(ref)));
}
