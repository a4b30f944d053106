// The Falco package on a fake node of the `falco` lab (image LABEL io.cks-lab.falco.version): what
// the falco 0.39 .deb installs and the lab configures — /etc/falco/falco.yaml (rules files in
// order, syslog output, the lab's file output), /etc/falco/falco_rules.yaml (the fake's evaluable
// subset of the default ruleset, test/fakes/kube-apiserver/falco/falco_rules.yaml),
// an empty /etc/falco/falco_rules.local.yaml, the packaged unit falco-modern-bpf.service (enabled,
// alias falco.service) — and, for the fake systemctl, the unit DELEGATED to the fake Falco service
// in the fake API server process (test/fakes/kube-apiserver/falco/service.ts) through the same
// small HTTP client the kubelet unit uses (kubelet-unit.cjs, endpoint /falco).
import fs from 'node:fs';
import path from 'node:path';
import { writeImageArchive } from './image-archive.mjs';

const UNIT = 'falco-modern-bpf.service';

/** The unit file as the Falco package ships it (scripts/systemd/falco-modern-bpf.service, Falco 0.39). */
export const FALCO_UNIT_FILE = `[Unit]
Description=Falco: Container Native Runtime Security with modern ebpf
Documentation=https://falco.org/docs/
Before=falcoctl-artifact-follow.service
Wants=falcoctl-artifact-follow.service

[Service]
Type=simple
User=root
ExecStart=/usr/bin/falco -o engine.kind=modern_ebpf
ExecReload=kill -1 $MAINPID
UMask=0077
TimeoutSec=30
RestartSec=15s
Restart=on-failure
PrivateTmp=true
NoNewPrivileges=yes
ProtectHome=read-only
ProtectSystem=full
ProtectKernelTunables=true
RestrictRealtime=true
RestrictAddressFamilies=~AF_PACKET
StandardOutput=null

[Install]
WantedBy=multi-user.target
Alias=falco.service
`;

/** The lab's falco.yaml: the keys the fake reads, with the package's defaults. */
export const FALCO_YAML = `# /etc/falco/falco.yaml (CKS Lab falco lab; the keys that matter here, package defaults otherwise)
rules_files:
  - /etc/falco/falco_rules.yaml
  - /etc/falco/falco_rules.local.yaml
priority: debug
json_output: false
stdout_output:
  enabled: true
syslog_output:
  enabled: true
file_output:
  enabled: true
  keep_alive: false
  filename: /var/log/falco.log
`;

const LOCAL_RULES = `# Your custom rules (loaded after /etc/falco/falco_rules.yaml; restart Falco to load changes).
`;

function write(root, rel, text, mode = 0o644) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

function symlink(root, rel, target) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.symlinkSync(target, file);
}

/**
 * /usr/bin/falco as far as the lab uses it: `falco --version` (its first line, as Falco 0.39's
 * print_version writes it); anything else is not simulated (the running engine is the delegated
 * unit's, in the fake API server). Run with the host's node, which a fake node has.
 */
function falcoCli(version) {
  return `#!/usr/bin/env node
// fake falco ${version} (CKS Lab test fake): only --version is simulated.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write('Falco version: ${version}\\n');
  process.exit(0);
}
process.stderr.write('fake falco: ' + (args.join(' ') || '(no arguments)') + ' is not simulated; the Falco of this node runs as falco-modern-bpf.service (systemctl)\\n');
process.exit(1);
`;
}

/** A docker-archive tarball of `ref` (image-archive.mjs). */
function writeArchive(ref, file) {
  writeImageArchive(ref, file, { lab: 'falco' });
}

/** Installs Falco's files in node root `root` when the image's labels name a Falco version. */
export function installFalco(root, labels) {
  if (!labels?.['io.cks-lab.falco.version']) return;
  write(root, 'usr/bin/falco', falcoCli(String(labels['io.cks-lab.falco.version'])), 0o755);
  // The lab image's builder stage saves the scenarios' images (io.cks-lab.falco.preload) as
  // docker-archive tarballs in io.cks-lab.falco.images; staged layer-less here.
  const imagesDir = labels['io.cks-lab.falco.images'];
  if (imagesDir) {
    const dir = path.join(root, String(imagesDir).replace(/^\/+/, ''));
    fs.mkdirSync(dir, { recursive: true });
    for (const ref of String(labels['io.cks-lab.falco.preload'] ?? '').split(',').filter(Boolean)) writeArchive(ref, path.join(dir, `${ref.split('/').pop().replace(':', '_')}.tar`));
  }
  write(root, 'etc/falco/falco.yaml', FALCO_YAML);
  write(root, 'etc/falco/falco_rules.yaml', fs.readFileSync(new URL('../kube-apiserver/falco/falco_rules.yaml', import.meta.url), 'utf8'));
  write(root, 'etc/falco/falco_rules.local.yaml', LOCAL_RULES);
  write(root, `usr/lib/systemd/system/${UNIT}`, FALCO_UNIT_FILE);
  symlink(root, `etc/systemd/system/multi-user.target.wants/${UNIT}`, `/usr/lib/systemd/system/${UNIT}`);
  symlink(root, 'etc/systemd/system/falco.service', `/usr/lib/systemd/system/${UNIT}`);
}

/** The delegated unit programs (falco-modern-bpf.service and its alias) asking the fake API server at `api.criPort`. */
export function writeFalcoUnit(root, api) {
  if (!api.criPort || !fs.existsSync(path.join(root, 'usr/lib/systemd/system', UNIT))) return;
  const source = fs.readFileSync(new URL('./kubelet-unit.cjs', import.meta.url), 'utf8');
  const program = `#!/usr/bin/env node\n// (kubelet-unit.cjs's client, here for ${UNIT}: the fake Falco service answers at /falco)\n${source.replace("'__KUBELET_ENDPOINT__'", `'http://127.0.0.1:${api.criPort}/falco'`)}`;
  for (const name of [UNIT, 'falco.service']) write(root, `usr/local/lib/cks-fake/units/${name}`, program, 0o755);
}
