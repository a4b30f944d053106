#!/usr/bin/env bash
# Reference solution (runs on the control-plane node). Attaches strace for two seconds (the workers loop once a second) to the
# process of each running container of this cluster's namespace (crictl lists only this node's
# containers; crictl inspect gives the host pid), keeps the one that calls kill(2), records its
# Pod's name, then scales the Pod's Deployment (ReplicaSet owner minus its hash) to 0. Idempotent:
# once the offender is scaled down and recorded, nothing is left to find and nothing changes.
set -euo pipefail
NS=$PARAM_NAMESPACE
ANSWER=/root/$PARAM_ANSWER_FILE
POD=""
for id in $(crictl ps -q --state running --namespace "^${NS}\$"); do
  pid=$(crictl inspect "$id" | jq -r '.info.pid')
  trace=$(mktemp)
  timeout -k 1 2 strace -qq -f -e trace=kill -p "$pid" -o "$trace" 2>/dev/null || true
  if grep -q 'kill(' "$trace"; then
    POD=$(crictl inspect "$id" | jq -r '.status.labels["io.kubernetes.pod.name"]')
  fi
  rm -f "$trace"
  [ -n "$POD" ] && break
done
if [ -z "$POD" ]; then
  [ -s "$ANSWER" ] && exit 0 # already done: the offender is gone and recorded
  echo "no container in $NS makes kill(2) syscalls" >&2
  exit 1
fi
echo "$POD" > "$ANSWER"
RS=$(kubectl -n "$NS" get pod "$POD" -o jsonpath='{.metadata.ownerReferences[?(@.kind=="ReplicaSet")].name}')
DEPLOY=${RS%-*}
kubectl -n "$NS" scale deployment "$DEPLOY" --replicas=0 >/dev/null
for _ in $(seq 1 60); do
  [ -z "$(kubectl -n "$NS" get deployment "$DEPLOY" -o jsonpath='{.status.readyReplicas}')" ] && break
  sleep 1
done
