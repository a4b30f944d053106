#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf), `scanners` lab: the images
# are preloaded in containerd by the lab's bootstrap. Deployment $PARAM_DEPLOYMENT runs three
# containers: web (nginx:1.23.3, which ships libxml2 through its xslt module), cache (redis:6.2.6)
# and metrics (busybox:1.36.1); only nginx's image has the package.
set -euo pipefail
NS=$PARAM_NAMESPACE
D=$PARAM_DEPLOYMENT
rm -f "/root/$PARAM_SBOM_NAME"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $D
  namespace: $NS
  labels: { app: $D }
spec:
  replicas: 1
  selector:
    matchLabels: { app: $D }
  template:
    metadata:
      labels: { app: $D }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: web
          image: nginx:1.23.3
          imagePullPolicy: IfNotPresent
        - name: cache
          image: redis:6.2.6
          imagePullPolicy: IfNotPresent
        - name: metrics
          image: busybox:1.36.1
          imagePullPolicy: IfNotPresent
          command: [sh, -c, 'sleep 86400']
YAML
kubectl -n "$NS" rollout status "deployment/$D" --timeout=120s >/dev/null
