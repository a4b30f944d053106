#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
# Every kube-linter finding fixed at its cause (no ignore annotations), kubesec's hardening points
# earned (read-only root with an emptyDir where the app writes, non-root high uid/gid, ALL
# capabilities dropped, requests and limits), the password from the Secret; then applied.
set -euo pipefail
NS=$PARAM_NAMESPACE
APP=$PARAM_DEPLOYMENT
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
          image: busybox:1.36.1
          # The app keeps a heartbeat file under /tmp/app.
          command: [sh, -c, 'mkdir -p /tmp/app && while true; do date > /tmp/app/heartbeat; sleep 5; done']
          env:
            - name: DB_SECRET
              valueFrom:
                secretKeyRef:
                  name: $APP-db
                  key: password
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 10001
            runAsGroup: 10001
            capabilities:
              drop: [ALL]
          resources:
            requests:
              cpu: 50m
              memory: 32Mi
            limits:
              cpu: 100m
              memory: 64Mi
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
YAML
kubectl apply -f "$PARAM_MANIFEST" >/dev/null
kubectl -n "$NS" rollout status "deployment/$APP" --timeout=120s >/dev/null
