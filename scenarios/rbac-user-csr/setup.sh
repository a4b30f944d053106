#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The namespace the new user will read, something in it (a Secret she must not see), and no trace
# of the user yet: no CSR, no bindings, no kubeconfig.
set -euo pipefail
U=$PARAM_USER
NS=$PARAM_NAMESPACE
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create configmap app-config --from-literal=LOG_LEVEL=info --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create secret generic db-password --from-literal=password=s3cr3t --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl delete csr "$U" --ignore-not-found >/dev/null
for ns in "$NS" default; do
  kubectl -n "$ns" get rolebindings -o name | while read -r rb; do
    if kubectl -n "$ns" get "$rb" -o jsonpath='{range .subjects[*]}{.name}{"\n"}{end}' | grep -qx -e "$U" -e "$PARAM_GROUP"; then kubectl -n "$ns" delete "$rb" >/dev/null; fi
  done
done
rm -f "/root/$U.kubeconfig" "/root/$U.key" "/root/$U.csr" "/root/$U.crt"
