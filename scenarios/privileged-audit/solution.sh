#!/usr/bin/env bash
# Reference solution, run on the control-plane node.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
NS=$PARAM_NAMESPACE
printf '%s\n' node-exporter log-shipper debug-tools dns-probe > /root/privileged-workloads.txt

# Deployments: change the Pod template (a JSON patch removes exactly the offending fields).
kubectl -n "$NS" patch deployment node-exporter --type=json \
  -p '[{"op":"remove","path":"/spec/template/spec/containers/0/securityContext/privileged"}]' >/dev/null
kubectl -n "$NS" patch deployment dns-probe --type=json \
  -p '[{"op":"remove","path":"/spec/template/spec/hostNetwork"}]' >/dev/null
kubectl -n "$NS" patch deployment log-shipper --type=json \
  -p '[{"op":"remove","path":"/spec/template/spec/containers/0/volumeMounts"},{"op":"remove","path":"/spec/template/spec/volumes"}]' >/dev/null

# A bare Pod: its namespaces cannot change; re-create it without hostPID.
kubectl -n "$NS" get pod debug-tools -o yaml | sed '/^  hostPID: true$/d' > /root/debug-tools.yaml
kubectl replace --force -f /root/debug-tools.yaml >/dev/null

for d in node-exporter log-shipper dns-probe; do kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null; done
kubectl -n "$NS" wait --for=condition=Ready pod/debug-tools --timeout=120s >/dev/null
# Old Pods of the Deployments leave within their grace period.
for i in $(seq 1 60); do
  n=$(kubectl -n "$NS" get pods --no-headers 2>/dev/null | grep -c Terminating || true)
  [ "$n" = 0 ] && break
  sleep 1
done
