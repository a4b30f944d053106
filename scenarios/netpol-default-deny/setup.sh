#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The shop: frontend and backend Deployments with their Services, and a pod that has no business
# talking to anything. Every image is busybox, so the pods serve HTTP (httpd) and carry the
# tools the learner and the grader probe with (nc, wget, nslookup). No NetworkPolicy yet:
# everything can reach everything.
set -euo pipefail
kubectl create namespace shop --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n shop delete networkpolicy --all >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: frontend, namespace: shop, labels: { app: frontend } }
spec:
  replicas: 1
  selector: { matchLabels: { app: frontend } }
  template:
    metadata: { labels: { app: frontend } }
    spec:
      containers:
        - name: web
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo shop frontend > /www/index.html && exec httpd -f -p 80 -h /www']
          ports: [{ name: http, containerPort: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: shop }
spec:
  selector: { app: frontend }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backend, namespace: shop, labels: { app: backend } }
spec:
  replicas: 1
  selector: { matchLabels: { app: backend } }
  template:
    metadata: { labels: { app: backend } }
    spec:
      containers:
        - name: api
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo shop backend > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: shop }
spec:
  selector: { app: backend }
  ports: [{ name: http, port: 8080, targetPort: http }]
---
apiVersion: v1
kind: Pod
metadata: { name: intruder, namespace: shop, labels: { app: intruder } }
spec:
  containers:
    - name: shell
      image: busybox:1.36.1
      command: [sleep, '86400']
YAML
kubectl -n shop rollout status deployment/frontend --timeout=120s >/dev/null
kubectl -n shop rollout status deployment/backend --timeout=120s >/dev/null
kubectl -n shop wait --for=condition=Ready pod/intruder --timeout=120s >/dev/null
echo "setup done: namespace shop is wide open"
