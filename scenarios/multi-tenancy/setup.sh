#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Two tenants share the cluster: each namespace runs an app (busybox httpd behind a Service) and a
# client pod (busybox: nc, wget, nslookup). Nothing isolates them yet: no quota, no LimitRange,
# no NetworkPolicy, no Pod Security label — and one ClusterRoleBinding makes both tenants' users
# admin of every namespace.
set -euo pipefail
for pair in "$PARAM_TENANT_A:$PARAM_USER_A" "$PARAM_TENANT_B:$PARAM_USER_B"; do
  ns=${pair%%:*}
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$ns" delete networkpolicy,resourcequota,limitrange --all >/dev/null
  kubectl -n "$ns" delete rolebinding --all >/dev/null
  kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: $ns, labels: { app: app } }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      containers:
        - name: web
          image: busybox:1.36.1
          command: [sh, -c, 'mkdir -p /www && echo $ns app > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: app, namespace: $ns }
spec:
  selector: { app: app }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: $ns, labels: { app: client } }
spec:
  containers:
    - name: shell
      image: busybox:1.36.1
      command: [sleep, '86400']
YAML
done
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: tenant-admins }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: $PARAM_USER_A }
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: $PARAM_USER_B }
YAML
for ns in "$PARAM_TENANT_A" "$PARAM_TENANT_B"; do
  kubectl -n "$ns" rollout status deployment/app --timeout=120s >/dev/null
  kubectl -n "$ns" wait --for=condition=Ready pod/client --timeout=120s >/dev/null
done
echo "setup done: $PARAM_TENANT_A and $PARAM_TENANT_B share everything"
