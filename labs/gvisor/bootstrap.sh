#!/usr/bin/env bash
# Self-check of the `gvisor` lab, run on the control-plane node (bash -s, KUBECONFIG set) once the
# node is Ready. Proves a pod really starts under runsc and sees gVisor's kernel (its dmesg), then
# cleans up. Any problem exits non-zero with diagnostics: a lab that cannot sandbox never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
NS=cks-lab-selfcheck
RC=cks-lab-selfcheck-runsc
POD=gvisor-selfcheck

fail() {
  echo "gVisor lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  { command -v runsc && runsc --version; } >&2 2>&1 || echo "runsc is not installed on the node" >&2
  ls -l /usr/local/bin/containerd-shim-runsc-v1 >&2 2>&1 || true
  grep -n -A4 'runtimes.runsc' /etc/containerd/config.toml >&2 2>&1 || echo "no runsc handler in /etc/containerd/config.toml" >&2
  kubectl describe pod "$POD" -n "$NS" 2>&1 | tail -n 25 >&2 || true
  kubectl get events -n "$NS" --sort-by=.lastTimestamp 2>&1 | tail -n 10 >&2 || true
  cleanup
  exit 1
}
cleanup() {
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kubectl delete runtimeclass "$RC" --ignore-not-found >/dev/null 2>&1 || true
}

command -v runsc >/dev/null || fail "runsc is missing from the node image"
[ -x /usr/local/bin/containerd-shim-runsc-v1 ] || fail "containerd-shim-runsc-v1 is missing from the node image"
grep -Eq "runtimes\.runsc\]" /etc/containerd/config.toml || fail "containerd has no runtime handler named runsc"
grep -Eq 'runtime_type *= *"io\.containerd\.runsc\.v1"' /etc/containerd/config.toml || fail "the runsc handler does not use runtime_type io.containerd.runsc.v1"

kubectl create namespace "$NS" >/dev/null 2>&1 || kubectl get namespace "$NS" >/dev/null || fail "cannot create namespace $NS"
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check RuntimeClass and pod"
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: ${RC}
handler: runsc
---
apiVersion: v1
kind: Pod
metadata:
  name: ${POD}
  namespace: ${NS}
spec:
  runtimeClassName: ${RC}
  restartPolicy: Never
  containers:
    - name: probe
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 300"]
YAML

# Bounded wait: a runsc sandbox that cannot start (e.g. a cgroup driver mismatch) stays Pending.
kubectl wait pod/"$POD" -n "$NS" --for=condition=Ready --timeout=120s >/dev/null 2>&1 \
  || fail "a pod with the runsc handler did not become Ready within 120 s"

OUT=$(kubectl exec -n "$NS" "$POD" -- dmesg 2>&1) || fail "dmesg inside the runsc pod failed: $OUT"
case "$OUT" in
  *"Starting gVisor"*) ;;
  *) fail "the pod is not sandboxed: its dmesg does not show gVisor's kernel (got: $(printf '%s' "$OUT" | head -n 3))" ;;
esac
cleanup
echo "gVisor lab self-check passed: a runsc pod started and its kernel log says \"Starting gVisor...\""
