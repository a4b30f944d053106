#!/usr/bin/env bash
# Self-check of the `apparmor` lab, run on the control-plane node (bash -s, KUBECONFIG set) once the
# node is Ready. Loads a deny-write test profile, runs a pod confined by it and proves from inside
# that it is enforced ("(enforce)" in /proc/1/attr/current, a write denied). Anything else exits
# non-zero with diagnostics: a lab that would pass unconfined pods never reaches a learner.
set -uo pipefail
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
NS=cks-lab-selfcheck
# Profiles live in the host kernel, shared by every node of the host: the test profile is named after
# this node (<cluster>-control-plane), so clusters bootstrapping at once never unload each other's.
PROFILE="cks-lab-selfcheck-$(hostname)"
POD=apparmor-selfcheck
SECFS=/sys/kernel/security/apparmor

cleanup() {
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  apparmor_parser -R /tmp/"$PROFILE" >/dev/null 2>&1 || true
  rm -f /tmp/"$PROFILE"
}
fail() {
  echo "AppArmor lab self-check FAILED: $*" >&2
  echo "--- diagnostics ---" >&2
  mount | grep -E 'securityfs' >&2 || echo "securityfs is not mounted" >&2
  head -n 20 "$SECFS/profiles" >&2 2>&1 || true
  systemctl show containerd -p Environment -p UnsetEnvironment >&2 2>&1 || true
  kubectl describe pod "$POD" -n "$NS" 2>&1 | tail -n 25 >&2 || true
  cleanup
  exit 1
}

# containerd looks for /sbin/apparmor_parser itself; /usr/local/sbin/apparmor_parser only wraps it.
[ -x /sbin/apparmor_parser ] || fail "apparmor_parser is not installed in the node image (/sbin/apparmor_parser, which containerd needs too)"
if [ ! -d "$SECFS" ]; then
  # securityfs missing: containerd and the kubelet already decided AppArmor is off. Mount and restart them.
  mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
  [ -d "$SECFS" ] || fail "no AppArmor interface at $SECFS: the host kernel does not run AppArmor"
  systemctl restart containerd kubelet || fail "could not restart containerd and kubelet after mounting securityfs"
  kubectl wait node --all --for=condition=Ready --timeout=120s >/dev/null || fail "the node did not become Ready after the restart"
fi
# containerd treats AppArmor as unsupported when its own environment has `container` set. systemd
# starts services with a clean environment, so this only catches a drop-in or override adding it.
if pid=$(pidof containerd 2>/dev/null) && [ -n "$pid" ]; then
  if tr '\0' '\n' < /proc/"${pid%% *}"/environ | grep -q '^container=.'; then
    fail "containerd runs with \$container set, so it ignores AppArmor"
  fi
fi

cat > /tmp/"$PROFILE" <<PROFILE
#include <tunables/global>

profile ${PROFILE} flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
PROFILE
apparmor_parser -r -q /tmp/"$PROFILE" || fail "apparmor_parser could not load a test profile"
grep -qx "${PROFILE} (enforce)" "$SECFS/profiles" || fail "the test profile is not listed in enforce mode in $SECFS/profiles"

kubectl create namespace "$NS" >/dev/null 2>&1 || kubectl get namespace "$NS" >/dev/null || fail "cannot create namespace $NS"
kubectl apply -f - >/dev/null <<YAML || fail "cannot create the self-check pod"
apiVersion: v1
kind: Pod
metadata:
  name: ${POD}
  namespace: ${NS}
spec:
  restartPolicy: Never
  securityContext:
    appArmorProfile:
      type: Localhost
      localhostProfile: ${PROFILE}
  containers:
    - name: probe
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 300"]
YAML
kubectl wait pod/"$POD" -n "$NS" --for=condition=Ready --timeout=120s >/dev/null 2>&1 \
  || fail "a pod confined by a loaded profile did not become Ready within 120 s"
LABEL=$(kubectl exec -n "$NS" "$POD" -- cat /proc/1/attr/current 2>&1) || fail "cannot read /proc/1/attr/current in the pod: $LABEL"
[ "$LABEL" = "${PROFILE} (enforce)" ] || fail "the pod is not confined: /proc/1/attr/current says \"$LABEL\", expected \"${PROFILE} (enforce)\""
if kubectl exec -n "$NS" "$POD" -- touch /tmp/cks-lab-write-probe >/dev/null 2>&1; then
  fail "the profile is reported but not enforced: a write inside the pod succeeded"
fi
cleanup
echo "AppArmor lab self-check passed: a pod confined by ${PROFILE} reports (enforce) and cannot write"
