#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). The `upgrade` lab already
# holds the starting state (v1.34.0 everywhere, packages held, the target's packages and images
# staged; its bootstrap proved it); this adds a workload on the worker, so draining it has real
# work to do, and refuses to start from anything but v1.34.0.
set -euo pipefail
[ "$(kubeadm version -o short)" = v1.34.0 ] || { echo "setup: kubeadm is $(kubeadm version -o short), expected v1.34.0" >&2; exit 1; }
[ "$(kubectl version -o json | jq -r .serverVersion.gitVersion)" = v1.34.0 ] || { echo "setup: the cluster is not at v1.34.0" >&2; exit 1; }
kubectl create namespace shop --dry-run=client -o yaml | kubectl apply -f -
kubectl -n shop create deployment web --image=nginx:1.27.5 --replicas=2 --dry-run=client -o yaml | kubectl apply -f -
kubectl -n shop rollout status deployment/web --timeout=120s
