#!/usr/bin/env bash
# Installs a pinned trivy release and its vulnerability DB into /out (run by the Dockerfile's
# `tools` stage): /out/trivy, and /out/cache/db/{trivy.db,metadata.json} downloaded from the
# trivy-db OCI artifact pinned by digest. Any failure fails the build.
# Usage: install-trivy.sh <version> <sha256 Linux-64bit archive> <sha256 Linux-ARM64 archive> <db repository@sha256:digest>
set -euo pipefail
VERSION=${1:?usage: install-trivy.sh <version> <sha256-amd64> <sha256-arm64> <db-ref>}
case "$(uname -m)" in
  x86_64) ARCH=64bit; SHA256=${2:?missing the amd64 sha256} ;;
  aarch64) ARCH=ARM64; SHA256=${3:?missing the arm64 sha256} ;;
  *) echo "trivy: no pinned archive for $(uname -m)" >&2; exit 1 ;;
esac
DB=${4:?missing the trivy-db reference}
[[ $SHA256 =~ ^[0-9a-f]{64}$ ]] || { echo "trivy: the pinned sha256 is not 64 hex digits" >&2; exit 1; }
[[ $DB =~ @sha256:[0-9a-f]{64}$ ]] || { echo "trivy: the DB must be pinned by digest (repository@sha256:...), got $DB" >&2; exit 1; }
ARCHIVE="trivy_${VERSION}_Linux-${ARCH}.tar.gz"
URL="https://github.com/aquasecurity/trivy/releases/download/v${VERSION}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

if ! command -v curl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*
fi
curl -fsSL --retry 3 -o "$ARCHIVE" "${URL}/${ARCHIVE}"
curl -fsSL --retry 3 -o checksums.txt "${URL}/trivy_${VERSION}_checksums.txt"
# The pin must agree with the release's checksums file, and the archive with the pin.
PUBLISHED=$(awk -v f="$ARCHIVE" '$2 == f { print $1 }' checksums.txt)
if [ "$PUBLISHED" != "$SHA256" ]; then
  echo "trivy: pinned sha256 ${SHA256} differs from the release's checksums file (${PUBLISHED:-no line for $ARCHIVE})" >&2
  exit 1
fi
echo "${SHA256}  ${ARCHIVE}" | sha256sum -c -
mkdir -p /out extract
tar -xzf "$ARCHIVE" -C extract trivy
install -m 0755 extract/trivy /out/trivy
/out/trivy --version | grep -qx "Version: ${VERSION}"

# The DB: the OCI artifact by digest (its layer is content-addressed, so the digest pins the bytes).
/out/trivy --cache-dir /out/cache image --download-db-only --no-progress --db-repository "$DB"
test -s /out/cache/db/trivy.db
test -s /out/cache/db/metadata.json
rm -rf /out/cache/fanal
echo "trivy ${VERSION} installed; DB ${DB}: $(cat /out/cache/db/metadata.json)"
