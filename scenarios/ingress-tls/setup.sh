#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The shop app (busybox httpd behind Service web:80), an Ingress serving its host over plain HTTP
# only, and the certificate and key the learner is given — made here with the node's openssl
# (self-signed, CN and subjectAltName = the host), so every cluster has its own pair.
set -euo pipefail
NS=$PARAM_NAMESPACE
HOST=$PARAM_HOST
DIR=$PARAM_CERT_DIR

mkdir -p "$DIR"
if [ ! -s "$DIR/tls.crt" ] || [ ! -s "$DIR/tls.key" ]; then
  openssl req -x509 -nodes -newkey rsa:2048 -days 365 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
    -keyout "$DIR/tls.key" -out "$DIR/tls.crt" 2>/dev/null
  chmod 600 "$DIR/tls.key"
fi

kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo "Welcome to the shop (served by web)" > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NS}
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${PARAM_INGRESS}
  namespace: ${NS}
spec:
  ingressClassName: nginx
  rules:
    - host: ${HOST}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port: { number: 80 }
YAML
kubectl -n "$NS" rollout status deployment/web --timeout=120s >/dev/null
# The controller serves the new Ingress after its next reload, and the app listens a moment after
# its pod is Running: wait (bounded) until plain HTTP shows the shop's page.
for i in $(seq 1 60); do
  curl -sf --max-time 5 --resolve "$HOST:80:127.0.0.1" "http://$HOST/" 2>/dev/null | grep -q 'served by web' && exit 0
  sleep 1
done
echo "http://$HOST/ did not show the shop's page through the ingress controller within 60 s" >&2
exit 1
