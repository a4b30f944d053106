#!/usr/bin/env bash
# Runs on the control-plane node (docker exec -i <node> bash -s), KUBECONFIG=/etc/kubernetes/admin.conf.
# Leaves a broken manifest for the learner: lowercase `kind`, `volumes` nested under the init
# container, an unpinned image, and a main command that does not exist in the nginx image.
set -euo pipefail

kubectl get namespace init-lab >/dev/null 2>&1 || kubectl create namespace init-lab
kubectl delete pod web -n init-lab --ignore-not-found --wait=true >/dev/null

cat > /root/init-pod.yaml <<'YAML'
apiVersion: v1
kind: pod
metadata:
  name: web
  namespace: init-lab
spec:
  initContainers:
    - name: prepare
      image: busybox
      command: ["sh", "-c", "echo 'prepared by init' > /work/index.html"]
      volumeMounts:
        - name: content
          mountPath: /work
      volumes:
        - name: content
          emptyDir: {}
  containers:
    - name: nginx
      image: nginx:1.27.3
      command: ["nginx-server", "--foreground"]
      ports:
        - containerPort: 80
YAML
echo "setup done: /root/init-pod.yaml is waiting for you"
