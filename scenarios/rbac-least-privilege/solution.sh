#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, KUBECONFIG=/etc/kubernetes/admin.conf).
set -euo pipefail
kubectl delete clusterrolebinding deployer-admin --ignore-not-found
kubectl -n ci create role deployer --verb=get,list,patch --resource=deployments.apps
kubectl -n ci create rolebinding deployer --role=deployer --serviceaccount=ci:deployer
