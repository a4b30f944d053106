#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
M=/etc/kubernetes/manifests
PKI=/etc/kubernetes/pki
apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }
# Writes a manifest from a copy outside the manifests dir in one go (the kubelet never sees half a file).
replace() { # <manifest> <new file>
  cat "$2" > "$1"
  rm -f "$2"
}

# 1. etcd: require a client certificate signed by etcd's CA (the CA kube-apiserver's
#    apiserver-etcd-client certificate comes from), on the client port.
if ! grep -qE -- '^ *- --client-cert-auth=true$' "$M/etcd.yaml" || ! grep -qE -- "^ *- --trusted-ca-file=$PKI/etcd/ca.crt\$" "$M/etcd.yaml"; then
  sed -E '/^ *- --client-cert-auth(=.*)?$/d; /^ *- --trusted-ca-file=/d' "$M/etcd.yaml" \
    | sed -E "s#^( *)- etcd\$#&\n\1- --client-cert-auth=true\n\1- --trusted-ca-file=$PKI/etcd/ca.crt#" > /root/etcd.yaml.new
  grep -q -- '--client-cert-auth=true' /root/etcd.yaml.new
  replace "$M/etcd.yaml" /root/etcd.yaml.new
fi
# Wait for the new etcd: a client without a certificate is refused, kube-apiserver's certificate accepted.
for i in $(seq 1 90); do
  if curl -s --max-time 3 --cacert "$PKI/etcd/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
       https://127.0.0.1:2379/health 2>/dev/null | grep -q '"health":"true"' \
     && ! curl -s --max-time 3 --cacert "$PKI/etcd/ca.crt" https://127.0.0.1:2379/health >/dev/null 2>&1; then
    break
  fi
  if [ "$i" -eq 90 ]; then echo "etcd did not come back requiring client certificates" >&2; exit 1; fi
  sleep 2
done

# 2. kube-apiserver: TLS 1.3 or nothing.
if ! grep -qE -- '^ *- --tls-min-version=VersionTLS13$' "$M/kube-apiserver.yaml"; then
  OLD_ID=$(apiserver_id)
  sed -E '/^ *- --tls-min-version(=.*)?$/d' "$M/kube-apiserver.yaml" \
    | sed -E 's/^( *)- kube-apiserver$/&\n\1- --tls-min-version=VersionTLS13/' > /root/kube-apiserver.yaml.new
  grep -q -- '--tls-min-version=VersionTLS13' /root/kube-apiserver.yaml.new
  replace "$M/kube-apiserver.yaml" /root/kube-apiserver.yaml.new
  # Wait for the kubelet to start a NEW kube-apiserver that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then echo "kube-apiserver did not come back" >&2; exit 1; fi
    sleep 2
  done
fi
