#!/bin/bash
# private-registry setup: the app image exists only in the lab's private registry (two tags, so a
# digest copied from the wrong tag is caught); the Deployment already points at it by tag and
# cannot pull: no credentials anywhere.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
NS=$PARAM_NAMESPACE
REPO=$PARAM_REGISTRY/$PARAM_REPOSITORY

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for tag in "$PARAM_TAG" "$PARAM_OTHER_TAG"; do
  mkdir -p "$tmp/$tag/srv"
  printf '<h1>%s %s</h1>\n' "$PARAM_REPOSITORY" "$tag" > "$tmp/$tag/srv/index.html"
  cks-oci-build /opt/cks-lab/images/pause "$tmp/$tag" "$tmp/layout-$tag" >/dev/null
  cks-registry-push "$tmp/layout-$tag" "$REPO:$tag" >/dev/null
done

kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create serviceaccount "$PARAM_SERVICE_ACCOUNT" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $PARAM_DEPLOYMENT
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels: { app: $PARAM_DEPLOYMENT }
  template:
    metadata:
      labels: { app: $PARAM_DEPLOYMENT }
    spec:
      serviceAccountName: $PARAM_SERVICE_ACCOUNT
      containers:
        - name: $PARAM_DEPLOYMENT
          image: $REPO:$PARAM_TAG
YAML
