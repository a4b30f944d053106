#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
ADM=/etc/kubernetes/admission
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }

# 1. How kube-apiserver reaches the backend: the backend's CA, its URL, and the client certificate
#    kube-apiserver presents. The current context chooses the cluster and the user.
cat > "$ADM/imagepolicy.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: image-policy-webhook
  cluster:
    certificate-authority: $ADM/webhook-ca.crt
    server: https://127.0.0.1:$PARAM_BACKEND_PORT/imagepolicy
users:
- name: kube-apiserver
  user:
    client-certificate: $ADM/apiserver-client.crt
    client-key: $ADM/apiserver-client.key
contexts:
- name: image-policy
  context:
    cluster: image-policy-webhook
    user: kube-apiserver
current-context: image-policy
EOF

# 2. The plugin's configuration: fail closed when the backend cannot answer.
cat > "$ADM/admission-config.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: ImagePolicyWebhook
  configuration:
    imagePolicy:
      kubeConfigFile: $ADM/imagepolicy.kubeconfig
      allowTTL: 50
      denyTTL: 50
      retryBackoff: 500
      defaultAllow: false
EOF

# 3. kube-apiserver: the plugin, the config file, and the directory mounted into its pod.
#    Edit a copy outside /etc/kubernetes/manifests, then write it back in one go.
if ! grep -q -- '--admission-control-config-file=' "$MANIFEST"; then
  OLD_ID=$(apiserver_id)
  sed -E \
    -e 's/^( *)- --enable-admission-plugins=(.*)$/\1- --enable-admission-plugins=\2,ImagePolicyWebhook\n\1- --admission-control-config-file=\/etc\/kubernetes\/admission\/admission-config.yaml/' \
    -e 's/^( *)volumeMounts:$/&\n\1- mountPath: \/etc\/kubernetes\/admission\n\1  name: admission\n\1  readOnly: true/' \
    -e 's/^( *)volumes:$/&\n\1- hostPath:\n\1    path: \/etc\/kubernetes\/admission\n\1    type: DirectoryOrCreate\n\1  name: admission/' \
    "$MANIFEST" > /root/kube-apiserver.yaml.new
  grep -q -- 'ImagePolicyWebhook' /root/kube-apiserver.yaml.new
  cat /root/kube-apiserver.yaml.new > "$MANIFEST"
  rm -f /root/kube-apiserver.yaml.new
  # 4. Wait for the kubelet to start a NEW kube-apiserver that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then echo "kube-apiserver did not come back" >&2; exit 1; fi
    sleep 2
  done
fi
