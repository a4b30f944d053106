#!/usr/bin/env bash
# Installs a pinned gVisor release into a kindest/node image (run by the Dockerfile).
# Usage: install-gvisor.sh <release, e.g. 20250820.0>
set -euo pipefail
RELEASE=${1:?usage: install-gvisor.sh <release>}
ARCH=$(uname -m)
URL="https://storage.googleapis.com/gvisor/releases/release/${RELEASE}/${ARCH}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

if ! command -v curl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*
fi
# Each binary has a .sha512 next to it whose
# line is "<sha512>  <file>", so sha512sum -c verifies the download and fails the build otherwise.
for f in runsc containerd-shim-runsc-v1; do
  curl -fsSL --retry 3 -o "$f" "${URL}/${f}"
  curl -fsSL --retry 3 -o "$f.sha512" "${URL}/${f}.sha512"
done
sha512sum -c runsc.sha512 containerd-shim-runsc-v1.sha512
chmod 0755 runsc containerd-shim-runsc-v1
# runsc re-executes itself as nobody: it must be readable and executable by all users.
mv runsc containerd-shim-runsc-v1 /usr/local/bin/
/usr/local/bin/runsc --version

# The handler. kind's /etc/containerd/config.toml may be a v2 config (plugin
# "io.containerd.grpc.v1.cri", migrated by containerd 2.x) or a v3 one (plugin
# "io.containerd.cri.v1.runtime"); a section for the other version would be ignored silently, so
# write the one matching the file's own version line.
CONFIG=/etc/containerd/config.toml
if grep -Eq '^\s*version\s*=\s*3' "$CONFIG"; then
  PLUGIN="plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc"
else
  PLUGIN='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc'
fi
cat >> "$CONFIG" <<TOML

# gVisor (added by the lab image): RuntimeClass handler "runsc"
[${PLUGIN}]
  runtime_type = "io.containerd.runsc.v1"
[${PLUGIN}.options]
  TypeUrl = "io.containerd.runsc.v1.options"
  ConfigPath = "/etc/containerd/runsc.toml"
TOML
echo "gVisor ${RELEASE} installed; containerd handler runsc added to ${CONFIG}"
