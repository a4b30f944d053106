#!/usr/bin/env bash
# Reference solution, run on the control-plane node.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
NS=$PARAM_NAMESPACE

# (a) The Secret as a read-only volume with mode 0400 (octal in YAML: 0400 = 256), one key as env.
kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: $NS
spec:
  replicas: 1
  selector:
    matchLabels: { app: app }
  template:
    metadata:
      labels: { app: app }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: busybox:1.36.1
          command: [sh, -c, 'echo app started; sleep 86400']
          env:
            - name: $PARAM_ENV_NAME
              valueFrom:
                secretKeyRef: { name: db-credentials, key: password }
          volumeMounts:
            - { name: db-credentials, mountPath: $PARAM_MOUNT_PATH, readOnly: true }
      volumes:
        - name: db-credentials
          secret:
            secretName: db-credentials
            defaultMode: 0400
YAML
kubectl -n "$NS" rollout status deployment/app --timeout=120s >/dev/null

# (b) The token straight from etcd: etcdctl in the etcd container (no shell there), reached with
# crictl. The value is protobuf: the key name, then a length byte, then the raw value.
ETCD=$(crictl ps --name '^etcd$' --state running -q | head -n1)
crictl exec "$ETCD" etcdctl --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
  --key=/etc/kubernetes/pki/etcd/server.key \
  get "/registry/secrets/$NS/partner-api" --print-value-only \
  | LC_ALL=C tr -cs '[:print:]' '\n' | grep -x -A1 token | tail -n1 > "/root/$PARAM_OUTPUT_NAME"
test -s "/root/$PARAM_OUTPUT_NAME"
