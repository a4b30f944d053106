#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
# 1. Enforce the restricted standard in team-red (kubectl warns about the Pods already violating it).
kubectl label namespace team-red pod-security.kubernetes.io/enforce=restricted --overwrite
# 2. A Pod template that meets restricted: non-root, no privilege escalation, every capability
#    dropped, the runtime's default seccomp profile. busybox's image runs as root, so name a user.
kubectl apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: team-red
spec:
  replicas: 2
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: { type: RuntimeDefault }
      containers:
      - name: api
        image: busybox:1.36.1
        command: ["sh", "-c", "echo api ready; while true; do sleep 3600; done"]
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: { drop: ["ALL"] }
YAML
kubectl -n team-red rollout status deployment/api --timeout=120s
