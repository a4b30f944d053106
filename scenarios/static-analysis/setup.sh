#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The app's namespace, the Secret that holds its database password, and the deliberately bad
# manifest at $PARAM_MANIFEST — written and applied, so the bad version is what runs.
set -euo pipefail
NS=$PARAM_NAMESPACE
APP=$PARAM_DEPLOYMENT
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create secret generic "$APP-db" --from-literal=password=Vq3-lm8Tz4 \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
mkdir -p "$(dirname "$PARAM_MANIFEST")"
rm -f "$(dirname "$PARAM_MANIFEST")/.kube-linter.yaml" "$(dirname "$PARAM_MANIFEST")/.kube-linter.yml"
cat > "$PARAM_MANIFEST" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $APP
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels:
      app: $APP
  template:
    metadata:
      labels:
        app: $APP
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: $APP
          image: busybox:latest
          imagePullPolicy: IfNotPresent
          # The app keeps a heartbeat file under /tmp/app.
          command: [sh, -c, 'mkdir -p /tmp/app && while true; do date > /tmp/app/heartbeat; sleep 5; done']
          env:
            - name: DB_SECRET
              value: Vq3-lm8Tz4
          securityContext:
            privileged: true
            capabilities:
              add: [NET_ADMIN]
YAML
kubectl apply -f "$PARAM_MANIFEST" >/dev/null
kubectl -n "$NS" rollout status "deployment/$APP" --timeout=120s >/dev/null
