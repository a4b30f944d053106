#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Leaves a draft Pod manifest without a RuntimeClass; nothing of the solution exists yet.
set -euo pipefail

kubectl delete runtimeclass kata --ignore-not-found >/dev/null
kubectl get namespace kata-lab >/dev/null 2>&1 || kubectl create namespace kata-lab
kubectl delete pod isolated -n kata-lab --ignore-not-found --wait=true >/dev/null

mkdir -p /root/kata
cat > /root/kata/isolated.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: isolated
  namespace: kata-lab
spec:
  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]
YAML
if test -c /dev/kvm && command -v containerd-shim-kata-v2 >/dev/null; then
  echo "setup done: this node offers /dev/kvm and Kata — the VM will be graded"
else
  echo "setup done: this node has no /dev/kvm or no Kata runtime — the RuntimeClass and Pod spec are graded, the VM task is skipped"
fi
