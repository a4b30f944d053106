#!/usr/bin/env bash
# Reference solution (idempotent): per tenant a quota, a LimitRange, an isolating NetworkPolicy,
# Pod Security baseline enforced, and the tenant's user admin of its own namespace only.
set -euo pipefail
kubectl delete clusterrolebinding tenant-admins --ignore-not-found >/dev/null
for pair in "$PARAM_TENANT_A:$PARAM_USER_A" "$PARAM_TENANT_B:$PARAM_USER_B"; do
  ns=${pair%%:*}
  user=${pair##*:}
  kubectl label namespace "$ns" pod-security.kubernetes.io/enforce=baseline --overwrite >/dev/null
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ResourceQuota
metadata: { name: tenant-quota, namespace: $ns }
spec:
  hard: { pods: '10', requests.cpu: '1', requests.memory: 1Gi, limits.cpu: '2', limits.memory: 2Gi }
---
apiVersion: v1
kind: LimitRange
metadata: { name: tenant-limits, namespace: $ns }
spec:
  limits:
    - type: Container
      default: { cpu: 500m, memory: 256Mi }
      defaultRequest: { cpu: 100m, memory: 128Mi }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: tenant-isolation, namespace: $ns }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ podSelector: {} }]
  egress:
    - to: [{ podSelector: {} }]
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
          podSelector: { matchLabels: { k8s-app: kube-dns } }
      ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: tenant-admin, namespace: $ns }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: $user }
YAML
done
