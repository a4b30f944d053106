#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh.
set -euo pipefail

# The handler name is the runtime's name in containerd's config: [... .containerd.runtimes.runsc].
grep -q 'runtimes.runsc' /etc/containerd/config.toml

cat > /root/gvisor/runtimeclass.yaml <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
YAML
kubectl apply -f /root/gvisor/runtimeclass.yaml

cat > /root/gvisor/untrusted.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: untrusted
  namespace: sandbox
spec:
  runtimeClassName: gvisor
  containers:
    - name: app
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'untrusted workload started'; sleep 3600"]
YAML
# A Pod's runtimeClassName cannot be changed in place: replace it.
kubectl delete pod untrusted -n sandbox --ignore-not-found --wait=true
kubectl apply -f /root/gvisor/untrusted.yaml
kubectl wait pod/untrusted -n sandbox --for=condition=Ready --timeout=180s
kubectl exec -n sandbox untrusted -- dmesg >/dev/null
