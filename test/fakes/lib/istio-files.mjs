// The `mesh` lab on a fake node (its image says LABEL io.cks-lab.istio.version, see
// labs/mesh/image/Dockerfile): what the image's RUN steps leave there — the install manifest the
// builder stage renders with istioctl (here: the fixture istio-install.yaml, the part of the release
// the fakes simulate) at the path io.cks-lab.istio.manifest names, and Istio's images (pilot,
// proxyv2) as docker-archive tarballs in the folder io.cks-lab.istio.images names, which the lab's
// bootstrap imports with `ctr -n k8s.io images import` as on a real node. istiod itself and the
// sidecars' mTLS are simulated by the fake kube-apiserver while istiod's pod runs
// (test/fakes/kube-apiserver/istio/).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImageArchive } from './image-archive.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ISTIO_FIXTURE = path.join(HERE, 'istio-install.yaml');
export const DEFAULT_MANIFEST = '/opt/cks-lab/istio/install.yaml';
export const DEFAULT_IMAGES_DIR = '/opt/cks-lab/istio/images';
export const ISTIO_IMAGES = ['pilot', 'proxyv2'];

/** A docker-archive tarball of `ref`: istiod's and the proxy's entrypoints, a shell for the others. */
function writeArchive(ref, file) {
  const entrypoint = /\/istio\/proxyv2:/.test(ref) ? ['/usr/local/bin/pilot-agent'] : /\/istio\/pilot:/.test(ref) ? ['/usr/local/bin/pilot-discovery'] : undefined;
  writeImageArchive(ref, file, { lab: 'mesh', config: entrypoint ? { Entrypoint: entrypoint } : { Cmd: ['sh'] }, digestName: true });
}

/** Lays the manifest, the image tarballs and the build's sums of a `mesh` lab image into node root `root`. */
export function installIstio(root, labels = {}) {
  const version = String(labels['io.cks-lab.istio.version']);
  const manifest = path.join(root, String(labels['io.cks-lab.istio.manifest'] ?? DEFAULT_MANIFEST).replace(/^\/+/, ''));
  fs.mkdirSync(path.dirname(manifest), { recursive: true });
  fs.writeFileSync(manifest, fs.readFileSync(ISTIO_FIXTURE, 'utf8').replaceAll(':1.30.3"', `:${version}"`));
  const dir = path.join(root, String(labels['io.cks-lab.istio.images'] ?? DEFAULT_IMAGES_DIR).replace(/^\/+/, ''));
  fs.mkdirSync(dir, { recursive: true });
  const listed = String(labels['io.cks-lab.istio.preloaded'] ?? '').split(/[\s,]+/).filter(Boolean);
  for (const ref of listed.length ? listed : ISTIO_IMAGES.map((i) => `docker.io/istio/${i}:${version}`)) writeArchive(ref, path.join(dir, `${ref.split('/').pop().replace(':', '_')}.tar`));
  // The build's sums, relative to the manifest's folder (`cd /out && sha256sum install.yaml images/*.tar`).
  const base = path.dirname(manifest);
  const files = [manifest, ...fs.readdirSync(dir).filter((f) => f.endsWith('.tar')).sort().map((f) => path.join(dir, f))];
  const sums = files.map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}  ${path.relative(base, f)}`);
  fs.writeFileSync(path.join(base, 'SHA256SUMS'), `${sums.join('\n')}\n`);
}
