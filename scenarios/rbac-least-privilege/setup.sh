#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The CI deployer's ServiceAccount, wrongly bound to cluster-admin, and something it deploys.
set -euo pipefail
kubectl create namespace ci --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n ci create serviceaccount deployer --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create clusterrolebinding deployer-admin --clusterrole=cluster-admin --serviceaccount=ci:deployer --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n ci create deployment web --image=nginx:1.27.3 --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n ci create secret generic registry-token --from-literal=token=s3cr3t --dry-run=client -o yaml | kubectl apply -f - >/dev/null
