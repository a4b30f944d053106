#!/usr/bin/env bash
# Self-check of the `ingress` lab, run on the control-plane node (bash -s, KUBECONFIG set) once the
# node is Ready: installs F5 NGINX Ingress Controller from the manifest the image carries, waits for
# it, then proves what scenarios grade — a TLS Ingress answers HTTPS on the node's :443 with its own
# Secret's certificate (by SNI) and the app's page, and plain HTTP on :80 is redirected (301) to
# https. Cleans up its test objects. Any problem exits non-zero with diagnostics: a lab without a
# working controller never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
MANIFEST=/etc/cks-lab/ingress/nginx-ingress.yaml
NS=cks-lab-selfcheck
HOST=selfcheck.cks-lab.test
TMP=$(mktemp -d)

cleanup() {
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
fail() {
  echo "ingress lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  kubectl get pods -n nginx-ingress -o wide >&2 2>&1 || true
  kubectl describe pods -n nginx-ingress 2>&1 | tail -n 25 >&2 || true
  kubectl logs -n nginx-ingress deployment/nginx-ingress --tail=20 >&2 2>&1 || true
  kubectl get events -n "$NS" --sort-by=.lastTimestamp 2>&1 | tail -n 10 >&2 || true
  cleanup
  exit 1
}

[ -f "$MANIFEST" ] || fail "$MANIFEST is missing from the node image"
kubectl apply -f "$MANIFEST" >/dev/null || fail "kubectl apply -f $MANIFEST failed"
# Bounded: pulling the controller image needs the Docker host to reach Docker Hub.
kubectl -n nginx-ingress rollout status deployment/nginx-ingress --timeout=240s >/dev/null 2>&1 \
  || fail "the nginx-ingress Deployment did not become ready within 240 s (image pull? see the pod's events)"

# A backend, a certificate made here, its kubernetes.io/tls Secret and a TLS Ingress.
openssl req -x509 -nodes -newkey rsa:2048 -days 1 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
  -keyout "$TMP/tls.key" -out "$TMP/tls.crt" >/dev/null 2>&1 || fail "openssl could not make a test certificate"
kubectl create namespace "$NS" >/dev/null 2>&1 || kubectl get namespace "$NS" >/dev/null 2>&1 || fail "cannot create namespace $NS"
kubectl -n "$NS" create secret tls selfcheck-tls --cert="$TMP/tls.crt" --key="$TMP/tls.key" >/dev/null || fail "cannot create the TLS Secret"
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check backend and Ingress"
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: ${NS}
  labels: { app: selfcheck-web }
spec:
  containers:
    - name: web
      image: busybox:1.36.1
      command: [sh, -c, 'mkdir -p /www && echo cks-lab-ingress-ok > /www/index.html && exec httpd -f -p 8080 -h /www']
      ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NS}
spec:
  selector: { app: selfcheck-web }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: selfcheck
  namespace: ${NS}
spec:
  ingressClassName: nginx
  tls: [{ hosts: [${HOST}], secretName: selfcheck-tls }]
  rules:
    - host: ${HOST}
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }]
YAML
kubectl wait pod/web -n "$NS" --for=condition=Ready --timeout=120s >/dev/null 2>&1 || fail "the self-check backend pod did not become Ready within 120 s"

# The controller reloads nginx after each change: retry for up to 60 s.
OUT="" ERR=""
for _ in $(seq 1 60); do
  OUT=$(curl -sS -k -v --max-time 5 --resolve "$HOST:443:127.0.0.1" "https://$HOST/" 2>"$TMP/err") && [ "$OUT" = "cks-lab-ingress-ok" ] && break
  sleep 1
done
ERR=$(head -c 2000 "$TMP/err")
[ "$OUT" = "cks-lab-ingress-ok" ] || fail "https://$HOST/ on 127.0.0.1:443 did not answer with the backend's page (got: $(printf '%s' "$OUT" | head -c 200); curl: $(printf '%s' "$ERR" | grep -E '^curl|^\* (SSL|TLS|OpenSSL)' | head -n 3))"
printf '%s' "$ERR" | grep -Eq "subject: ?CN ?= ?$HOST" || fail "HTTPS did not present the Secret's certificate (CN=$HOST): $(printf '%s' "$ERR" | grep -E 'subject:' | head -n 1)"
REDIRECT=$(curl -sS -o /dev/null --max-time 5 -w '%{http_code} %{redirect_url}' --resolve "$HOST:80:127.0.0.1" "http://$HOST/" 2>&1)
[ "$REDIRECT" = "301 https://$HOST:443/" ] || fail "HTTP was not redirected to HTTPS (expected \"301 https://$HOST:443/\", got \"$REDIRECT\")"
cleanup
echo "ingress lab self-check passed: F5 NGINX Ingress Controller serves $HOST with its Secret's certificate on :443 and redirects :80 with 301"
