// The fake Docker daemon's images: `docker build` (Dockerfile FROM/LABEL/COPY/ENV/RUN) and
// `docker image inspect`. Built images are recorded in $CKS_FAKE_HOME/images/<id>/ with the files
// their COPY instructions added (layer/) and their labels. RUN instructions are not executed (no
// network, no real kindest/node root here): what they install is declared by the Dockerfile's
// `io.cks-lab.*` LABELs, which node-image.mjs turns into the node's files, e.g.
//   LABEL io.cks-lab.runtimes="runsc"      → runsc + containerd-shim-runsc-v1 + the runsc handler
//   LABEL io.cks-lab.security="apparmor"   → apparmor_parser + a securityfs view for the node
//   LABEL io.cks-lab.tools="kube-bench"     → kube-bench (a cis-1.12 subset, see kube-bench.cjs)
//   LABEL io.cks-lab.tools="sudo"           → sudo + visudo and Debian's /etc/sudoers (sudo.cjs)
//   LABEL io.cks-lab.tools="trivy"          → trivy 0.62.1, its DB in /root/.cache/trivy and the images in
//         io.cks-lab.scanners.images as docker-archive tarballs (trivy.cjs, trivy-files.mjs)
//   LABEL io.cks-lab.upgrade.from="v1.34.0" io.cks-lab.upgrade.to="v1.35.0" → the staged packages in a local apt
//         repository, the old ones installed and held, the new images as tarballs (kube-packages.mjs)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CliExit } from './cli-util.mjs';
import { fakeHome } from './paths.mjs';

/** Images every host can pull (kind's own node images are public on Docker Hub). */
export function isPullable(ref) {
  return /^(docker\.io\/)?kindest\/node(:|@|$)/.test(ref);
}

function imagesDir(env) {
  return path.join(fakeHome(env), 'images');
}

/** `repo:tag` as docker normalises a reference for lookup (no tag → latest). */
function normalizeRef(ref) {
  const noDigest = ref.split('@')[0];
  const last = noDigest.split('/').pop() ?? '';
  return last.includes(':') ? noDigest : `${noDigest}:latest`;
}

function readIndex(env) {
  try {
    return JSON.parse(fs.readFileSync(path.join(imagesDir(env), 'index.json'), 'utf8'));
  } catch {
    return {};
  }
}

function writeIndex(index, env) {
  fs.mkdirSync(imagesDir(env), { recursive: true });
  const file = path.join(imagesDir(env), 'index.json');
  fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(index, null, 2));
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
}

/**
 * The locally built image `ref` refers to: { id, tags, labels, from, created, layerDir } or null.
 * kindest/node references are not "built": callers treat them as pullable bases.
 */
export function findImage(ref, env = process.env) {
  const index = readIndex(env);
  const id = index[normalizeRef(ref)] ?? (ref.startsWith('sha256:') ? ref : undefined);
  if (!id) return null;
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(imagesDir(env), id.replace('sha256:', ''), 'image.json'), 'utf8'));
    return { ...meta, layerDir: path.join(imagesDir(env), id.replace('sha256:', ''), 'layer') };
  } catch {
    return null;
  }
}

/** Split a Dockerfile into instructions (line continuations joined, comments dropped). */
export function parseDockerfile(text) {
  const out = [];
  let buf = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!buf && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    buf = '';
  }
  return out;
}

/** `LABEL a=b "c"="d e"` → { a: 'b', c: 'd e' }. */
function parseLabels(args) {
  const labels = {};
  const re = /("(?:[^"\\]|\\.)*"|[^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  const unq = (s) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);
  for (const m of args.matchAll(re)) labels[unq(m[1])] = unq(m[2]);
  return labels;
}

function copyInto(context, srcs, dest, layerDir) {
  const destDir = dest.endsWith('/') || srcs.length > 1;
  for (const src of srcs) {
    const from = path.resolve(context, src);
    if (!from.startsWith(path.resolve(context)) || !fs.existsSync(from)) {
      throw new CliExit(1, `ERROR: failed to build: failed to solve: failed to compute cache key: failed to calculate checksum of ref: "/${src}": not found`);
    }
    // A directory's contents are copied, never the directory itself (Docker's COPY); a file into a `dest/` keeps its name.
    const target = path.join(layerDir, destDir && !fs.statSync(from).isDirectory() ? path.join(dest, path.basename(src)) : dest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(from, target, { recursive: true });
  }
}

/**
 * `docker build [--tag T]... [--file F] CONTEXT`: BuildKit-style progress on stderr, the image
 * recorded under every tag. FROM must be a pullable or already built image.
 */
export function buildImage({ context, tags, file }, env, io) {
  const ctx = path.resolve(context);
  const dockerfile = path.resolve(ctx, file ?? 'Dockerfile');
  if (!fs.existsSync(ctx) || !fs.statSync(ctx).isDirectory()) {
    throw new CliExit(1, `ERROR: failed to build: unable to prepare context: path "${context}" not found`);
  }
  let text;
  try {
    text = fs.readFileSync(dockerfile, 'utf8');
  } catch {
    throw new CliExit(1, `ERROR: failed to build: failed to solve: failed to read dockerfile: open ${path.basename(dockerfile)}: no such file or directory`);
  }
  const all = parseDockerfile(text);
  // Multi-stage builds: the image is the last stage (earlier stages only feed its COPY --from=…).
  const lastFrom = all.map((s) => s.op).lastIndexOf('FROM');
  const steps = lastFrom > 0 ? all.slice(lastFrom) : all;
  const from = steps.find((s) => s.op === 'FROM');
  if (!from) throw new CliExit(1, 'ERROR: failed to build: failed to solve: dockerfile parse error: no build stage in current context');
  const base = from.args.split(/\s+/)[0];
  const baseImage = isPullable(base) ? null : findImage(base, env);
  if (!isPullable(base) && !baseImage) {
    throw new CliExit(1, `ERROR: failed to build: failed to solve: ${base}: failed to resolve source metadata for docker.io/${base}: pull access denied, repository does not exist or may require authorization`);
  }
  const id = `sha256:${crypto.createHash('sha256').update(`${text}/${Date.now()}/${Math.random()}`).digest('hex')}`;
  const dir = path.join(imagesDir(env), id.slice(7));
  const layerDir = path.join(dir, 'layer');
  fs.mkdirSync(layerDir, { recursive: true });
  if (baseImage) fs.cpSync(baseImage.layerDir, layerDir, { recursive: true });
  const labels = { ...(baseImage?.labels ?? {}) };
  // ENV: what every process of a container of this image starts with (docker exec included).
  const imageEnv = { ...Object.fromEntries((baseImage?.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
  let n = 1;
  const say = (line) => io.stderr.write(`${line}\n`);
  say('#0 building with "default" instance using docker driver');
  say(`#${n++} [internal] load build definition from ${path.basename(dockerfile)}`);
  say(`#${n++} [internal] load metadata for docker.io/${base.split('@')[0]}`);
  for (const step of steps) {
    if (step.op === 'LABEL') Object.assign(labels, parseLabels(step.args));
    else if (step.op === 'ENV') {
      // `ENV K=V K2="v 2"`, or the legacy `ENV K value with spaces`.
      const legacy = /^([^\s=]+)\s+(.*)$/.exec(step.args);
      if (legacy && !legacy[1].includes('=')) imageEnv[legacy[1]] = legacy[2];
      else Object.assign(imageEnv, parseLabels(step.args));
    }
    else if (step.op === 'COPY' || step.op === 'ADD') {
      if (/(^|\s)--from=/.test(step.args)) {
        say(`#${n++} [${step.op} ${step.args}] DONE 0.0s (fake: from a build stage that is not run; effects come from io.cks-lab.* labels)`);
        continue;
      }
      const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const dest = parts.pop();
      copyInto(ctx, parts, dest, layerDir);
      say(`#${n++} [${step.op} ${parts.join(' ')} ${dest}] DONE 0.0s`);
    } else if (step.op === 'RUN') say(`#${n++} [RUN ${step.args.slice(0, 60)}] DONE 0.1s (fake: not executed; effects come from io.cks-lab.* labels)`);
  }
  const created = new Date().toISOString();
  const meta = { id, tags: tags.map(normalizeRef), labels, env: Object.entries(imageEnv).map(([k, v]) => `${k}=${v}`), from: base, created };
  fs.writeFileSync(path.join(dir, 'image.json'), JSON.stringify(meta, null, 2));
  const index = readIndex(env);
  for (const t of meta.tags) index[t] = id;
  writeIndex(index, env);
  say(`#${n++} exporting to image`);
  say(`#${n} writing image ${id} done`);
  for (const t of meta.tags) say(`#${n} naming to docker.io/${t} done`);
  return meta;
}

/** The `docker image inspect` object of a built image. */
export function imageInspectObject(img) {
  return {
    Id: img.id,
    RepoTags: img.tags,
    RepoDigests: [],
    Parent: '',
    Created: img.created,
    Config: { Labels: img.labels, Entrypoint: ['/usr/local/bin/entrypoint', '/sbin/init'] },
    Architecture: 'amd64',
    Os: 'linux',
  };
}
