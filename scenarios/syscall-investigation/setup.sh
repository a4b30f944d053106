#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf), `strace` lab: busybox
# 1.36.1 is preloaded in containerd (the lab's bootstrap imported it), so the Pods start offline.
# Three worker Deployments loop doing ordinary work (a heartbeat file, a load report, a cache of
# /etc). The offender's loop also sends signal 0 to PID 1 each second: a kill(2) syscall. The
# other two only *mention* kill (a TERM trap that would run on shutdown), so reading the YAML for
# "kill" gives three candidates: the process has to be watched. Each keeps writing /tmp/work.
# Idempotent: re-applies the Deployments (back to 1 replica) and removes the answer file.
set -euo pipefail
NS=$PARAM_NAMESPACE
rm -f "/root/$PARAM_ANSWER_FILE"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
worker() { # name work
  local step
  if [ "$1" = "$PARAM_OFFENDER" ]; then
    step="while true; do $2; kill -0 1; sleep 1; done"
  else
    step="trap 'kill -TERM 0' TERM; while true; do $2; sleep 1; done"
  fi
  kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: $NS
  labels: { app: $1, role: worker }
spec:
  replicas: 1
  selector:
    matchLabels: { app: $1 }
  template:
    metadata:
      labels: { app: $1, role: worker }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: worker
          image: busybox:1.36.1
          imagePullPolicy: IfNotPresent
          command: [sh, -c]
          args:
            - |
              $step
YAML
}
worker api-gateway 'date > /tmp/work'
worker report-gen 'cat /proc/loadavg >> /tmp/work; tail -n 50 /tmp/work > /tmp/work.new; mv /tmp/work.new /tmp/work'
worker cache-warmer 'ls -R /etc > /tmp/work 2>/dev/null'
for d in api-gateway report-gen cache-warmer; do
  kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null
done
