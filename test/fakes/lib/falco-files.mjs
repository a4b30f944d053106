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

/** Installs Falco's files in node root `root` when the image's labels name a Falco version. */
export function installFalco(root, labels) {
  if (!labels?.['io.cks-lab.falco.version']) return;
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
