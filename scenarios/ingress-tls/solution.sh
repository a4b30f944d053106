#!/usr/bin/env bash
# Reference solution (idempotent). Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
set -euo pipefail
NS=$PARAM_NAMESPACE
HOST=$PARAM_HOST

# 1. A kubernetes.io/tls Secret from the given files, in the Ingress's namespace.
kubectl -n "$NS" create secret tls "$PARAM_SECRET" --cert="$PARAM_CERT_DIR/tls.crt" --key="$PARAM_CERT_DIR/tls.key" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# 2. TLS for the host the Ingress serves; F5 NGINX Ingress Controller then redirects HTTP by itself.
kubectl -n "$NS" patch ingress "$PARAM_INGRESS" --type=merge \
  -p "{\"spec\":{\"tls\":[{\"hosts\":[\"$HOST\"],\"secretName\":\"$PARAM_SECRET\"}]}}" >/dev/null

# The controller reloads nginx after the change: wait until HTTPS answers (bounded).
for _ in $(seq 1 30); do
  curl -skf --max-time 5 --resolve "$HOST:443:127.0.0.1" "https://$HOST/" >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "https://$HOST/ did not answer within 30 s" >&2
exit 1
