#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# kind has no cloud metadata service, so the lab brings a stand-in at 169.254.169.254:80:
# - Pod cloud-metadata/metadata-server holds 169.254.169.254 on its own loopback (NET_ADMIN) and
#   serves instance metadata with busybox httpd;
# - Pod cloud-metadata/metadata-route (hostNetwork, NET_ADMIN) routes 169.254.169.254/32 on the
#   node into that pod's veth (kindnet's ptp routes are scope host, hence `onlink`).
# The node forwards the packets, so kindnet polices them as traffic to an address outside the pod
# network — what a NetworkPolicy ipBlock describes. (An address on the node itself would be
# delivered locally, where kindnet's postrouting hook never sees it.)
# Then namespace apps: Deployment and Service api (busybox httpd on 8080), Deployment web, Pod batch
# (role=batch) and Pod node-agent (not yet labelled). No NetworkPolicy: everything reaches everything.
set -euo pipefail
for ns in cloud-metadata apps; do
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
done
kubectl -n apps delete networkpolicy --all >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: { name: metadata-server, namespace: cloud-metadata, labels: { app: metadata-server } }
spec:
  containers:
    - name: http
      image: busybox:1.36.1
      securityContext: { capabilities: { add: [NET_ADMIN] } }
      command:
        - sh
        - -c
        - |
          ip addr add 169.254.169.254/32 dev lo
          mkdir -p /www/latest/meta-data/iam/security-credentials
          echo i-0c5lab0metadata > /www/latest/meta-data/instance-id
          echo cks-node-role > /www/latest/meta-data/iam/security-credentials/index.html
          echo 'instance metadata (CKS Lab stand-in)' > /www/index.html
          exec httpd -f -p 80 -h /www
YAML
kubectl -n cloud-metadata wait --for=condition=Ready pod/metadata-server --timeout=120s >/dev/null
META_IP=$(kubectl -n cloud-metadata get pod metadata-server -o jsonpath='{.status.podIP}')
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: { name: metadata-route, namespace: cloud-metadata, labels: { app: metadata-route } }
spec:
  hostNetwork: true
  containers:
    - name: route
      image: busybox:1.36.1
      securityContext: { capabilities: { add: [NET_ADMIN] } }
      env: [{ name: METADATA_POD_IP, value: "${META_IP}" }]
      command:
        - sh
        - -c
        - |
          set -e
          dev=\$(ip -o route get "\$METADATA_POD_IP" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
          test -n "\$dev"
          while true; do
            ip route replace 169.254.169.254/32 via "\$METADATA_POD_IP" dev "\$dev" onlink
            sleep 30
          done
YAML
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: apps, labels: { app: api } }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo apps api > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: apps }
spec:
  selector: { app: api }
  ports: [{ name: http, port: 8080, targetPort: http }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: apps, labels: { app: web } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - { name: web, image: busybox:1.36.1, command: [sleep, '86400'] }
---
apiVersion: v1
kind: Pod
metadata: { name: batch, namespace: apps, labels: { app: batch, role: batch } }
spec:
  containers:
    - { name: batch, image: busybox:1.36.1, command: [sleep, '86400'] }
---
apiVersion: v1
kind: Pod
metadata: { name: node-agent, namespace: apps, labels: { app: node-agent } }
spec:
  containers:
    - { name: agent, image: busybox:1.36.1, command: [sleep, '86400'] }
YAML
kubectl -n cloud-metadata wait --for=condition=Ready pod/metadata-route --timeout=120s >/dev/null
kubectl -n apps rollout status deployment/api --timeout=120s >/dev/null
kubectl -n apps rollout status deployment/web --timeout=120s >/dev/null
kubectl -n apps wait --for=condition=Ready pod/batch pod/node-agent --timeout=120s >/dev/null
# The stand-in must answer before the learner starts: refuse loudly when it does not.
for _ in $(seq 1 30); do
  if kubectl -n apps exec node-agent -- wget -q -O- -T 2 http://169.254.169.254/latest/meta-data/instance-id >/dev/null 2>&1; then
    echo "setup done: 169.254.169.254 answers every pod in apps"
    exit 0
  fi
  sleep 2
done
echo "setup failed: the metadata stand-in at 169.254.169.254:80 does not answer from apps/node-agent" >&2
exit 1
