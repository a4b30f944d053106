#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }

# 1. Add AlwaysPullImages to the plugins kube-apiserver already enables (kubeadm: NodeRestriction).
#    Edit a copy outside /etc/kubernetes/manifests, then write it back in one go.
if ! grep -q -- '--enable-admission-plugins=.*AlwaysPullImages' "$MANIFEST"; then
  OLD_ID=$(apiserver_id)
  sed -E 's/^(    - --enable-admission-plugins=)(.*)$/\1\2,AlwaysPullImages/' "$MANIFEST" > /root/kube-apiserver.yaml.new
  grep -q -- '--enable-admission-plugins=.*AlwaysPullImages' /root/kube-apiserver.yaml.new
  cat /root/kube-apiserver.yaml.new > "$MANIFEST"
  # 2. Wait for the kubelet to start a NEW kube-apiserver that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then echo "kube-apiserver did not come back" >&2; exit 1; fi
    sleep 2
  done
fi

# 3. The existing Pod keeps its old spec: re-create it so admission sets the policy.
kubectl -n billing get pod reports -o yaml > /root/reports.yaml
kubectl replace --force -f /root/reports.yaml >/dev/null
