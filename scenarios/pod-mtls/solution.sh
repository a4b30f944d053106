#!/usr/bin/env bash
# Reference solution (idempotent): label the namespace for injection, restart its workloads so
# their new Pods get the sidecar, and require mTLS for the whole namespace.
set -euo pipefail
NS=${PARAM_APP_NAMESPACE:-shop}
kubectl label namespace "$NS" istio-injection=enabled --overwrite >/dev/null
kubectl -n "$NS" rollout restart deployment/backend deployment/frontend >/dev/null
for d in backend frontend; do kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null; done
kubectl apply -f - >/dev/null <<YAML
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: ${NS}
spec:
  mtls:
    mode: STRICT
YAML
