#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# A namespace whose default ServiceAccount hands every Pod an API token, an app ServiceAccount
# nobody uses yet, and two Pods on the default ServiceAccount: `api` (the app) and `worker`.
set -euo pipefail
NS=$PARAM_NAMESPACE
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create serviceaccount "$PARAM_APP_SERVICE_ACCOUNT" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# The namespace controller creates `default` a moment after the namespace.
for i in $(seq 1 30); do
  kubectl -n "$NS" get serviceaccount default >/dev/null 2>&1 && break
  if [ "$i" -eq 30 ]; then echo "ServiceAccount $NS/default did not appear" >&2; exit 1; fi
  sleep 1
done
for pod in api worker; do
  kubectl -n "$NS" get pod "$pod" >/dev/null 2>&1 && continue
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  namespace: $NS
  labels: { app: $pod }
spec:
  terminationGracePeriodSeconds: 5
  containers:
    - name: $pod
      image: busybox:1.36.1
      command: [sh, -c, 'echo $pod started; sleep 86400']
YAML
done
kubectl -n "$NS" wait --for=condition=Ready pod/api pod/worker --timeout=120s >/dev/null
