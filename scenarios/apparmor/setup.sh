#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Puts the profile's source on the node (not loaded) and runs the Pod unconfined by it.
set -euo pipefail

# The profile's source first: `apparmor_parser -R` reads the profile's name from it.
cat > /root/k8s-deny-write <<'PROFILE'
#include <tunables/global>

profile k8s-deny-write flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
PROFILE

# Start clean. Profiles live in the host's kernel, not in the node: one that an earlier learner on
# this host loaded is still loaded now, and task 1 would pass before the learner did anything.
PROFILES=/sys/kernel/security/apparmor/profiles
if grep -q '^k8s-deny-write ' "$PROFILES"; then
  apparmor_parser -R /root/k8s-deny-write
fi
if grep -q '^k8s-deny-write ' "$PROFILES"; then
  echo "setup: the AppArmor profile k8s-deny-write is still loaded in the host kernel and could not be unloaded" >&2
  exit 1
fi

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
