#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
# The shipper stays an init container (it starts before the app and is stopped after it), but
# with restartPolicy Always it is a native sidecar: the kubelet starts the app once it runs.
kubectl -n shop patch deployment orders --type=json \
  -p '[{"op": "add", "path": "/spec/template/spec/initContainers/0/restartPolicy", "value": "Always"}]'
kubectl -n shop rollout status deployment/orders --timeout=120s
