#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Creates the namespace the learner will use and a Secret that exists BEFORE encryption is turned on:
# it stays in plain text in etcd until it is written again.
set -euo pipefail

kubectl get namespace vault >/dev/null 2>&1 || kubectl create namespace vault
kubectl delete secret db-credentials -n vault --ignore-not-found >/dev/null
kubectl delete secret legacy-token -n default --ignore-not-found >/dev/null
kubectl create secret generic legacy-token -n default --from-literal=token=legacy-plaintext-token-7f3a
echo "setup done: Secret default/legacy-token is stored in etcd as plain text"
