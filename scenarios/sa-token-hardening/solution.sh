#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh.
set -euo pipefail
NS=$PARAM_NAMESPACE
SA=$PARAM_APP_SERVICE_ACCOUNT
TOKEN_DIR=$(dirname "$PARAM_TOKEN_PATH")
TOKEN_FILE=$(basename "$PARAM_TOKEN_PATH")

# 1. Pods on the default ServiceAccount no longer get a token automatically.
kubectl -n "$NS" patch serviceaccount default -p '{"automountServiceAccountToken": false}' >/dev/null

# 2. Admission added the token volume when the Pods were created: they must be created again,
#    from clean manifests (`kubectl get pod -o yaml` would carry the kube-api-access volume over).
kubectl -n "$NS" delete pod api worker --ignore-not-found --wait=true >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: { name: worker, namespace: $NS, labels: { app: worker } }
spec:
  terminationGracePeriodSeconds: 5
  containers:
    - name: worker
      image: busybox:1.36.1
      command: [sh, -c, 'echo worker started; sleep 86400']
---
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: $NS, labels: { app: api } }
spec:
  serviceAccountName: $SA
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 5
  containers:
    - name: api
      image: busybox:1.36.1
      command: [sh, -c, 'echo api started; sleep 86400']
      volumeMounts:
        - { name: vault-token, mountPath: $TOKEN_DIR, readOnly: true }
  volumes:
    - name: vault-token
      projected:
        sources:
          - serviceAccountToken:
              audience: $PARAM_AUDIENCE
              expirationSeconds: $PARAM_TOKEN_EXPIRATION
              path: $TOKEN_FILE
YAML
kubectl -n "$NS" wait --for=condition=Ready pod/api pod/worker --timeout=120s >/dev/null
