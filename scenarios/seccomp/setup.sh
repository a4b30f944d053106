#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Leaves: Deployment api (container metrics explicitly Unconfined, app unset), Pod uploader without
# a profile, and the team's draft profile in /root/seccomp (it only logs mkdir). Nothing installed.
set -euo pipefail
NS="$PARAM_NAMESPACE"
PROFILE="$PARAM_PROFILE"

mkdir -p /root/seccomp
cat > "/root/seccomp/$PROFILE" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  "syscalls": [
    {
      "names": ["mkdir", "mkdirat"],
      "action": "SCMP_ACT_LOG"
    }
  ]
}
JSON
# Start clean: a profile left in the kubelet's directory by an earlier run would pass task 2 unearned.
rm -f "/var/lib/kubelet/seccomp/profiles/$PROFILE"

kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"
cat > /root/api.yaml <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: $NS
spec:
  replicas: 2
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: app
          image: busybox:1.36.1
          command: ["sh", "-c", "echo 'api serving'; sleep 3600"]
        - name: metrics
          image: busybox:1.36.1
          command: ["sh", "-c", "echo 'metrics exporting'; sleep 3600"]
          securityContext:
            seccompProfile:
              type: Unconfined
YAML
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
YAML
kubectl delete pod uploader -n "$NS" --ignore-not-found --wait=true >/dev/null
kubectl apply -f /root/api.yaml >/dev/null
kubectl apply -f /root/uploader.yaml >/dev/null
kubectl rollout status deployment/api -n "$NS" --timeout=120s >/dev/null
kubectl wait pod/uploader -n "$NS" --for=condition=Ready --timeout=120s >/dev/null
echo "setup done: /root/api.yaml, /root/uploader.yaml, draft profile /root/seccomp/$PROFILE"
