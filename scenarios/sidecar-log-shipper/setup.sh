#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Deployment orders whose log shipper was added as a plain init container: it never completes
# (it follows the log), so the app never starts.
set -euo pipefail
kubectl create namespace shop --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels: { app: orders }
  template:
    metadata:
      labels: { app: orders }
    spec:
      volumes:
      - name: logs
        emptyDir: {}
      initContainers:
      - name: shipper
        image: busybox:1.36.1
        command: ["sh", "-c", "touch /var/log/orders/orders.log; tail -n +1 -F /var/log/orders/orders.log"]
        volumeMounts:
        - { name: logs, mountPath: /var/log/orders }
      containers:
      - name: app
        image: busybox:1.36.1
        command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo \"order $i accepted\" >> /var/log/orders/orders.log; sleep 1; done"]
        volumeMounts:
        - { name: logs, mountPath: /var/log/orders }
YAML
