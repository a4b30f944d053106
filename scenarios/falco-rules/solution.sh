#!/usr/bin/env bash
# Reference solution (runs on the control-plane node). Writes the rule to falco_rules.local.yaml
# (the default ruleset's open_read and container macros, the given output format, WARNING),
# restarts Falco, waits for an alert naming one of the workers' current Pods, saves that Pod's
# alert lines, then scales the Pod's Deployment (ReplicaSet owner minus its hash) to 0.
# Idempotent: once the offender's lines are saved and its Deployment is at 0, a second run only
# rewrites the same rule.
set -euo pipefail
NS=$PARAM_NAMESPACE
ANSWER=/root/$PARAM_ALERTS_FILE
LOG=/var/log/falco.log
cat > /etc/falco/falco_rules.local.yaml <<'YAML'
- rule: Shadow file opened for reading in a container
  desc: a process in a container opened /etc/shadow for reading
  condition: open_read and container and fd.name = /etc/shadow
  output: "%evt.time,%container.id,%k8s.pod.name,%user.name,%proc.name"
  priority: WARNING
  tags: [filesystem, cks]
YAML
systemctl restart falco
for _ in $(seq 1 50); do [ "$(systemctl is-active falco)" = active ] && break; sleep 0.2; done
if [ -s "$ANSWER" ]; then # already done: the saved lines name a Pod of a Deployment now at 0
  SAVED=$(awk -F, 'NR == 1 { print $3 }' "$ANSWER")
  [ -n "$SAVED" ] && [ "$(kubectl -n "$NS" get deployment "${SAVED%-*-*}" -o jsonpath='{.spec.replicas}' 2>/dev/null)" = 0 ] && exit 0  || true
fi
POD=""
for _ in $(seq 1 75); do # the workers read every two seconds: 15 s is plenty
  for p in $(kubectl -n "$NS" get pods -l role=worker -o jsonpath='{.items[*].metadata.name}'); do
    if grep -qE "^[0-9:.]+: Warning [0-9:.]+,[0-9a-f]{12},$p," "$LOG" 2>/dev/null; then POD=$p; break 2; fi
  done
  sleep 0.2
done
if [ -z "$POD" ]; then
  echo "no worker Pod in $NS alerted for /etc/shadow" >&2
  exit 1
fi
grep -E "^[0-9:.]+: Warning [0-9:.]+,[0-9a-f]{12},$POD," "$LOG" > "$ANSWER"
RS=$(kubectl -n "$NS" get pod "$POD" -o jsonpath='{.metadata.ownerReferences[?(@.kind=="ReplicaSet")].name}')
DEPLOY=${RS%-*}
kubectl -n "$NS" scale deployment "$DEPLOY" --replicas=0 >/dev/null
for _ in $(seq 1 60); do
  [ -z "$(kubectl -n "$NS" get deployment "$DEPLOY" -o jsonpath='{.status.readyReplicas}')" ] && break
  sleep 1
done
