// The `linters` lab's tools on a fake node (LABEL io.cks-lab.tools lists kube-linter and/or
// kubesec): the fakes of kube-linter 0.8.3 and kubesec 2.14.2 in /usr/local/bin, as the lab's
// Dockerfile installs the release binaries. Both parse YAML with the repository's `yaml` package,
// reached by its absolute path (a fake node's filesystem is the host's, overlaid).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImageArchive } from './image-archive.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const YAML_PACKAGE = path.dirname(createRequire(import.meta.url).resolve('yaml/package.json'));
const NODE_YAML = '/usr/local/lib/cks-fake/node_modules/yaml';

/** Installs the fake linters the image's labels name into node root `root`. */
export function installLinters(root, labels) {
  const tools = String(labels?.['io.cks-lab.tools'] ?? '').split(/[\s,]+/);
  if (!tools.includes('kube-linter') && !tools.includes('kubesec')) return;
  for (const part of ['package.json', 'dist']) fs.cpSync(path.join(YAML_PACKAGE, part), path.join(root, NODE_YAML.slice(1), part), { recursive: true });
  const imagesDir = labels?.['io.cks-lab.linters.images'];
  if (imagesDir) {
    const dir = path.join(root, String(imagesDir).replace(/^\/+/, ''));
    fs.mkdirSync(dir, { recursive: true });
    for (const ref of String(labels['io.cks-lab.linters.preload'] ?? '').split(',').filter(Boolean)) writeArchive(ref, path.join(dir, `${ref.split('/').pop().replace(':', '_')}.tar`));
  }
  if (tools.includes('kubesec')) installKubesecSchemas(root);
  for (const tool of ['kube-linter', 'kubesec']) {
    if (!tools.includes(tool)) continue;
    const file = path.join(root, 'usr/local/bin', tool);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const program = fs.readFileSync(path.join(HERE, `${tool}.cjs`), 'utf8');
    fs.writeFileSync(file, `#!/usr/bin/env node\nconst CKS_FAKE_YAML_MODULE = ${JSON.stringify(NODE_YAML)};\n${program}`, { mode: 0o755 });
  }
}

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'linters' });
}

/**
 * What the lab's RUN step leaves for kubesec (install-linters.sh): JSON schemas in kubeconform's
 * local layout with their SHA256SUMS, which the bootstrap checks. The fake kubesec validates no
 * schema, so two kinds, shaped like the real files' top level, stand for the set.
 */
function installKubesecSchemas(root) {
  const dir = path.join(root, 'opt/kubesec/schemas/v1.34.0-standalone-strict');
  fs.mkdirSync(dir, { recursive: true });
  const sums = [];
  for (const [file, kind, apiVersion] of [['deployment-apps-v1.json', 'Deployment', 'apps/v1'], ['pod-v1.json', 'Pod', 'v1']]) {
    const text = JSON.stringify({
      description: `${kind} (fake stand-in for the kubernetes-json-schema file)`,
      type: 'object',
      properties: { apiVersion: { type: 'string', enum: [apiVersion] }, kind: { type: 'string', enum: [kind] }, metadata: { type: 'object' }, spec: { type: 'object' }, status: { type: 'object' } },
      additionalProperties: false,
    });
    fs.writeFileSync(path.join(dir, file), text);
    sums.push(`${crypto.createHash('sha256').update(text).digest('hex')}  ${file}\n`);
  }
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), sums.join(''));
}
