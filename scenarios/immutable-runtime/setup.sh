#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Deployment $PARAM_DEPLOYMENT in $PARAM_NAMESPACE, hardened halfway: nginx got a read-only root
# filesystem (and nothing writable), so it stops at start; someone then made it privileged, which
# does not help. Its busybox health-check sidecar still has a writable root. A Service in front.
set -euo pipefail
NS=$PARAM_NAMESPACE
DEP=$PARAM_DEPLOYMENT
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $DEP
  namespace: $NS
  labels: { app: $DEP }
spec:
  replicas: 2
  selector:
    matchLabels: { app: $DEP }
  template:
    metadata:
      labels: { app: $DEP }
    spec:
      containers:
      - name: nginx
        image: nginx:1.27.3
        ports: [{ containerPort: 80 }]
        securityContext:
          readOnlyRootFilesystem: true
          privileged: true
      - name: healthcheck
        image: busybox:1.36.1
        command: ["sh", "-c", "while true; do if wget -q -O /dev/null -T 2 http://127.0.0.1/; then echo \"\$(date) nginx ok\"; else echo \"\$(date) nginx down\"; fi; sleep 30; done"]
---
apiVersion: v1
kind: Service
metadata:
  name: $DEP
  namespace: $NS
spec:
  selector: { app: $DEP }
  ports: [{ port: 80, targetPort: 80 }]
YAML
# nginx cannot start like this: wait (bounded) until both replicas' Pods exist, not for a rollout.
for _ in $(seq 1 60); do
  [ "$(kubectl -n "$NS" get pods -l app="$DEP" -o name | wc -l)" -ge 2 ] && break
  sleep 1
done
