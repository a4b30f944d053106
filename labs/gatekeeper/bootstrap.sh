#!/usr/bin/env bash
# Self-check of the `gatekeeper` lab, run on the control-plane node (bash -s, KUBECONFIG set) once
# the node is Ready: checks the staged files against the build's SHA-256 sums, imports Gatekeeper's
# image into containerd (offline: from the tarball in the image), installs Gatekeeper v3.23.0 from
# the release manifest the image carries, waits for its webhook and audit Deployments, then proves
# what scenarios grade — the gatekeeper-library allowedrepos template yields its constraint kind,
# and a K8sAllowedRepos constraint denies a server-side dry-run Pod from another registry with
# Gatekeeper's message while an allowed image is admitted. Cleans up its test objects. Any problem
# exits non-zero with diagnostics: a lab without a working Gatekeeper never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
DIR=/opt/cks-lab/gatekeeper
MANIFEST=$DIR/gatekeeper.yaml
TEMPLATE=/opt/gatekeeper-library/library/general/allowedrepos/template.yaml
IMAGE=docker.io/openpolicyagent/gatekeeper:v3.23.0
NS=cks-lab-selfcheck
CONSTRAINT=cks-lab-selfcheck

cleanup() {
  kubectl delete k8sallowedrepos "$CONSTRAINT" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete constrainttemplate k8sallowedrepos --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
fail() {
  echo "gatekeeper lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  kubectl get pods -n gatekeeper-system -o wide >&2 2>&1 || true
  kubectl get constrainttemplate k8sallowedrepos -o jsonpath='{.status}' >&2 2>&1 || true
  echo >&2
  kubectl logs -n gatekeeper-system deployment/gatekeeper-controller-manager --tail=20 >&2 2>&1 || true
  cleanup
  exit 1
}

[ -f "$MANIFEST" ] || fail "$MANIFEST is missing from the node image"
[ -f "$TEMPLATE" ] || fail "$TEMPLATE is missing from the node image"
(cd "$DIR" && sha256sum -c --quiet SHA256SUMS) >&2 || fail "the staged manifest or image differ from the build's SHA256SUMS"
for f in "$DIR"/images/*.tar; do
  ctr -n k8s.io images import "$f" >/dev/null || fail "importing $f into containerd failed"
done
ctr -n k8s.io images ls -q | grep -qxF "$IMAGE" || fail "$IMAGE is not in containerd after the import"

# The release manifest as published, except: imagePullPolicy Always → IfNotPresent, so the kubelet
# uses the preloaded image and the lab needs no registry connection; and one webhook replica instead
# of three (one learner, one node: saves two pods of 512 MiB requested memory each).
sed -e 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' -e 's/^  replicas: 3$/  replicas: 1/' "$MANIFEST" | kubectl apply -f - >/dev/null \
  || fail "kubectl apply of $MANIFEST failed"
for d in gatekeeper-controller-manager gatekeeper-audit; do
  kubectl -n gatekeeper-system rollout status "deployment/$d" --timeout=180s >/dev/null 2>&1 \
    || fail "the $d Deployment did not become ready within 180 s"
done

# The webhook needs its certificate (Gatekeeper's cert-controller) before it answers: retry.
ok=""
for _ in $(seq 1 60); do
  kubectl create namespace "$NS" >/dev/null 2>&1 || kubectl get namespace "$NS" >/dev/null 2>&1 && { ok=1; break; }
  sleep 2
done
[ -n "$ok" ] || fail "cannot create namespace $NS (Gatekeeper's namespace-label webhook does not answer?)"
kubectl apply -f "$TEMPLATE" >/dev/null || fail "kubectl apply -f $TEMPLATE failed"
ok=""
for _ in $(seq 1 60); do
  [ "$(kubectl get constrainttemplate k8sallowedrepos -o jsonpath='{.status.created}' 2>/dev/null)" = "true" ] \
    && kubectl get crd k8sallowedrepos.constraints.gatekeeper.sh >/dev/null 2>&1 && { ok=1; break; }
  sleep 2
done
[ -n "$ok" ] || fail "the allowedrepos ConstraintTemplate did not create its K8sAllowedRepos CRD within 120 s"
kubectl wait --for=condition=Established crd/k8sallowedrepos.constraints.gatekeeper.sh --timeout=60s >/dev/null 2>&1 \
  || fail "the K8sAllowedRepos CRD is not Established"
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check constraint"
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: ${CONSTRAINT}
spec:
  match:
    kinds: [{ apiGroups: [""], kinds: ["Pod"] }]
    namespaces: ["${NS}"]
  parameters:
    repos: ["registry.k8s.io/"]
YAML

# Gatekeeper ingests a new constraint within seconds: retry the denied dry-run.
WANT="admission webhook \"validation.gatekeeper.sh\" denied the request: [${CONSTRAINT}] container <app> has an invalid image repo <busybox:1.36.1>, allowed repos are [\"registry.k8s.io/\"]"
pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: { name: selfcheck, namespace: %s }\nspec:\n  containers: [{ name: app, image: "%s" }]\n' "$NS" "$1"; }
OUT=""
for _ in $(seq 1 60); do
  OUT=$(pod busybox:1.36.1 | kubectl create --dry-run=server -f - 2>&1) || true
  grep -qF "$WANT" <<<"$OUT" && break
  sleep 2
done
grep -qF "$WANT" <<<"$OUT" || fail "a Pod from busybox:1.36.1 was not denied by the constraint (got: $(head -c 300 <<<"$OUT"))"
OUT=$(pod registry.k8s.io/pause:3.10.1 | kubectl create --dry-run=server -f - 2>&1) \
  || fail "a Pod from registry.k8s.io/pause:3.10.1 was refused: $(head -c 300 <<<"$OUT")"
cleanup
echo "gatekeeper lab self-check passed: Gatekeeper v3.23.0 runs offline; a K8sAllowedRepos constraint denies busybox:1.36.1 and admits registry.k8s.io/pause:3.10.1"
