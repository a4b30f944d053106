#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# A Pod that pulls only when the image is missing, created before AlwaysPullImages exists.
set -euo pipefail
kubectl create namespace billing --dry-run=client -o yaml | kubectl apply -f - >/dev/null
if ! kubectl -n billing get pod reports >/dev/null 2>&1; then
  kubectl -n billing run reports --image=nginx:1.27.3 --image-pull-policy=IfNotPresent >/dev/null
fi
