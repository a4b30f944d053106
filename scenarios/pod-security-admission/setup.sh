#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Namespace team-red without any Pod Security label, and Deployment api running privileged as root.
set -euo pipefail
kubectl create namespace team-red --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: team-red
spec:
  replicas: 2
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
      - name: api
        image: busybox:1.36.1
        command: ["sh", "-c", "echo api ready; while true; do sleep 3600; done"]
        securityContext:
          privileged: true
          runAsUser: 0
YAML
kubectl -n team-red rollout status deployment/api --timeout=120s >/dev/null
