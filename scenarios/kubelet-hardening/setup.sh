#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Loosens the kubelet the
# way real clusters get it wrong: requests without credentials accepted (anonymous), bearer tokens
# not reviewed, every request authorized (AlwaysAllow), the unauthenticated read-only port 10255
# open. Then restarts the kubelet and waits until it serves with that config and the node is Ready.
set -euo pipefail
CONFIG=/var/lib/kubelet/config.yaml
NODE=$(cat /etc/hostname)

# A ServiceAccount with no RBAC at all: what may it do on the kubelet?
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: node-inspector
  namespace: default
YAML

# kubeadm's file has authentication.anonymous.enabled, authentication.webhook.enabled and
# authorization.mode: rewrite those values in place, and add readOnlyPort.
sed -E -i \
  -e '/^authentication:$/,/^[A-Za-z]/ { /^  anonymous:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\1 true/ }' \
  -e '/^authentication:$/,/^[A-Za-z]/ { /^  webhook:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\1 false/ }' \
  -e '/^authorization:$/,/^[A-Za-z]/ s/^(  mode:).*$/\1 AlwaysAllow/' \
  -e '/^readOnlyPort:/d' \
  "$CONFIG"
echo 'readOnlyPort: 10255' >> "$CONFIG"
grep -q '^  mode: AlwaysAllow$' "$CONFIG"

systemctl restart kubelet
for i in $(seq 1 90); do
  if curl -s -o /dev/null http://127.0.0.1:10255/healthz \
    && [ "$(kubectl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; then
    exit 0
  fi
  sleep 1
done
echo "the kubelet did not come back with the loosened config" >&2
exit 1
