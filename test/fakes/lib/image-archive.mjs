// Images a fake lab preloads: docker-archive tarballs (manifest.json + the image config, no layers)
// that the fake `ctr images import` reads, as the real lab images save them with `docker save`/skopeo.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes the archive of `ref` at `file`. `config` is the image config's `config` (Entrypoint, Cmd);
 * `digestName` names the config file by a digest as `docker save` does (else `config.json`, as
 * skopeo's docker-archive does). `lab` names the lab in an error.
 * @param {string} ref
 * @param {string} file
 * @param {{ lab: string, config?: Record<string, unknown>, digestName?: boolean }} opts
 */
export function writeImageArchive(ref, file, { lab, config = {}, digestName = false }) {
  const tree = fs.mkdtempSync(path.join(path.dirname(file), '.t-'));
  try {
    const configName = digestName ? `${crypto.createHash('sha256').update(`${ref} config`).digest('hex')}.json` : 'config.json';
    fs.writeFileSync(path.join(tree, configName), JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } }));
    fs.writeFileSync(path.join(tree, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [ref], Layers: [] }]));
    const r = spawnSync('tar', ['-C', tree, '-cf', file, 'manifest.json', configName]);
    if (r.status !== 0) throw new Error(`fake ${lab} lab: tar of ${ref} failed: ${String(r.stderr)}`);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}
