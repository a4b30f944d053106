#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Idempotent.
# The objects the grader's own requests use: it reads the Secrets and patches the ConfigMaps with
# the value they already hold (data.probe=audit), so grading leaves the cluster as it found it.
set -euo pipefail
NS=$PARAM_NAMESPACE
apply() { kubectl apply -f - >/dev/null; }

kubectl create namespace "$NS" --dry-run=client -o yaml | apply
PASSWORD=$(printf '%s' "$PARAM_SECRET_VALUE" | base64 -d)
kubectl -n "$NS" create secret generic "$PARAM_SECRET" --from-literal=username=ledger --from-literal=password="$PASSWORD" --dry-run=client -o yaml | apply
kubectl -n default create secret generic "$PARAM_OTHER_SECRET" --from-literal=token=vault-root-token-19 --dry-run=client -o yaml | apply
for ns in "$NS" default; do
  kubectl -n "$ns" create configmap "$PARAM_PROBE_CONFIG_MAP" --from-literal=probe=audit --dry-run=client -o yaml | apply
done
kubectl -n "$NS" create configmap invoice-settings --from-literal=currency=EUR --from-literal=retention-days=3650 --dry-run=client -o yaml | apply
echo "setup done: kube-apiserver runs without auditing; namespace $NS holds Secret $PARAM_SECRET and ConfigMaps"
