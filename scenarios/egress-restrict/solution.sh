#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, KUBECONFIG=/etc/kubernetes/admin.conf):
# one policy isolates every pod in checkout for egress and allows exactly DNS (UDP and TCP 53 to
# the kube-dns pods) and the payments pods on 8443.
set -euo pipefail
kubectl apply -f - <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: restrict-egress, namespace: checkout }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
          podSelector: { matchLabels: { k8s-app: kube-dns } }
      ports:
        - { protocol: UDP, port: 53 }
        - { protocol: TCP, port: 53 }
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: payments } }
          podSelector: { matchLabels: { app: payments } }
      ports:
        - { protocol: TCP, port: 8443 }
YAML
