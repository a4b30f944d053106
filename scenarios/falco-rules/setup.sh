#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf), `falco` lab: Falco 0.39.2
# runs as falco-modern-bpf.service, busybox 1.36.1 is preloaded in containerd (the lab's bootstrap
# imported it), so the Pods start offline. Three worker Deployments loop doing ordinary work; each
# holds a file below /etc open for a second every two seconds (its "lookup"): the offender
# /etc/shadow, the others /etc/hostname and /etc/passwd — so a rule on "files below /etc" alerts for
# all three, and only a rule on /etc/shadow names the offender alone.
# Idempotent: puts Falco's rules files back as the lab ships them (the packaged falco_rules.yaml,
# saved on the first run, and an empty local file), restarts Falco, empties /var/log/falco.log,
# re-applies the Deployments (1 replica each) and removes the alerts file.
set -euo pipefail
NS=$PARAM_NAMESPACE
PRISTINE=/var/lib/cks-lab/falco-rules/falco_rules.yaml
mkdir -p "$(dirname "$PRISTINE")"
[ -f "$PRISTINE" ] || cp /etc/falco/falco_rules.yaml "$PRISTINE"
cat "$PRISTINE" > /etc/falco/falco_rules.yaml
printf '%s\n' '# Your custom rules (loaded after /etc/falco/falco_rules.yaml; restart Falco to load changes).' > /etc/falco/falco_rules.local.yaml
systemctl restart falco-modern-bpf.service
: > /var/log/falco.log
rm -f "/root/$PARAM_ALERTS_FILE"
kubectl delete pods -n "$NS" -l cks-lab.io/probe=falco-rules --ignore-not-found --wait=false >/dev/null 2>&1 || true
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
worker() { # name file work
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
      terminationGracePeriodSeconds: 2
      containers:
        - name: worker
          image: busybox:1.36.1
          imagePullPolicy: IfNotPresent
          command: [sh, -c]
          args:
            - |
              while true; do $3; sleep 1 < $2; sleep 1; done
YAML
}
for d in inventory checkout recommender; do
  if [ "$d" = "$PARAM_OFFENDER" ]; then file=/etc/shadow
  elif [ -z "${seen:-}" ]; then file=/etc/hostname; seen=1
  else file=/etc/passwd; fi
  case $d in
    inventory) work='date > /tmp/work' ;;
    checkout) work='cat /proc/loadavg >> /tmp/work; tail -n 20 /tmp/work > /tmp/work.new; mv /tmp/work.new /tmp/work' ;;
    recommender) work='ls /tmp > /tmp/work' ;;
  esac
  worker "$d" "$file" "$work"
done
for d in inventory checkout recommender; do
  kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null
done
