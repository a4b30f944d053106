#!/usr/bin/env bash
# Self-check of the `linters` lab, run on the control-plane node once it is Ready: kube-linter and
# kubesec are there, are the pinned releases, and give their known verdict on a known-bad
# manifest (a privileged container on a :latest image): kube-linter reports privileged-container
# and latest-tag and exits 1; kubesec scores it -30 (Privileged, critical) and exits 2. Any
# problem exits non-zero: a lab whose grading tools are missing or broken never reaches a learner.
# It first imports the preloaded busybox images into containerd (the scenario runs offline).
set -uo pipefail
fail() { echo "linters lab self-check FAILED: $*" >&2; exit 1; }

for tool in kube-linter kubesec jq; do command -v "$tool" >/dev/null || fail "$tool is missing from the node image"; done
V=$(kube-linter version 2>&1) || fail "kube-linter version failed: $V"
[ "$V" = "0.8.3" ] || fail "kube-linter is $V, the lab pins 0.8.3"
V=$(kubesec version 2>&1) || fail "kubesec version failed: $V"
grep -qx 'version 2.14.2' <<<"$V" || fail "kubesec is $(head -n1 <<<"$V"), the lab pins 2.14.2"

# The scenario's app image, preloaded in the node image: into containerd, where the kubelet finds it.
IMAGES=/opt/cks-lab/linters/images
ls "$IMAGES"/*.tar >/dev/null 2>&1 || fail "no preloaded image tarballs in $IMAGES"
ctr -n k8s.io images import "$IMAGES"/*.tar >/dev/null || fail "importing $IMAGES/*.tar into containerd failed"
HAVE=$(crictl images -o json | jq -r '.images[].repoTags[]') || fail "crictl images failed"
for img in docker.io/library/busybox:1.36.1 docker.io/library/busybox:latest; do
  grep -qxF "$img" <<<"$HAVE" || fail "$img is not in containerd after the import"
done

# kubesec's schemas are in the image (offline) and untouched since the build.
[ "${SCHEMA_LOCATION:-}" = /opt/kubesec/schemas ] || fail "SCHEMA_LOCATION is '${SCHEMA_LOCATION:-}', the image sets /opt/kubesec/schemas (kubesec would fetch schemas from the network)"
(cd /opt/kubesec/schemas/v1.34.0-standalone-strict && sha256sum --quiet -c SHA256SUMS) || fail "kubesec's baked schemas do not match their SHA256SUMS"

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: selfcheck
  namespace: default
spec:
  containers:
  - name: app
    image: busybox:latest
    securityContext:
      privileged: true
YAML
cd "$DIR" || fail "cannot enter $DIR"
OUT=$(kube-linter lint --format json bad.yaml 2>/dev/null); RC=$?
[ "$RC" -eq 1 ] || fail "kube-linter lint on a privileged :latest Pod exited $RC (expected 1): $(head -c 300 <<<"$OUT")"
CHECKS=$(jq -r '[.Reports[].Check] | unique | join(",")' <<<"$OUT") || fail "kube-linter printed no JSON: $(head -c 300 <<<"$OUT")"
for c in latest-tag privileged-container; do
  grep -q "$c" <<<"$CHECKS" || fail "kube-linter did not report $c on a privileged :latest Pod (reported: $CHECKS)"
done
OUT=$(kubesec scan bad.yaml 2>&1); RC=$?
[ "$RC" -eq 2 ] || fail "kubesec scan on a privileged Pod exited $RC (expected 2): $(head -c 300 <<<"$OUT")"
VALID=$(jq -r '.[0].valid' <<<"$OUT" 2>/dev/null) || fail "kubesec printed no JSON: $(head -c 300 <<<"$OUT")"
# kubesec validates the object against the Kubernetes JSON schema first (kubeconform): without
# the schema (no network to its schema location) the object is "invalid" and not scored.
[ "$VALID" = true ] || fail "kubesec could not validate the object: $(jq -r '.[0].message' <<<"$OUT")"
SCORE=$(jq -r '.[0].score' <<<"$OUT")
[ "$SCORE" = "-30" ] || fail "kubesec scored a privileged Pod $SCORE (expected -30)"
echo "linters lab self-check passed: kube-linter 0.8.3 and kubesec 2.14.2 give their known verdicts"
