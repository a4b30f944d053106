#!/usr/bin/env bash
# Self-check of the `kyverno` lab, run on the control-plane node (bash -s, KUBECONFIG set) once the
# node is Ready: checks the staged files against the build's SHA-256 sums, imports Kyverno's images
# into containerd (offline: from the tarballs in the image), installs Kyverno from the manifest the
# image carries, waits for its admission and background controllers, then proves what scenarios
# grade — an Enforce ClusterPolicy denies a server-side dry-run Pod with Kyverno's message, and a
# generate rule creates its object in a new Namespace. Cleans up its test objects. Any problem
# exits non-zero with diagnostics: a lab without a working Kyverno never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
DIR=/opt/cks-lab/kyverno
MANIFEST=$DIR/install.yaml
POLICY=cks-lab-selfcheck
NS=cks-lab-selfcheck
GEN_NS=cks-lab-selfcheck-gen

cleanup() {
  kubectl delete clusterpolicy "$POLICY" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" "$GEN_NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
fail() {
  echo "kyverno lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  kubectl get pods -n kyverno -o wide >&2 2>&1 || true
  kubectl get validatingwebhookconfigurations >&2 2>&1 || true
  kubectl get clusterpolicy "$POLICY" -o yaml 2>&1 | tail -n 20 >&2 || true
  kubectl logs -n kyverno deployment/kyverno-admission-controller --tail=20 >&2 2>&1 || true
  cleanup
  exit 1
}

[ -f "$MANIFEST" ] || fail "$MANIFEST is missing from the node image"
(cd "$DIR" && sha256sum -c --quiet SHA256SUMS) >&2 || fail "the staged manifest or images differ from the build's SHA256SUMS"
for f in "$DIR"/images/*.tar; do
  ctr -n k8s.io images import "$f" >/dev/null || fail "importing $f into containerd failed"
done
HAVE=$(ctr -n k8s.io images ls -q) || fail "ctr images ls failed"
for ref in $(grep -oE 'image: "?[^" ]+' "$MANIFEST" | sed -E 's/image: "?//' | sort -u); do
  grep -qxF "$ref" <<<"$HAVE" || fail "$ref (named by the manifest) is not in containerd after the import"
done

# kubectl create, as Kyverno's docs install the release manifest (its CRDs are too large for the
# annotation client-side apply writes).
kubectl create -f "$MANIFEST" >/dev/null || fail "kubectl create -f $MANIFEST failed"
for d in kyverno-admission-controller kyverno-background-controller; do
  kubectl -n kyverno rollout status "deployment/$d" --timeout=180s >/dev/null 2>&1 \
    || fail "the $d Deployment did not become ready within 180 s"
done

kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check ClusterPolicy"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ${POLICY}
spec:
  rules:
    - name: require-label
      match:
        any:
          - resources:
              kinds: [Pod]
              namespaces: [${NS}]
      validate:
        failureAction: Enforce
        message: the cks-lab-selfcheck label is required
        pattern:
          metadata:
            labels:
              cks-lab-selfcheck: "?*"
    - name: generate-configmap
      match:
        any:
          - resources:
              kinds: [Namespace]
              names: [${GEN_NS}]
      generate:
        apiVersion: v1
        kind: ConfigMap
        name: selfcheck
        namespace: "{{request.object.metadata.name}}"
        data:
          data:
            generated: "yes"
YAML
kubectl wait "clusterpolicy/$POLICY" --for=condition=Ready --timeout=60s >/dev/null 2>&1 || fail "the self-check ClusterPolicy did not become Ready within 60 s"
kubectl create namespace "$NS" >/dev/null 2>&1 || fail "cannot create namespace $NS"

# Kyverno updates its webhook's rules a moment after the policy is Ready: retry for up to 30 s.
OUT=""
for _ in $(seq 1 30); do
  OUT=$(kubectl run selfcheck -n "$NS" --image=registry.k8s.io/pause:3.10.1 --dry-run=server -o name 2>&1) && OUT="admitted: $OUT"
  grep -q "blocked due to the following policies" <<<"$OUT" && break
  sleep 1
done
grep -q "blocked due to the following policies" <<<"$OUT" || fail "a dry-run Pod without the label was not denied by Kyverno (got: $(head -c 300 <<<"$OUT"))"
kubectl run selfcheck -n "$NS" --image=registry.k8s.io/pause:3.10.1 --labels=cks-lab-selfcheck=yes --dry-run=server -o name >/dev/null 2>&1 \
  || fail "a dry-run Pod with the label was denied"

kubectl create namespace "$GEN_NS" >/dev/null 2>&1 || fail "cannot create namespace $GEN_NS"
GEN=""
for _ in $(seq 1 30); do
  GEN=$(kubectl get configmap selfcheck -n "$GEN_NS" -o jsonpath='{.data.generated}' 2>/dev/null) && [ "$GEN" = yes ] && break
  sleep 1
done
[ "$GEN" = yes ] || fail "the generate rule did not create ConfigMap selfcheck in the new namespace $GEN_NS within 30 s"

cleanup
echo "kyverno lab self-check passed: Kyverno $(kubectl -n kyverno get deployment kyverno-admission-controller -o jsonpath='{.spec.template.spec.containers[0].image}') denies by policy and generates into new namespaces"
