#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Puts the profile's source on the node (not loaded) and runs the Pod unconfined by it.
set -euo pipefail

# Start clean: the profile must not be loaded yet.
if grep -q '^k8s-deny-write ' /sys/kernel/security/apparmor/profiles 2>/dev/null; then
  apparmor_parser -R /root/k8s-deny-write 2>/dev/null || true
fi
cat > /root/k8s-deny-write <<'PROFILE'
#include <tunables/global>

profile k8s-deny-write flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
PROFILE

kubectl get namespace apparmor-lab >/dev/null 2>&1 || kubectl create namespace apparmor-lab
kubectl delete pod writer -n apparmor-lab --ignore-not-found --wait=true >/dev/null
cat > /root/writer.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: writer
  namespace: apparmor-lab
spec:
  containers:
    - name: writer
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'writer started'; sleep 3600"]
YAML
kubectl apply -f /root/writer.yaml
kubectl wait pod/writer -n apparmor-lab --for=condition=Ready --timeout=120s >/dev/null
echo "setup done: profile source /root/k8s-deny-write, Pod manifest /root/writer.yaml"
