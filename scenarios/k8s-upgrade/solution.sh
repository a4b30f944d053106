#!/usr/bin/env bash
# Reference solution (kubernetes.io "Upgrading kubeadm clusters"), run on the control-plane node;
# the worker's steps run there through ssh, as a learner does. Idempotent: a step already done is
# done again harmlessly or skipped.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf DEBIAN_FRONTEND=noninteractive
T=$PARAM_TARGET
P=$PARAM_PACKAGE
CP=$(kubectl get nodes -l node-role.kubernetes.io/control-plane -o jsonpath='{.items[0].metadata.name}')
W=$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[0].metadata.name}')
ready() { # wait for node $1 to be Ready with kubelet $T
  for _ in $(seq 1 90); do
    [ "$(kubectl get node "$1" -o jsonpath='{.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}')" = "$T True" ] && return 0
    sleep 1
  done
  echo "node $1 did not come back Ready with kubelet $T" >&2
  return 1
}

# Control plane: kubeadm first, then the control plane, then its kubelet.
apt-mark unhold kubeadm
apt-get update -qq
apt-get install -y -qq "kubeadm=$P"
apt-mark hold kubeadm
kubeadm version -o short
if [ "$(kubectl version -o json | jq -r .serverVersion.gitVersion)" != "$T" ]; then
  kubeadm upgrade plan
  kubeadm upgrade apply "$T" -y
fi
kubectl drain "$CP" --ignore-daemonsets --delete-emptydir-data
apt-mark unhold kubelet kubectl
apt-get install -y -qq "kubelet=$P" "kubectl=$P"
apt-mark hold kubelet kubectl
systemctl daemon-reload
systemctl restart kubelet
ready "$CP"
kubectl uncordon "$CP"

# Worker: kubeadm, `kubeadm upgrade node`, drained from here, kubelet, back into scheduling.
ssh worker "set -e; export DEBIAN_FRONTEND=noninteractive; apt-mark unhold kubeadm; apt-get update -qq; apt-get install -y -qq kubeadm=$P; apt-mark hold kubeadm; kubeadm upgrade node"
kubectl drain "$W" --ignore-daemonsets --delete-emptydir-data
ssh worker "set -e; export DEBIAN_FRONTEND=noninteractive; apt-mark unhold kubelet kubectl; apt-get install -y -qq kubelet=$P kubectl=$P; apt-mark hold kubelet kubectl; systemctl daemon-reload; systemctl restart kubelet"
ready "$W"
kubectl uncordon "$W"
kubectl get nodes
