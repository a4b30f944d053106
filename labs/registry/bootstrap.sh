#!/usr/bin/env bash
# Self-check of the `registry` lab, run on the control-plane node once it is Ready: makes the
# registry's TLS certificates (a CA per cluster), tells containerd to trust it for localhost:5000,
# starts registry.service and proves the registry works the way the scenarios need it: an
# anonymous request is refused with 401 and a Basic challenge, a wrong password too, an
# authenticated push of a test image succeeds and the manifest pulled back has the digest the push
# reported. Any problem exits non-zero: a lab whose registry does not work never reaches a learner.
set -uo pipefail
fail() { echo "registry lab self-check FAILED: $*" >&2; exit 1; }
CERTS=/etc/docker/registry/certs
HOSTDIR=/etc/containerd/certs.d/localhost:5000
URL=https://localhost:5000

command -v registry >/dev/null || fail "the registry binary is missing from the node image"
[ -s /etc/docker/registry/htpasswd ] || fail "/etc/docker/registry/htpasswd is missing or empty"
[ -f /opt/cks-lab/images/pause/index.json ] || fail "the base image layout /opt/cks-lab/images/pause is missing"
grep -q 'config_path = "/etc/containerd/certs.d"' /etc/containerd/config.toml \
  || fail "containerd has no config_path for /etc/containerd/certs.d (containerdConfigPatches in kind-config.yaml)"

if [ ! -s "$CERTS/tls.crt" ]; then
  mkdir -p "$CERTS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=cks-lab registry CA" \
    -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null || fail "cannot make the registry CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$CERTS/tls.key" -out "$CERTS/tls.csr" 2>/dev/null || fail "cannot make the registry key"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$CERTS/ext.cnf"
  openssl x509 -req -in "$CERTS/tls.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial -days 825 \
    -extfile "$CERTS/ext.cnf" -out "$CERTS/tls.crt" 2>/dev/null || fail "cannot sign the registry certificate"
  chmod 0600 "$CERTS/ca.key" "$CERTS/tls.key"
fi
mkdir -p "$HOSTDIR"
cp "$CERTS/ca.crt" "$HOSTDIR/ca.crt"
# The node's own tools (curl without --cacert, cosign) trust it too, through the system store.
cp "$CERTS/ca.crt" /usr/local/share/ca-certificates/cks-lab-registry.crt
update-ca-certificates >/dev/null 2>&1 || fail "update-ca-certificates failed"
cat > "$HOSTDIR/hosts.toml" <<TOML
server = "$URL"

[host."$URL"]
  capabilities = ["pull", "resolve"]
  ca = "$HOSTDIR/ca.crt"
TOML

systemctl daemon-reload
systemctl enable --now registry >/dev/null 2>&1 || fail "systemctl enable --now registry failed: $(systemctl status registry 2>&1 | tail -n 3)"
code=000
for _ in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.crt" "$URL/v2/") && [ "$code" != 000 ] && break
  sleep 0.5
done
[ "$code" = 401 ] || fail "an anonymous GET $URL/v2/ got HTTP $code, expected 401 (registry.service: $(systemctl is-active registry))"
curl -s -D - -o /dev/null --cacert "$CERTS/ca.crt" "$URL/v2/" | grep -qi '^www-authenticate: basic realm=' \
  || fail "the registry's 401 has no Basic challenge"
creds=$(grep -m1 -E '^[^:#]+:' /etc/cks-lab/registry/credentials) || fail "no credentials in /etc/cks-lab/registry/credentials"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.crt" -u "${creds%%:*}:wrong-password" "$URL/v2/")
[ "$code" = 401 ] || fail "a wrong password got HTTP $code, expected 401"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/files"; echo "cks-lab registry self-test" > "$tmp/files/selftest.txt"
cks-oci-build /opt/cks-lab/images/pause "$tmp/files" "$tmp/layout" >/dev/null || fail "cks-oci-build failed"
digest=$(cks-registry-push "$tmp/layout" localhost:5000/cks-lab/selftest:1) || fail "an authenticated push failed"
curl -sf --cacert "$CERTS/ca.crt" -u "$creds" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "$URL/v2/cks-lab/selftest/manifests/1" -o "$tmp/pulled.json" || fail "an authenticated pull of cks-lab/selftest:1 failed"
got="sha256:$(sha256sum "$tmp/pulled.json" | cut -d' ' -f1)"
[ "$got" = "$digest" ] || fail "the pulled manifest's digest $got differs from the pushed $digest"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.crt" "$URL/v2/cks-lab/selftest/manifests/1")
[ "$code" = 401 ] || fail "an anonymous pull of cks-lab/selftest:1 got HTTP $code, expected 401"
[ "$(DOCKER_CONFIG="$tmp/docker" crane auth login localhost:5000 -u "${creds%%:*}" -p "${creds#*:}" >/dev/null 2>&1 && DOCKER_CONFIG="$tmp/docker" crane digest localhost:5000/cks-lab/selftest:1 2>&1)" = "$digest" ] \
  || fail "crane digest localhost:5000/cks-lab/selftest:1 does not answer the pushed digest $digest"
command -v cosign >/dev/null || fail "cosign is missing from the node image"
cosign version 2>/dev/null | grep -q 'GitVersion: *v2.4.1' || fail "cosign is not the pinned v2.4.1"
# cosign offline: a key pair, a signature stored in the registry without the transparency log, verified.
(
  cd "$tmp" && export DOCKER_CONFIG="$tmp/docker" COSIGN_PASSWORD=selftest
  cosign generate-key-pair >/dev/null 2>&1 || exit 11
  cosign login localhost:5000 -u "${creds%%:*}" -p "${creds#*:}" >/dev/null 2>&1 || exit 12
  cosign sign -y --key cosign.key --tlog-upload=false "localhost:5000/cks-lab/selftest@$digest" >/dev/null 2>&1 || exit 13
  cosign verify --key cosign.pub --insecure-ignore-tlog=true "localhost:5000/cks-lab/selftest@$digest" 2>/dev/null | grep -q "$digest" || exit 14
) || fail "cosign could not sign and verify the test image offline (step $(( $? - 10 )) of: generate-key-pair, login, sign, verify)"
echo "registry lab self-check passed: localhost:5000 refuses anonymous pulls, accepts the lab's credentials (push and pull, digest $digest); cosign signs and verifies offline"
