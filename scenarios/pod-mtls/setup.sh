#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf) of the mesh lab, whose
# bootstrap installed istiod 1.30.3. Leaves: namespace $NS with Deployments backend (busybox httpd
# on 8080 serving "backend ok", Service backend) and frontend (busybox, idle) running WITHOUT
# sidecars (the namespace is not labelled for injection), and namespace legacy with Deployment
# legacy-client, outside the mesh for good.
set -euo pipefail
NS=${PARAM_APP_NAMESPACE:-shop}
kubectl -n istio-system rollout status deployment/istiod --timeout=120s >/dev/null
for ns in "$NS" legacy; do kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null; done
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: ${NS}, labels: {app: backend}}
spec:
  replicas: 1
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend, version: v1}}
    spec:
      containers:
      - name: backend
        image: docker.io/library/busybox:1.36.1
        command: ["sh", "-c", "mkdir -p /www && echo 'backend ok' > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: ${NS}}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: ${NS}, labels: {app: frontend}}
spec:
  replicas: 1
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend, version: v1}}
    spec:
      containers:
      - name: frontend
        image: docker.io/library/busybox:1.36.1
        command: ["sleep", "86400"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-client, namespace: legacy, labels: {app: legacy-client}}
spec:
  replicas: 1
  selector: {matchLabels: {app: legacy-client}}
  template:
    metadata: {labels: {app: legacy-client}}
    spec:
      containers:
      - name: client
        image: docker.io/library/busybox:1.36.1
        command: ["sleep", "86400"]
YAML
for d in backend frontend; do kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null; done
kubectl -n legacy rollout status deployment/legacy-client --timeout=120s >/dev/null
