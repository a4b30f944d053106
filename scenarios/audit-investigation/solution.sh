#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, KUBECONFIG=/etc/kubernetes/admin.conf).
set -euo pipefail
LOG=/var/log/kubernetes/audit/audit.log
SA=system:serviceaccount:payments:report-generator

# 1. The Secrets the ServiceAccount got back: get, ResponseComplete, code 200 (namespace/name).
read_secrets=$(jq -r --arg sa "$SA" 'select(.user.username == $sa and .verb == "get" and .stage == "ResponseComplete"
    and .objectRef.resource == "secrets" and .responseStatus.code == 200) | "\(.objectRef.namespace)/\(.objectRef.name)"' "$LOG" | sort -u)
echo "read by $SA:" $read_secrets

# 2. Rotate each: a new random value for key password.
for s in $read_secrets; do
  new=$(head -c 24 /dev/urandom | base64 | tr -d '\n')
  kubectl -n "${s%/*}" patch secret "${s#*/}" --type merge -p "{\"data\":{\"password\":\"$(printf '%s' "$new" | base64 | tr -d '\n')\"}}"
done

# 3. Every RoleBinding or ClusterRoleBinding whose subjects name the ServiceAccount.
kubectl get rolebindings,clusterrolebindings -A -o json |
  jq -r '.items[] | select(any(.subjects[]?; .kind == "ServiceAccount" and .name == "report-generator" and .namespace == "payments"))
    | "\(.kind) \(.metadata.name) \(.metadata.namespace // "")"' |
  while read -r kind name ns; do
    kubectl delete "${kind,,}" "$name" ${ns:+--namespace "$ns"}
  done
