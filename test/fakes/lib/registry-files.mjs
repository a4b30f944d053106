// What the `registry` lab image's RUN steps install, for a fake node (node-image.mjs calls this for
// an image with LABEL io.cks-lab.registry=<distribution version>; see labs/registry/image/Dockerfile):
// - /usr/local/bin/registry: distribution's registry binary → the fake (registry.cjs);
// - /etc/docker/registry/htpasswd: the builder stage's `htpasswd -Bbn` of each `user:password` line
//   of the credentials file the image COPYs (label io.cks-lab.registry.credentials), bcrypt cost 5
//   as htpasswd -B writes it (made here with the host's crypt(3) through python3);
// - the base image's OCI layout (label io.cks-lab.registry.base: the builder stage's
//   `crane pull --format=oci registry.k8s.io/pause:3.10.1`): a stand-in with the same shape — one
//   gzip layer holding /pause, a config whose Entrypoint is ["/pause"] — so digests are real
//   sha256 of real bytes.
// Also kind's containerdConfigPatches (kind merges them into each node's config.toml).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function write(root, rel, data, mode = 0o644) {
  const file = path.join(root, rel.replace(/^\/+/, ''));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data, { mode });
  return file;
}

/** htpasswd -B's line for user:password (bcrypt, cost 5). */
export function bcryptLine(user, password) {
  const salt = crypto.randomBytes(16).toString('base64').replace(/\+/g, '.').replace(/=+$/, '').slice(0, 22);
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; sys.stdout.write(crypt.crypt(sys.stdin.read(), sys.argv[1]) or "")', `$2b$05$${salt}`], { input: password, encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('$2b$05$')) throw new Error(`fake registry image: cannot make a bcrypt hash (python3 crypt): ${r.stderr}`);
  return `${user}:${r.stdout.replace(/^\$2b\$/, '$2y$')}`;
}

const sha = (buf) => `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;

/** An OCI image layout of a pause-like base image at `dir` (index.json, oci-layout, blobs). */
export function writeBaseLayout(dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cks-oci-'));
  try {
    fs.writeFileSync(path.join(tmp, 'pause'), '#!/bin/sh\n# stand-in for pause: sleeps until signalled\nexec sleep infinity\n', { mode: 0o755 });
    const tar = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', tmp, '-cf', '-', 'pause'], { maxBuffer: 1 << 20 });
    if (tar.status !== 0) throw new Error(`fake registry image: tar failed: ${tar.stderr}`);
    const layer = zlib.gzipSync(tar.stdout, { level: 9 });
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Entrypoint: ['/pause'], WorkingDir: '/', User: '65535:65535' },
      created: '1970-01-01T00:00:00Z',
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'ARG ARCH' }, { created: '1970-01-01T00:00:00Z', created_by: 'ADD bin/pause-linux-amd64 /pause # buildkit' }],
      rootfs: { type: 'layers', diff_ids: [sha(tar.stdout)] },
    }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    }));
    fs.rmSync(dir, { recursive: true, force: true });
    for (const b of [layer, config, manifest]) {
      fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'blobs', 'sha256', sha(b).slice(7)), b);
    }
    fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '3.10.1' } }],
    }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The fake kube-apiserver's nacl/secretbox (TypeScript) as a CommonJS module for node-side fakes
 * (cosign's encrypted private keys), transpiled with esbuild (tsx's own compiler).
 */
export function secretboxModule() {
  // Required here, not imported at the top: every fake docker/kind call loads this file, few need esbuild.
  const { transformSync } = createRequire(import.meta.url)('esbuild');
  return transformSync(fs.readFileSync(path.join(HERE, '..', 'kube-apiserver', 'secretbox.ts'), 'utf8'), { loader: 'ts', format: 'cjs' }).code;
}

/**
 * cosign (LABEL io.cks-lab.cosign=<version>) and crane (io.cks-lab.crane): the fakes, the registry
 * client they share and the secretbox cosign's keys need, in /usr/local/lib/cks-fake.
 */
export function installCosign(root, labels) {
  const cosign = Boolean(labels?.['io.cks-lab.cosign']);
  const crane = Boolean(labels?.['io.cks-lab.crane']);
  if (!cosign && !crane) return;
  write(root, 'usr/local/lib/cks-fake/oci-client.cjs', fs.readFileSync(path.join(HERE, 'oci-client.cjs'), 'utf8'), 0o644);
  if (cosign) {
    write(root, 'usr/local/lib/cks-fake/secretbox.cjs', secretboxModule(), 0o644);
    write(root, 'usr/local/bin/cosign', `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'cosign.cjs'), 'utf8')}`, 0o755);
  }
  if (crane) write(root, 'usr/local/bin/crane', `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'crane.cjs'), 'utf8')}`, 0o755);
}

/** The registry lab's RUN steps, for node root `root` of an image with these labels. */
export function installRegistry(root, labels) {
  installCosign(root, labels);
  if (!labels?.['io.cks-lab.registry']) return;
  write(root, 'usr/local/bin/registry', `#!/usr/bin/env node\n${fs.readFileSync(path.join(HERE, 'registry.cjs'), 'utf8')}`, 0o755);
  const creds = labels['io.cks-lab.registry.credentials'];
  if (creds) {
    const text = fs.readFileSync(path.join(root, creds.replace(/^\/+/, '')), 'utf8');
    const lines = text.split('\n').filter((l) => /^[^:#\s]+:\S+$/.test(l)).map((l) => bcryptLine(l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)));
    write(root, 'etc/docker/registry/htpasswd', lines.join('\n') + '\n', 0o644);
  }
  const base = labels['io.cks-lab.registry.base'];
  if (base) writeBaseLayout(path.join(root, base.replace(/^\/+/, '')));
}

/**
 * kind's containerdConfigPatches: merged into each node's /etc/containerd/config.toml (kind uses a
 * TOML merge, then restarts containerd). The fake appends each patch, which is the same merge for
 * tables the base config does not have (e.g. the registry's config_path); a patch that repeats a
 * table header of the base config is refused as not simulated.
 */
export function applyContainerdPatches(nodeRoot, patches) {
  if (!Array.isArray(patches) || patches.length === 0) return;
  const file = path.join(nodeRoot, 'etc/containerd/config.toml');
  const current = fs.readFileSync(file, 'utf8');
  const headers = new Set(current.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('[')));
  for (const patch of patches) {
    for (const l of String(patch).split('\n').map((x) => x.trim()).filter((x) => x.startsWith('['))) {
      if (headers.has(l)) throw new Error(`fake kind: a containerdConfigPatches entry that changes the existing table ${l} is not simulated`);
    }
  }
  fs.appendFileSync(file, patches.map((p) => `\n${String(p).trim()}\n`).join(''));
}
