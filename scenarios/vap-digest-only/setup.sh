#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Namespaces prod and dev; Deployment shop in prod runs its image by tag; a colleague's draft
# policy (containers only) bound to the wrong namespace.
set -euo pipefail
for ns in prod dev; do kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null; done
kubectl delete validatingadmissionpolicybinding --all >/dev/null 2>&1 || true
kubectl delete validatingadmissionpolicy --all >/dev/null 2>&1 || true
kubectl -n prod create deployment shop --image=nginx:1.27.3 --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n prod rollout status deployment/shop --timeout=120s >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: digest-only
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["pods"]
  validations:
  - expression: "object.spec.containers.all(c, c.image.contains('@sha256:'))"
    message: "containers must use an image pinned by digest (@sha256:...)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: digest-only-prod
spec:
  policyName: digest-only
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: dev
YAML
