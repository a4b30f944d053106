#!/usr/bin/env bash
# Self-check of the `mesh` lab, run on the control-plane node (bash -s, KUBECONFIG set) once the node
# is Ready: checks the staged files against the build's SHA-256 sums, imports Istio's images and
# busybox into containerd (offline: from the tarballs in the image), installs istiod from the
# manifest the image carries, waits for it, then proves what scenarios grade — a Pod in a namespace
# labelled istio-injection=enabled gets its istio-proxy sidecar and is 2/2 Ready, a meshed client
# gets 200 from it, and under a STRICT PeerAuthentication a client without a sidecar is reset.
# Cleans up its test objects. Any problem exits non-zero with diagnostics: a lab without a working
# mesh never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
DIR=/opt/cks-lab/istio
MANIFEST=$DIR/install.yaml
NS=cks-lab-selfcheck-mesh
PLAIN=cks-lab-selfcheck-plain

cleanup() {
  kubectl delete namespace "$NS" "$PLAIN" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
fail() {
  echo "mesh lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  kubectl get pods -n istio-system -o wide >&2 2>&1 || true
  kubectl get pods -n "$NS" -o wide >&2 2>&1 || true
  kubectl get mutatingwebhookconfigurations >&2 2>&1 || true
  kubectl logs -n istio-system deployment/istiod --tail=20 >&2 2>&1 || true
  echo "mesh lab self-check FAILED: $*" >&2
  cleanup
  exit 1
}

[ -f "$MANIFEST" ] || fail "$MANIFEST is missing from the node image"
(cd "$DIR" && sha256sum -c --quiet SHA256SUMS) >&2 || fail "the staged manifest or images differ from the build's SHA256SUMS"
for f in "$DIR"/images/*.tar; do
  ctr -n k8s.io images import "$f" >/dev/null || fail "importing $f into containerd failed"
done
HAVE=$(ctr -n k8s.io images ls -q) || fail "ctr images ls failed"
VERSION=$(grep -oE 'image: "?docker.io/istio/pilot:[^" ]+' "$MANIFEST" | head -n1 | sed -E 's/.*://')
[ -n "$VERSION" ] || fail "the manifest names no docker.io/istio/pilot image"
for ref in "docker.io/istio/pilot:$VERSION" "docker.io/istio/proxyv2:$VERSION" docker.io/library/busybox:1.36.1; do
  grep -qxF "$ref" <<<"$HAVE" || fail "$ref is not in containerd after the import"
done

kubectl create -f "$MANIFEST" >/dev/null || fail "kubectl create -f $MANIFEST failed"
kubectl -n istio-system rollout status deployment/istiod --timeout=180s >/dev/null 2>&1 \
  || fail "the istiod Deployment did not become ready within 180 s"

kubectl create namespace "$NS" >/dev/null 2>&1 || fail "cannot create namespace $NS"
kubectl label namespace "$NS" istio-injection=enabled >/dev/null || fail "cannot label namespace $NS"
kubectl create namespace "$PLAIN" >/dev/null 2>&1 || fail "cannot create namespace $PLAIN"
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check workloads"
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: ${NS}, labels: {app: server}}
spec:
  containers:
  - name: httpd
    image: docker.io/library/busybox:1.36.1
    command: ["sh", "-c", "mkdir -p /www && echo selfcheck > /www/index.html && exec httpd -f -p 8080 -h /www"]
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: ${NS}}
spec:
  selector: {app: server}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  containers: [{name: client, image: docker.io/library/busybox:1.36.1, command: ["sleep", "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${PLAIN}}
spec:
  containers: [{name: client, image: docker.io/library/busybox:1.36.1, command: ["sleep", "3600"]}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: ${NS}}
spec:
  mtls: {mode: STRICT}
YAML
kubectl wait -n "$NS" pod/server pod/client --for=condition=Ready --timeout=120s >/dev/null 2>&1 || fail "the self-check pods in $NS did not become Ready within 120 s"
kubectl wait -n "$PLAIN" pod/client --for=condition=Ready --timeout=60s >/dev/null 2>&1 || fail "the plain client did not become Ready within 60 s"
SIDECARS=$(kubectl get pod server -n "$NS" -o jsonpath='{.spec.initContainers[*].name} {.spec.containers[*].name}')
grep -qw istio-proxy <<<"$SIDECARS" || fail "pod $NS/server has no istio-proxy container (containers: $SIDECARS): the sidecar injector did not run"

URL="http://server.${NS}.svc.cluster.local:8080/"
OUT=""
for _ in $(seq 1 30); do
  OUT=$(kubectl exec -n "$NS" client -c client -- wget -qO- -T 5 "$URL" 2>&1) && [ "$OUT" = selfcheck ] && break
  sleep 2
done
[ "$OUT" = selfcheck ] || fail "the meshed client did not get the page through mTLS (got: $(head -c 300 <<<"$OUT"))"
for _ in $(seq 1 30); do
  OUT=$(kubectl exec -n "$PLAIN" client -- wget -qO- -T 5 "$URL" 2>&1) && OUT="served: $OUT"
  grep -q "reset by peer" <<<"$OUT" && break
  sleep 2
done
grep -q "reset by peer" <<<"$OUT" || fail "under STRICT mTLS the plain-text client was not reset (got: $(head -c 300 <<<"$OUT"))"

cleanup
echo "mesh lab self-check passed: istiod $VERSION injects sidecars (2/2 Ready), meshed clients reach STRICT workloads, plain text is reset"
