#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf), `scanners` lab: the four
# images below are preloaded in containerd (the lab's bootstrap imported them), so the Pods start
# offline. Two images are affected by CVE-2022-37434 (zlib1g 1:1.2.11.dfsg-2+deb11u1): storefront
# (nginx:1.21.6) and sessions (redis:6.2.6). checkout-api runs nginx:1.23.3, whose zlib1g is the
# fixed +deb11u2 (but which still has other CRITICAL findings), and toolbox busybox (no packages).
set -euo pipefail
NS=$PARAM_NAMESPACE
rm -f "/root/$PARAM_REPORT_NAME"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
deploy() { # name replicas container image [command]
  kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: $NS
  labels: { app: $1 }
spec:
  replicas: $2
  selector:
    matchLabels: { app: $1 }
  template:
    metadata:
      labels: { app: $1 }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: $3
          image: $4
          imagePullPolicy: IfNotPresent
${5:+          command: [sh, -c, '$5']}
YAML
}
deploy storefront 2 web nginx:1.21.6
deploy sessions 1 redis redis:6.2.6
deploy checkout-api 2 api nginx:1.23.3
deploy toolbox 1 toolbox busybox:1.36.1 'sleep 86400'
for d in storefront sessions checkout-api toolbox; do
  kubectl -n "$NS" rollout status "deployment/$d" --timeout=120s >/dev/null
done
