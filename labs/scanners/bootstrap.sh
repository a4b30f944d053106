#!/usr/bin/env bash
# Self-check of the `scanners` lab, run on the control-plane node once it is Ready: imports the
# preloaded scenario images into containerd's k8s.io namespace (offline: from the tarballs in the
# image), then proves trivy works offline on this node — the pinned release, its baked DB, and an
# offline scan of nginx:1.21.6 from containerd that reports CVE-2022-37434 (zlib1g), the CVE the
# trivy-scan scenario is about. Any problem exits non-zero: a lab whose scanner cannot see the
# vulnerability never reaches a learner.
set -uo pipefail
fail() { echo "scanners lab self-check FAILED: $*" >&2; exit 1; }
IMAGES=/opt/cks-lab/scanners/images
WANT="docker.io/library/nginx:1.21.6 docker.io/library/nginx:1.23.3 docker.io/library/redis:6.2.6 docker.io/library/busybox:1.36.1"
export CONTAINERD_NAMESPACE=k8s.io TRIVY_SKIP_DB_UPDATE=true TRIVY_SKIP_JAVA_DB_UPDATE=true TRIVY_OFFLINE_SCAN=true

command -v trivy >/dev/null || fail "trivy is missing from the node image"
V=$(trivy --version 2>&1 | head -n 1)
[ "$V" = "Version: 0.62.1" ] || fail "trivy says '$V', the lab pins 0.62.1"
[ -s /root/.cache/trivy/db/trivy.db ] && [ -s /root/.cache/trivy/db/metadata.json ] || fail "trivy's DB is missing from /root/.cache/trivy/db"

for f in "$IMAGES"/*.tar; do
  ctr -n k8s.io images import "$f" >/dev/null || fail "importing $f into containerd failed"
done
HAVE=$(ctr -n k8s.io images ls -q) || fail "ctr images ls failed"
for img in $WANT; do
  grep -qxF "$img" <<<"$HAVE" || fail "$img is not in containerd's k8s.io namespace after the import"
done

ERR=$(mktemp)
OUT=$(trivy image --quiet --skip-db-update --offline-scan --scanners vuln --severity CRITICAL --format json docker.io/library/nginx:1.21.6 2>"$ERR") \
  || fail "offline trivy scan of nginx:1.21.6 failed: $(head -c 400 "$ERR")"
jq -e '[.Results[]?.Vulnerabilities[]?.VulnerabilityID] | index("CVE-2022-37434") != null' >/dev/null <<<"$OUT" \
  || fail "the offline scan of nginx:1.21.6 does not report CVE-2022-37434 (got: $(head -c 300 <<<"$OUT"))"
echo "scanners lab self-check passed: trivy 0.62.1, DB $(jq -r .UpdatedAt /root/.cache/trivy/db/metadata.json), $(wc -w <<<"$WANT") images in containerd, CVE-2022-37434 found in nginx:1.21.6 offline"
