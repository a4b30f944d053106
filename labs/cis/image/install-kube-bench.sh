#!/usr/bin/env bash
# Installs a pinned kube-bench release into a kindest/node image (run by the Dockerfile): the
# binary to /usr/local/bin, the benchmark definitions to /etc/kube-bench/cfg (the cfg dir the
# release binary is built to read). Any failure fails the build.
# Usage: install-kube-bench.sh <version> <sha256 linux_amd64 archive> <sha256 linux_arm64 archive>
set -euo pipefail
VERSION=${1:?usage: install-kube-bench.sh <version> <sha256-amd64> <sha256-arm64>}
case "$(uname -m)" in
  x86_64) ARCH=amd64; SHA256=${2:?missing the amd64 sha256} ;;
  aarch64) ARCH=arm64; SHA256=${3:?missing the arm64 sha256} ;;
  *) echo "kube-bench: no pinned archive for $(uname -m)" >&2; exit 1 ;;
esac
[[ $SHA256 =~ ^[0-9a-f]{64}$ ]] || { echo "kube-bench: the pinned sha256 is not 64 hex digits" >&2; exit 1; }
ARCHIVE="kube-bench_${VERSION}_linux_${ARCH}.tar.gz"
URL="https://github.com/aquasecurity/kube-bench/releases/download/v${VERSION}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

curl -fsSL --retry 3 -o "$ARCHIVE" "${URL}/${ARCHIVE}"
curl -fsSL --retry 3 -o checksums.txt "${URL}/kube-bench_${VERSION}_checksums.txt"
# The pin must agree with the release's checksums file, and the archive with the pin.
PUBLISHED=$(awk -v f="$ARCHIVE" '$2 == f { print $1 }' checksums.txt)
if [ "$PUBLISHED" != "$SHA256" ]; then
  echo "kube-bench: pinned sha256 ${SHA256} differs from the release's checksums file (${PUBLISHED:-no line for $ARCHIVE})" >&2
  exit 1
fi
echo "${SHA256}  ${ARCHIVE}" | sha256sum -c -

mkdir -p extract /etc/kube-bench
tar -xzf "$ARCHIVE" -C extract
install -m 0755 extract/kube-bench /usr/local/bin/kube-bench
rm -rf /etc/kube-bench/cfg
cp -r extract/cfg /etc/kube-bench/cfg
test -f /etc/kube-bench/cfg/config.yaml
test -f /etc/kube-bench/cfg/cis-1.12/master.yaml

# Proof the tool runs and knows the benchmark Kubernetes v1.34 maps to.
[ "$(/usr/local/bin/kube-bench version)" = "$VERSION" ]
grep -q '"1.34": "cis-1.12"' /etc/kube-bench/cfg/config.yaml
echo "kube-bench ${VERSION} installed (cfg in /etc/kube-bench/cfg, Kubernetes 1.34 → cis-1.12)"
