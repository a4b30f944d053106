#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Leaves the untrusted workload running with the default runtime (runc) and no RuntimeClass.
set -euo pipefail

kubectl delete runtimeclass gvisor --ignore-not-found >/dev/null
kubectl get namespace sandbox >/dev/null 2>&1 || kubectl create namespace sandbox
kubectl delete pod untrusted -n sandbox --ignore-not-found --wait=true >/dev/null

mkdir -p /root/gvisor
cat > /root/gvisor/untrusted.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: untrusted
  namespace: sandbox
spec:
  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'untrusted workload started'; sleep 3600"]
YAML
kubectl apply -f /root/gvisor/untrusted.yaml
kubectl wait pod/untrusted -n sandbox --for=condition=Ready --timeout=120s >/dev/null
echo "setup done: Pod sandbox/untrusted runs with the default runtime; its manifest is /root/gvisor/untrusted.yaml"
