#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# Seven workloads: node-exporter privileged, log-shipper with the node's / mounted, debug-tools
# (a bare Pod) with hostPID, dns-probe with hostNetwork; web, app-logs (a hostPath of /var/log
# only) and batch clean.
set -euo pipefail
NS=$PARAM_NAMESPACE
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
rm -f /root/privileged-workloads.txt
deploy() { # name, extra pod spec lines, extra container lines
  kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: $1, namespace: $NS }
spec:
  replicas: 1
  selector: { matchLabels: { app: $1 } }
  template:
    metadata: { labels: { app: $1 } }
    spec:
      terminationGracePeriodSeconds: 5
$2
      containers:
        - name: $1
          image: busybox:1.36.1
          command: [sh, -c, 'echo $1 started; sleep 86400']
$3
YAML
}
deploy node-exporter '' '          securityContext: { privileged: true }'
deploy log-shipper '      volumes: [{ name: node, hostPath: { path: /, type: Directory } }]' '          volumeMounts: [{ name: node, mountPath: /host, readOnly: true }]'
deploy dns-probe '      hostNetwork: true' ''
deploy web '' '          securityContext: { allowPrivilegeEscalation: false }'
deploy app-logs '      volumes: [{ name: logs, hostPath: { path: /var/log, type: Directory } }]' '          volumeMounts: [{ name: logs, mountPath: /var/log/node, readOnly: true }]'
for pod in debug-tools batch; do
  kubectl -n "$NS" get pod "$pod" >/dev/null 2>&1 && continue
  extra=''
  [ "$pod" = debug-tools ] && extra='  hostPID: true'
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: { name: $pod, namespace: $NS, labels: { app: $pod } }
spec:
  terminationGracePeriodSeconds: 5
$extra
  containers:
    - name: $pod
      image: busybox:1.36.1
      command: [sh, -c, 'echo $pod started; sleep 86400']
YAML
done
for d in node-exporter log-shipper dns-probe web app-logs; do kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null; done
kubectl -n "$NS" wait --for=condition=Ready pod/debug-tools pod/batch --timeout=120s >/dev/null
