#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
CONFIG=/var/lib/kubelet/config.yaml
NODE=$(cat /etc/hostname)

# Keep a copy outside the kubelet's folder before editing.
cp "$CONFIG" /root/kubelet-config.yaml.bak

# 1. No anonymous requests; 2. tokens reviewed by the API server, requests authorized by it
#    (Webhook); 3. no read-only port (0 = none).
sed -E -i \
  -e '/^authentication:$/,/^[A-Za-z]/ { /^  anonymous:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\1 false/ }' \
  -e '/^authentication:$/,/^[A-Za-z]/ { /^  webhook:$/,/^ {0,2}[A-Za-z]/ s/^(    enabled:).*$/\1 true/ }' \
  -e '/^authorization:$/,/^[A-Za-z]/ s/^(  mode:).*$/\1 Webhook/' \
  -e 's/^readOnlyPort:.*$/readOnlyPort: 0/' \
  "$CONFIG"
grep -q '^readOnlyPort:' "$CONFIG" || echo 'readOnlyPort: 0' >> "$CONFIG"

# The kubelet reads its config only when it starts.
systemctl restart kubelet
for i in $(seq 1 90); do
  CODE=$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:10250/pods || true)
  if [ "$CODE" = 401 ] \
    && [ "$(kubectl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; then
    exit 0
  fi
  sleep 1
done
echo "the kubelet did not come back hardened and Ready" >&2
systemctl status kubelet >&2 || true
exit 1
