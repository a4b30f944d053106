#!/usr/bin/env bash
# Installs the pinned kube-linter and kubesec releases into a kindest/node image (run by the
# Dockerfile). Any failure fails the build.
# Usage: install-linters.sh <kube-linter version> <kubesec version> [kube-linter sha256] [kubesec sha256]
#   (the sha256 pins are for this machine's architecture; empty = not pinned, see README.md)
#
# kube-linter publishes no checksum file (its goreleaser config disables it) but signs each binary
# with its cosign key: <binary>.sigstore.json holds the ECDSA P-256 signature over the binary and
# its SHA-256. The build checks the signature with kube-linter's public key (kubelinter-cosign.pub,
# from the kube-linter repository) using openssl, and that the digest in the bundle is the binary's.
# kubesec's goreleaser release publishes kubesec_checksums.txt next to the archives: the archive
# must match its line there.
set -euo pipefail
KL_VERSION=${1:?usage: install-linters.sh <kube-linter version> <kubesec version> [kl-sha256] [ks-sha256]}
KS_VERSION=${2:?missing the kubesec version}
KL_PIN=${3:-}
KS_PIN=${4:-}
case "$(uname -m)" in
  x86_64) KL_ASSET=kube-linter-linux; KS_ASSET=kubesec_linux_amd64.tar.gz ;;
  aarch64) KL_ASSET=kube-linter-linux_arm64; KS_ASSET=kubesec_linux_arm64.tar.gz ;;
  *) echo "linters: no release for $(uname -m)" >&2; exit 1 ;;
esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
pin() { # <file> <pinned sha256 or empty>
  local got; got=$(sha256sum "$1" | cut -d' ' -f1)
  echo "$1 sha256 $got"
  if [ -n "$2" ] && [ "$2" != "$got" ]; then echo "linters: $1 is $got, the pin says $2" >&2; exit 1; fi
}

# --- kube-linter: the binary, its cosign bundle, verified with the project's public key ---------
KL_URL="https://github.com/stackrox/kube-linter/releases/download/v${KL_VERSION}"
curl -fsSL --retry 3 -o kube-linter "${KL_URL}/${KL_ASSET}"
curl -fsSL --retry 3 -o bundle.json "${KL_URL}/${KL_ASSET}.sigstore.json"
jq -r '.messageSignature.signature' bundle.json | base64 -d > kube-linter.sig
openssl dgst -sha256 -verify /usr/local/share/cks-lab/kubelinter-cosign.pub -signature kube-linter.sig kube-linter
BUNDLE_DIGEST=$(jq -r '.messageSignature.messageDigest.digest' bundle.json | base64 -d | od -An -tx1 | tr -d ' \n')
[ "$BUNDLE_DIGEST" = "$(sha256sum kube-linter | cut -d' ' -f1)" ] || { echo "linters: kube-linter's digest differs from its signed bundle" >&2; exit 1; }
pin kube-linter "$KL_PIN"
install -m 0755 kube-linter /usr/local/bin/kube-linter
[ "$(/usr/local/bin/kube-linter version)" = "$KL_VERSION" ]

# --- kubesec: the archive, checked against the release's checksums file ------------------------
KS_URL="https://github.com/controlplaneio/kubesec/releases/download/v${KS_VERSION}"
curl -fsSL --retry 3 -o "$KS_ASSET" "${KS_URL}/${KS_ASSET}"
curl -fsSL --retry 3 -o checksums.txt "${KS_URL}/kubesec_checksums.txt"
grep -E "^[0-9a-f]{64}  ${KS_ASSET}\$" checksums.txt | sha256sum -c -
pin "$KS_ASSET" "$KS_PIN"
mkdir extract
tar -xzf "$KS_ASSET" -C extract
install -m 0755 extract/kubesec /usr/local/bin/kubesec
kubesec version | grep -qx "version ${KS_VERSION}"

# --- kubesec's schemas, for offline use -----------------------------------------------------------
# kubesec validates each object with kubeconform before scoring it, and by default fetches the
# Kubernetes JSON schemas from GitHub at every scan: offline, every object is "invalid" and gets no
# score. The standalone-strict schemas of the kinds a learner's manifest holds are baked in under
# /opt/kubesec/schemas in kubeconform's local layout (<dir>/v<version>-standalone-strict/<kind>[-<group>]-<version>.json);
# the Dockerfile points kubesec at them (SCHEMA_LOCATION, K8S_SCHEMA_VER). Their SHA-256s are
# recorded next to them (SHA256SUMS) and checked by the lab's bootstrap.
SCHEMA_VERSION=v1.34.0
SCHEMA_DIR=/opt/kubesec/schemas/${SCHEMA_VERSION}-standalone-strict
SCHEMA_URL="https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/${SCHEMA_VERSION}-standalone-strict"
mkdir -p "$SCHEMA_DIR"
for kind in pod-v1 service-v1 serviceaccount-v1 secret-v1 configmap-v1 namespace-v1 persistentvolumeclaim-v1 \
            deployment-apps-v1 statefulset-apps-v1 daemonset-apps-v1 replicaset-apps-v1 job-batch-v1 cronjob-batch-v1 \
            networkpolicy-networking-v1 ingress-networking-v1 role-rbac-v1 rolebinding-rbac-v1 \
            poddisruptionbudget-policy-v1 horizontalpodautoscaler-autoscaling-v2; do
  curl -fsSL --retry 3 -o "${SCHEMA_DIR}/${kind}.json" "${SCHEMA_URL}/${kind}.json"
  jq -e '.type == "object" and (.properties | type == "object")' "${SCHEMA_DIR}/${kind}.json" >/dev/null
done
(cd "$SCHEMA_DIR" && sha256sum -- *.json > SHA256SUMS && cat SHA256SUMS)
echo "kube-linter ${KL_VERSION} and kubesec ${KS_VERSION} installed in /usr/local/bin, kubesec schemas for ${SCHEMA_VERSION} in ${SCHEMA_DIR}"
