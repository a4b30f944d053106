#!/usr/bin/env bash
# Self-check of the `falco` lab, run on the control-plane node once it is Ready: Falco is the pinned
# 0.39.2, the kernel has BTF for the modern eBPF probe, the preloaded busybox is imported into
# containerd (the scenarios run offline), falco-modern-bpf.service runs, and Falco loads a rule and
# FIRES it for a pod's process: a temporary self-test rule is added to falco_rules.local.yaml,
# Falco restarted, a busybox Pod reads /etc/shadow, and the rule's line must appear in
# /var/log/falco.log. The learner's rules file, Falco and the log are put back as they were. Any
# problem exits non-zero loudly.
set -uo pipefail
fail() { echo "falco lab self-check FAILED: $*" >&2; exit 1; }
export KUBECONFIG=/etc/kubernetes/admin.conf
LOCAL=/etc/falco/falco_rules.local.yaml
LOG=/var/log/falco.log
POD=cks-falco-selftest
MARK=cks-lab-falco-selftest

for tool in falco systemctl crictl ctr kubectl jq; do command -v "$tool" >/dev/null || fail "$tool is missing from the node image"; done
V=$(falco --version 2>&1 | grep -m 1 '^Falco version:')
[ "$V" = "Falco version: 0.39.2" ] || fail "falco says '${V:-nothing}', the lab pins Falco version: 0.39.2"
[ -r /sys/kernel/btf/vmlinux ] || fail "the kernel exposes no BTF (/sys/kernel/btf/vmlinux): Falco's modern eBPF probe cannot load on this host"

IMAGES=/opt/cks-lab/falco/images
ls "$IMAGES"/*.tar >/dev/null 2>&1 || fail "no preloaded image tarballs in $IMAGES"
ctr -n k8s.io images import "$IMAGES"/*.tar >/dev/null || fail "importing $IMAGES/*.tar into containerd failed"
crictl images -o json | jq -r '.images[].repoTags[]' | grep -qxF docker.io/library/busybox:1.36.1 \
  || fail "docker.io/library/busybox:1.36.1 is not in containerd after the import"

active() { # waits up to $1 seconds for the unit to be active
  local i
  for i in $(seq 1 $(( $1 * 5 ))); do
    [ "$(systemctl is-active falco-modern-bpf.service 2>/dev/null)" = active ] && return 0
    sleep 0.2
  done
  return 1
}
active 60 || fail "falco-modern-bpf.service is not active: $(systemctl status falco-modern-bpf.service 2>&1 | tail -n 5 | tr '\n' ' ')"

SAVED=$(mktemp)
cp -p "$LOCAL" "$SAVED" || fail "cannot read $LOCAL"
restore() {
  cat "$SAVED" > "$LOCAL"
  rm -f "$SAVED"
  kubectl delete pod "$POD" -n default --ignore-not-found --wait=false >/dev/null 2>&1
  systemctl restart falco-modern-bpf.service >/dev/null 2>&1
  [ -f "$LOG" ] && sed -i "/$MARK/d" "$LOG"
}
trap restore EXIT
cat >> "$LOCAL" <<YAML

- rule: CKS Lab self-test
  desc: the lab's bootstrap proves Falco fires a rule for a pod's process (removed right after)
  condition: open_read and container and fd.name=/etc/shadow and k8s.pod.name=$POD
  output: "$MARK %container.id %k8s.pod.name %proc.name"
  priority: NOTICE
YAML
systemctl restart falco-modern-bpf.service || fail "systemctl restart falco-modern-bpf failed"
active 60 || fail "Falco did not come back with the self-test rule: $(systemctl status falco-modern-bpf.service 2>&1 | tail -n 5 | tr '\n' ' ')"
kubectl delete pod "$POD" -n default --ignore-not-found >/dev/null 2>&1
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-test Pod"
apiVersion: v1
kind: Pod
metadata:
  name: $POD
  namespace: default
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: reader
      image: busybox:1.36.1
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'while true; do sleep 1 < /etc/shadow; done']
YAML
kubectl wait --for=condition=Ready "pod/$POD" -n default --timeout=90s >/dev/null || fail "the self-test Pod did not become Ready"
ID=$(kubectl get pod "$POD" -n default -o jsonpath='{.status.containerStatuses[0].containerID}')
ID=${ID#containerd://}
[[ "$ID" =~ ^[0-9a-f]{64}$ ]] || fail "the self-test Pod reports no container id ('$ID')"
for _ in $(seq 1 150); do
  grep -qE "^[0-9:.]+: Notice $MARK ${ID:0:12} $POD [a-z]+$" "$LOG" 2>/dev/null && break
  sleep 0.2
done
grep -qE "^[0-9:.]+: Notice $MARK ${ID:0:12} $POD [a-z]+$" "$LOG" 2>/dev/null \
  || fail "Falco loaded the self-test rule but wrote no alert for the Pod reading /etc/shadow in 30 s (container ${ID:0:12}); last lines of $LOG: $(tail -n 3 "$LOG" 2>/dev/null | tr '\n' ' ')"
echo "falco lab self-check passed: Falco 0.39.2 (modern eBPF) runs and fired a rule for a pod's process (container ${ID:0:12})"
