#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh.
set -euo pipefail

cat > /root/init-pod.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: init-lab
spec:
  volumes:
    - name: content
      emptyDir: {}
  initContainers:
    - name: prepare
      image: busybox:1.36.1
      command: ["sh", "-c", "echo 'prepared by init' > /work/index.html"]
      volumeMounts:
        - name: content
          mountPath: /work
  containers:
    - name: nginx
      image: nginx:1.27.3
      ports:
        - containerPort: 80
      volumeMounts:
        - name: content
          mountPath: /usr/share/nginx/html
YAML

# A Pod's containers cannot be changed in place: replace it.
kubectl delete pod web -n init-lab --ignore-not-found --wait=true
kubectl apply -f /root/init-pod.yaml
kubectl wait pod/web -n init-lab --for=condition=Ready --timeout=180s
