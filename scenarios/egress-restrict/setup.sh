#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Namespace checkout (Deployment checkout, Pod cron) may talk to everything. Around it:
# Services payments and ledger (namespace payments, port 8443), inventory (namespace inventory,
# port 8080), and a stand-in for a server on the internet at 203.0.113.10:80 (TEST-NET-3, never
# routed on the real internet): Pod outside-world/www holds the address on its loopback
# (NET_ADMIN) and serves it with busybox httpd; Pod outside-world/route (hostNetwork, NET_ADMIN)
# routes 203.0.113.10/32 on the node into that pod's veth (kindnet's ptp routes are scope host,
# hence `onlink`). The node forwards the packets, so kindnet polices them as traffic to an address
# outside the cluster; a lab host without internet access still has something outside to reach.
set -euo pipefail
for ns in checkout payments inventory outside-world; do
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
done
kubectl -n checkout delete networkpolicy --all >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: { name: www, namespace: outside-world, labels: { app: www } }
spec:
  containers:
    - name: http
      image: busybox:1.36.1
      securityContext: { capabilities: { add: [NET_ADMIN] } }
      command: [sh, -c, 'ip addr add 203.0.113.10/32 dev lo; mkdir -p /www && echo a server outside the cluster > /www/index.html && exec httpd -f -p 80 -h /www']
YAML
kubectl -n outside-world wait --for=condition=Ready pod/www --timeout=120s >/dev/null
WWW_IP=$(kubectl -n outside-world get pod www -o jsonpath='{.status.podIP}')
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: { name: route, namespace: outside-world, labels: { app: route } }
spec:
  hostNetwork: true
  containers:
    - name: route
      image: busybox:1.36.1
      securityContext: { capabilities: { add: [NET_ADMIN] } }
      env: [{ name: WWW_POD_IP, value: "${WWW_IP}" }]
      command:
        - sh
        - -c
        - |
          set -e
          dev=\$(ip -o route get "\$WWW_POD_IP" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
          test -n "\$dev"
          while true; do
            ip route replace 203.0.113.10/32 via "\$WWW_POD_IP" dev "\$dev" onlink
            sleep 30
          done
YAML
server() { # namespace name port
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: $2, namespace: $1, labels: { app: $2 } }
spec:
  replicas: 1
  selector: { matchLabels: { app: $2 } }
  template:
    metadata: { labels: { app: $2 } }
    spec:
      containers:
        - name: server
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo $2 > /www/index.html && exec httpd -f -p $3 -h /www']
          ports: [{ name: http, containerPort: $3 }]
---
apiVersion: v1
kind: Service
metadata: { name: $2, namespace: $1 }
spec:
  selector: { app: $2 }
  ports: [{ name: http, port: $3, targetPort: http }]
---
YAML
}
{ server payments payments 8443; server payments ledger 8443; server inventory inventory 8080; } | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: checkout, namespace: checkout, labels: { app: checkout } }
spec:
  replicas: 1
  selector: { matchLabels: { app: checkout } }
  template:
    metadata: { labels: { app: checkout } }
    spec:
      containers:
        - { name: checkout, image: busybox:1.36.1, command: [sleep, '86400'] }
---
apiVersion: v1
kind: Pod
metadata: { name: cron, namespace: checkout, labels: { app: cron } }
spec:
  containers:
    - { name: cron, image: busybox:1.36.1, command: [sleep, '86400'] }
YAML
kubectl -n outside-world wait --for=condition=Ready pod/route --timeout=120s >/dev/null
for d in payments/payments payments/ledger inventory/inventory checkout/checkout; do
  kubectl -n "${d%/*}" rollout status "deployment/${d#*/}" --timeout=120s >/dev/null
done
kubectl -n checkout wait --for=condition=Ready pod/cron --timeout=120s >/dev/null
# The outside stand-in must answer before the learner starts: refuse loudly when it does not.
for _ in $(seq 1 30); do
  if kubectl -n checkout exec cron -- wget -q -O- -T 2 http://203.0.113.10/ >/dev/null 2>&1; then
    echo "setup done: namespace checkout reaches everything, 203.0.113.10 included"
    exit 0
  fi
  sleep 2
done
echo "setup failed: the outside stand-in at 203.0.113.10:80 does not answer from checkout/cron" >&2
exit 1
