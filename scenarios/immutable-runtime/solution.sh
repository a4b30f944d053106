#!/usr/bin/env bash
# Reference solution (idempotent): every container's root filesystem read-only, nginx no longer
# privileged, and emptyDir volumes where nginx writes at start (its temp paths under
# /var/cache/nginx, its pid file under /var/run) plus /tmp for the application's scratch files.
set -euo pipefail
NS=$PARAM_NAMESPACE
DEP=$PARAM_DEPLOYMENT
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
          privileged: false
          readOnlyRootFilesystem: true
        volumeMounts:
        - { name: cache, mountPath: /var/cache/nginx }
        - { name: run, mountPath: /var/run }
        - { name: tmp, mountPath: /tmp }
      - name: healthcheck
        image: busybox:1.36.1
        command: ["sh", "-c", "while true; do if wget -q -O /dev/null -T 2 http://127.0.0.1/; then echo \"\$(date) nginx ok\"; else echo \"\$(date) nginx down\"; fi; sleep 30; done"]
        securityContext:
          readOnlyRootFilesystem: true
      volumes:
      - { name: cache, emptyDir: {} }
      - { name: run, emptyDir: {} }
      - { name: tmp, emptyDir: {} }
YAML
kubectl -n "$NS" rollout status deployment/"$DEP" --timeout=120s >/dev/null
