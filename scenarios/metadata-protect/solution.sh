#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, KUBECONFIG=/etc/kubernetes/admin.conf):
# every pod in apps may reach any address except 169.254.169.254; pods labelled
# role=metadata-accessor get it back (policies add up); node-agent becomes such a pod.
set -euo pipefail
kubectl -n apps label pod node-agent role=metadata-accessor --overwrite
kubectl apply -f - <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-metadata, namespace: apps }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [169.254.169.254/32]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-metadata-accessors, namespace: apps }
spec:
  podSelector: { matchLabels: { role: metadata-accessor } }
  policyTypes: [Egress]
  egress:
    - to: [{ ipBlock: { cidr: 169.254.169.254/32 } }]
      ports: [{ protocol: TCP, port: 80 }]
YAML
