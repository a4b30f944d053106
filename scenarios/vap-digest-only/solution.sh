#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
# 1. Move the running workload to a digest first, while nothing refuses tags yet.
kubectl -n prod set image deployment/shop nginx=nginx:1.27.3@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
kubectl -n prod rollout status deployment/shop --timeout=120s
# 2. The policy: every container and init container image pinned by digest. initContainers is
#    optional in a Pod: test it with has() or the expression fails on Pods without it.
kubectl apply -f - <<'YAML'
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
  - expression: "!has(object.spec.initContainers) || object.spec.initContainers.all(c, c.image.contains('@sha256:'))"
    message: "init containers must use an image pinned by digest (@sha256:...)"
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
        kubernetes.io/metadata.name: prod
YAML
