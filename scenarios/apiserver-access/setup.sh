#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Opens kube-apiserver up:
# anonymous auth explicitly on with a binding that lets system:anonymous read, AlwaysAllow after
# Node,RBAC, NodeRestriction dropped from the admission plugins, Service kubernetes a NodePort.
set -euo pipefail
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: debug-read-all
rules:
  - apiGroups: ['', apps]
    resources: [namespaces, nodes, pods, services, configmaps, deployments]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: debug-anonymous-read
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: debug-read-all
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: system:anonymous
YAML
kubectl -n default patch service kubernetes -p '{"spec":{"type":"NodePort"}}' >/dev/null

# Edit a copy outside the manifests folder, then write it back in one go (no copy is left behind).
sed -E \
  -e '/^    - --anonymous-auth=/d' \
  -e 's/^(    - kube-apiserver)$/\1\n    - --anonymous-auth=true/' \
  -e 's/^(    - --authorization-mode=).*$/\1Node,RBAC,AlwaysAllow/' \
  -e 's/^(    - --enable-admission-plugins=).*$/\1LimitRanger,ResourceQuota/' \
  "$MANIFEST" > /tmp/kube-apiserver.yaml.new
grep -q -- '--anonymous-auth=true' /tmp/kube-apiserver.yaml.new
grep -q -- '--authorization-mode=Node,RBAC,AlwaysAllow' /tmp/kube-apiserver.yaml.new
grep -q -- '--enable-admission-plugins=LimitRanger,ResourceQuota$' /tmp/kube-apiserver.yaml.new
if ! cmp -s /tmp/kube-apiserver.yaml.new "$MANIFEST"; then
  OLD_ID=$(apiserver_id)
  cat /tmp/kube-apiserver.yaml.new > "$MANIFEST"
  # The kubelet replaces the pod: wait for a NEW kube-apiserver that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then echo "kube-apiserver did not come back" >&2; exit 1; fi
    sleep 2
  done
fi
rm -f /tmp/kube-apiserver.yaml.new
echo "setup done: kube-apiserver is open to anonymous readers"
