#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh.
set -euo pipefail

cat > /root/kata/runtimeclass.yaml <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: kata
handler: kata
YAML
kubectl apply -f /root/kata/runtimeclass.yaml

cat > /root/kata/isolated.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: isolated
  namespace: kata-lab
spec:
  runtimeClassName: kata
  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]
YAML
kubectl delete pod isolated -n kata-lab --ignore-not-found --wait=true
kubectl apply -f /root/kata/isolated.yaml
# Only a node with /dev/kvm and Kata can start the VM; elsewhere the Pod stays Pending (ContainerCreating).
if test -c /dev/kvm && command -v containerd-shim-kata-v2 >/dev/null; then
  kubectl wait pod/isolated -n kata-lab --for=condition=Ready --timeout=180s
fi
