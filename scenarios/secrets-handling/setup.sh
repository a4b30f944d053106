#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# A namespace with two Secrets — db-credentials (username, password) for the app, partner-api
# (token) to be read from etcd — and a Deployment `app` that uses neither yet.
set -euo pipefail
NS=$PARAM_NAMESPACE
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create secret generic db-credentials --from-literal=username=orders-app \
  --from-literal=password="$PARAM_DB_PASSWORD" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create secret generic partner-api --from-literal=token="$PARAM_API_KEY" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
rm -f "/root/$PARAM_OUTPUT_NAME"
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels: { app: app }
  template:
    metadata:
      labels: { app: app }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: busybox:1.36.1
          command: [sh, -c, 'echo app started; sleep 86400']
YAML
kubectl -n "$NS" rollout status deployment/app --timeout=120s >/dev/null
