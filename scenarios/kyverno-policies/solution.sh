#!/usr/bin/env bash
# Reference solution (idempotent), run on the control-plane node: the draft turned into an Enforce
# policy over every container list that also requires a tag, and a ClusterPolicy that generates a
# default-deny NetworkPolicy in every new Namespace and keeps it in sync.
set -euo pipefail
NAME=${PARAM_NETPOL_NAME:-default-deny}
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-latest-tag
spec:
  background: true
  rules:
    - name: require-image-tag
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        message: "An image tag is required."
        pattern:
          spec:
            containers:
              - image: "*:*"
            =(initContainers):
              - image: "*:*"
            =(ephemeralContainers):
              - image: "*:*"
    - name: validate-image-tag
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        message: "Using a mutable image tag e.g. 'latest' is not allowed."
        pattern:
          spec:
            containers:
              - image: "!*:latest"
            =(initContainers):
              - image: "!*:latest"
            =(ephemeralContainers):
              - image: "!*:latest"
YAML
# {{request.object.metadata.name}} is Kyverno's variable (the new Namespace), not the shell's.
kubectl apply -f - >/dev/null <<YAML
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: default-deny-networkpolicy
spec:
  rules:
    - name: generate-default-deny
      match:
        any:
          - resources:
              kinds: [Namespace]
      generate:
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        name: ${NAME}
        namespace: "{{request.object.metadata.name}}"
        synchronize: true
        data:
          spec:
            podSelector: {}
            policyTypes: [Ingress, Egress]
YAML
for p in disallow-latest-tag default-deny-networkpolicy; do
  kubectl wait "clusterpolicy/$p" --for=condition=Ready --timeout=60s >/dev/null
done
