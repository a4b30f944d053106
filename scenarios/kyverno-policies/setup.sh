#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf) of the kyverno lab, whose
# bootstrap installed Kyverno v1.18.2. Leaves: the team namespace, and a colleague's draft
# ClusterPolicy disallow-latest-tag that only reports (Audit) and looks at containers only.
set -euo pipefail
NS=${PARAM_APP_NAMESPACE:-team-a}
for d in kyverno-admission-controller kyverno-background-controller; do
  kubectl -n kyverno rollout status "deployment/$d" --timeout=120s >/dev/null
done
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-latest-tag
  annotations:
    policies.kyverno.io/description: Draft — images must be pinned to a version.
spec:
  background: true
  rules:
    - name: validate-image-tag
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: "Using a mutable image tag e.g. 'latest' is not allowed."
        pattern:
          spec:
            containers:
              - image: "!*:latest"
YAML
kubectl wait clusterpolicy/disallow-latest-tag --for=condition=Ready --timeout=60s >/dev/null
