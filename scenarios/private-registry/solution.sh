#!/bin/bash
# Reference solution: pull Secret from the credentials, attached to the ServiceAccount, the
# Deployment pinned to the digest the registry serves for the tag. Idempotent.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
NS=$PARAM_NAMESPACE
CA=/etc/containerd/certs.d/$PARAM_REGISTRY/ca.crt

kubectl -n "$NS" create secret docker-registry "$PARAM_SECRET" \
  --docker-server="$PARAM_REGISTRY" --docker-username="$PARAM_REGISTRY_USER" --docker-password="$PARAM_REGISTRY_PASSWORD" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" patch serviceaccount "$PARAM_SERVICE_ACCOUNT" -p "{\"imagePullSecrets\":[{\"name\":\"$PARAM_SECRET\"}]}"

DIGEST=$(curl -sSf -I --cacert "$CA" -u "$PARAM_REGISTRY_USER:$PARAM_REGISTRY_PASSWORD" \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "https://$PARAM_REGISTRY/v2/$PARAM_REPOSITORY/manifests/$PARAM_TAG" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')
test -n "$DIGEST"
kubectl -n "$NS" set image "deployment/$PARAM_DEPLOYMENT" "$PARAM_DEPLOYMENT=$PARAM_REGISTRY/$PARAM_REPOSITORY@$DIGEST"
kubectl -n "$NS" rollout status "deployment/$PARAM_DEPLOYMENT" --timeout=120s
