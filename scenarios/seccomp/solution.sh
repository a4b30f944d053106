#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
NS="$PARAM_NAMESPACE"
PROFILE="$PARAM_PROFILE"

# 1. RuntimeDefault for the whole Pod, and the container-level Unconfined (which would win) removed.
kubectl patch deployment api -n "$NS" --type=json -p='[
  {"op": "add", "path": "/spec/template/spec/securityContext", "value": {"seccompProfile": {"type": "RuntimeDefault"}}}
]'
if kubectl get deployment api -n "$NS" -o jsonpath='{.spec.template.spec.containers[1].securityContext.seccompProfile}' | grep -q .; then
  kubectl patch deployment api -n "$NS" --type=json -p='[{"op": "remove", "path": "/spec/template/spec/containers/1/securityContext/seccompProfile"}]'
fi
kubectl rollout status deployment/api -n "$NS" --timeout=180s

# 2. The profile denies mkdir/mkdirat with EPERM (the draft only logged them), installed under the
#    kubelet's seccomp directory.
mkdir -p /var/lib/kubelet/seccomp/profiles
sed 's/"SCMP_ACT_LOG"/"SCMP_ACT_ERRNO"/' "/root/seccomp/$PROFILE" > "/var/lib/kubelet/seccomp/profiles/$PROFILE"
grep -q SCMP_ACT_ERRNO "/var/lib/kubelet/seccomp/profiles/$PROFILE"

# 3. uploader under the Localhost profile (a path relative to that directory); replace the Pod.
cat > /root/uploader.yaml <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: uploader
  namespace: $NS
spec:
  containers:
    - name: uploader
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'uploader ready'; sleep 3600"]
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/$PROFILE
YAML
kubectl delete pod uploader -n "$NS" --ignore-not-found --wait=true
kubectl apply -f /root/uploader.yaml
kubectl wait pod/uploader -n "$NS" --for=condition=Ready --timeout=180s
kubectl exec -n "$NS" uploader -- grep '^Seccomp' /proc/1/status
if kubectl exec -n "$NS" uploader -- mkdir /tmp/probe; then echo "mkdir still works in uploader" >&2; exit 1; fi
