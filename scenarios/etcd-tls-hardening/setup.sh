#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Leaves etcd as it is
# found on hand-built clusters: its client port speaks TLS but asks no client for a certificate
# (no --client-cert-auth, no --trusted-ca-file; the peer settings stay). kube-apiserver is left
# as kubeadm writes it: no --tls-min-version, so it accepts TLS 1.2 (Go's and v1.34's default).
set -euo pipefail
M=/etc/kubernetes/manifests
CA=/etc/kubernetes/pki/etcd/ca.crt
if grep -qE -- '^ *- --(client-cert-auth|trusted-ca-file)(=|$)' "$M/etcd.yaml"; then
  # Edit a copy outside the manifests dir and write it back in one go (the kubelet never sees half a file).
  sed -E '/^ *- --client-cert-auth(=.*)?$/d; /^ *- --trusted-ca-file=/d' "$M/etcd.yaml" > /root/etcd.yaml.new
  cat /root/etcd.yaml.new > "$M/etcd.yaml"
  rm -f /root/etcd.yaml.new
fi
# The kubelet replaces the etcd pod: wait until the new one answers a client WITHOUT a certificate
# and kube-apiserver is ready again.
for i in $(seq 1 90); do
  if curl -sf --max-time 3 --cacert "$CA" https://127.0.0.1:2379/health >/dev/null 2>&1 && kubectl get --raw=/readyz >/dev/null 2>&1; then
    echo "setup done: etcd serves any TLS client, kube-apiserver accepts TLS 1.2"
    exit 0
  fi
  sleep 2
done
echo "etcd did not come back without client certificate authentication" >&2
exit 1
