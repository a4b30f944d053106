#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
M=/etc/kubernetes/manifests
apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }

# 1.1.3, 1.1.5: manifests readable and writable by root only.
chmod 600 "$M/kube-controller-manager.yaml" "$M/kube-scheduler.yaml"

# 1.1.11, 1.1.12: etcd's data dir (its --data-dir) 700, owned by a user and group named etcd.
DATA_DIR=$(sed -n 's/^ *- --data-dir=//p' "$M/etcd.yaml" | head -n1)
DATA_DIR=${DATA_DIR:-/var/lib/etcd}
id -u etcd >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin etcd
chmod 700 "$DATA_DIR"
chown etcd:etcd "$DATA_DIR"

# 1.2.15, 1.3.2, 1.4.1: --profiling=false in each component's command, right after the binary.
# Edit a copy outside the manifests dir and write it back in one go (the kubelet never sees half a file).
add_flag() { # <manifest> <binary>
  grep -q -- '--profiling=false' "$1" && return 0
  sed -E "s/^( *)- $2\$/&\n\1- --profiling=false/" "$1" > "/root/$(basename "$1").new"
  grep -q -- '--profiling=false' "/root/$(basename "$1").new"
  cat "/root/$(basename "$1").new" > "$1"
  rm -f "/root/$(basename "$1").new"
}
OLD_ID=$(apiserver_id)
add_flag "$M/kube-controller-manager.yaml" kube-controller-manager
add_flag "$M/kube-scheduler.yaml" kube-scheduler
if ! grep -q -- '--profiling=false' "$M/kube-apiserver.yaml"; then
  add_flag "$M/kube-apiserver.yaml" kube-apiserver
  # Wait for the kubelet to start a NEW kube-apiserver that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then echo "kube-apiserver did not come back" >&2; exit 1; fi
    sleep 2
  done
fi
# kube-bench reads the running processes' flags: wait until the restarted components show them.
for i in $(seq 1 60); do
  if kube-bench run --targets master --benchmark cis-1.12 --check 1.2.15,1.3.2,1.4.1 --json 2>/dev/null | grep -q '"total_fail":0,'; then exit 0; fi
  sleep 2
done
echo "the control-plane components did not restart with --profiling=false" >&2
exit 1
