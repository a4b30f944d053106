#!/usr/bin/env bash
# Reference solution (idempotent): find the file in the kubelet's staticPodPath that defines the
# rogue Pod, move it out of that directory into /root/evidence/ (keeping its name), and wait until
# the kubelet has removed the Pod. Deleting the mirror Pod alone would not do: the kubelet creates
# it again while the file is there.
set -euo pipefail
DIR=$(sed -n 's/^staticPodPath:[[:space:]]*//p' /var/lib/kubelet/config.yaml | tr -d "\"'")
DIR=${DIR:-/etc/kubernetes/manifests}
mkdir -p /root/evidence
for f in "$DIR"/*; do
  [ -f "$f" ] || continue
  if grep -Eq "^[[:space:]]*name:[[:space:]]*$PARAM_POD_NAME[[:space:]]*$" "$f"; then mv "$f" /root/evidence/; fi
done
for _ in $(seq 1 60); do
  kubectl -n kube-system get pods -l app="$PARAM_POD_NAME" -o name | grep -q . || exit 0
  sleep 1
done
echo "the kubelet still shows the $PARAM_POD_NAME Pod" >&2
exit 1
