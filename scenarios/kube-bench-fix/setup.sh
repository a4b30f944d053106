#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Leaves the FAILs the
# README lists. kubeadm writes the manifests 0600 and etcd's data dir 0700 owned by root:root
# (there is no etcd user on a kind node), and no component sets --profiling (default: on); so
# 1.1.12, 1.2.15, 1.3.2 and 1.4.1 fail as kind made them, the others are loosened here. A mode
# change does not restart a static pod.
set -euo pipefail
chmod 644 /etc/kubernetes/manifests/kube-controller-manager.yaml /etc/kubernetes/manifests/kube-scheduler.yaml
chmod 755 /var/lib/etcd
