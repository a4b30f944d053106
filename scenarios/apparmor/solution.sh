#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh.
set -euo pipefail

# Load (or replace) the profile in enforce mode: no -C (complain).
apparmor_parser -r /root/k8s-deny-write
grep -x 'k8s-deny-write (enforce)' /sys/kernel/security/apparmor/profiles

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
      securityContext:
        appArmorProfile:
          type: Localhost
          localhostProfile: k8s-deny-write
YAML
# Security settings of a running Pod cannot be changed in place: replace it.
kubectl delete pod writer -n apparmor-lab --ignore-not-found --wait=true
kubectl apply -f /root/writer.yaml
kubectl wait pod/writer -n apparmor-lab --for=condition=Ready --timeout=180s
kubectl exec -n apparmor-lab writer -- cat /proc/1/attr/current
