#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
POLICY=$PARAM_POLICY_PATH
LOG=$PARAM_LOG_PATH

# 1. The policy: the first rule that matches a request decides its level; RequestReceived is
#    omitted for every rule; the final catch-all says "nothing else".
mkdir -p "$(dirname "$POLICY")"
cat > "$POLICY" <<YAML
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets"]
  - level: RequestResponse
    namespaces: ["$PARAM_NAMESPACE"]
    resources:
      - group: ""
        resources: ["configmaps"]
  - level: None
YAML

apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }
OLD_ID=$(apiserver_id)

# 2. Flags, plus the policy directory (read-only) and the log directory (writable) mounted from
#    the node. Edited on a copy kept OUTSIDE /etc/kubernetes/manifests.
if ! grep -q -- '--audit-policy-file=' "$MANIFEST"; then
  cp "$MANIFEST" /root/kube-apiserver.yaml.orig
  POLICY_DIR=$(dirname "$POLICY")
  LOG_DIR=$(dirname "$LOG")
  awk -v policy="$POLICY" -v logfile="$LOG" -v backups="$PARAM_MAX_BACKUP" -v pdir="$POLICY_DIR" -v ldir="$LOG_DIR" '
    /^    - kube-apiserver$/ && !flag {
      print
      print "    - --audit-policy-file=" policy
      print "    - --audit-log-path=" logfile
      print "    - --audit-log-maxbackup=" backups
      flag = 1; next
    }
    /^    volumeMounts:$/ && !mount {
      print
      print "    - mountPath: " pdir; print "      name: audit-policy"; print "      readOnly: true"
      print "    - mountPath: " ldir; print "      name: audit-log"
      mount = 1; next
    }
    /^  volumes:$/ && !vol {
      print
      print "  - hostPath:"; print "      path: " pdir; print "      type: DirectoryOrCreate"; print "    name: audit-policy"
      print "  - hostPath:"; print "      path: " ldir; print "      type: DirectoryOrCreate"; print "    name: audit-log"
      vol = 1; next
    }
    { print }
    END { if (!(flag && mount && vol)) exit 1 }
  ' /root/kube-apiserver.yaml.orig > /root/kube-apiserver.yaml.new
  cat /root/kube-apiserver.yaml.new > "$MANIFEST"
else
  # Flags already there: kube-apiserver reads the policy only when it starts — restart it by
  # taking its manifest away and giving it back.
  mv "$MANIFEST" /root/kube-apiserver.yaml.moved
  for i in $(seq 1 60); do [ -z "$(apiserver_id)" ] && break; sleep 0.5; done
  mv /root/kube-apiserver.yaml.moved "$MANIFEST"
fi

# 3. The kubelet replaces the pod: wait for a NEW kube-apiserver container that answers /readyz.
for i in $(seq 1 120); do
  NEW_ID=$(apiserver_id)
  if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
  if [ "$i" -eq 120 ]; then
    echo "kube-apiserver did not come back after the manifest change:" >&2
    crictl ps -a --name kube-apiserver >&2 || true
    LAST=$(crictl ps -a --name '^kube-apiserver$' --quiet | head -n1)
    [ -n "$LAST" ] && crictl logs --tail 5 "$LAST" >&2 || true
    exit 1
  fi
  sleep 1
done
echo "kube-apiserver audits to $LOG:"
tail -n 2 "$LOG" || true
