#!/usr/bin/env bash
# Reference solution; runs on the control-plane node like setup.sh. Idempotent.
set -euo pipefail
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
ENC_DIR=/etc/kubernetes/enc

# 1. An EncryptionConfiguration: aescbc with a fresh 32-byte key FIRST (it encrypts new writes),
#    identity LAST (it still reads what was stored before encryption).
mkdir -p "$ENC_DIR"
if ! grep -q 'aescbc' "$ENC_DIR/enc.yaml" 2>/dev/null; then
  KEY=$(head -c 32 /dev/urandom | base64)
  cat > "$ENC_DIR/enc.yaml" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${KEY}
      - identity: {}
YAML
  chmod 600 "$ENC_DIR/enc.yaml"
fi

apiserver_id() { crictl ps --name '^kube-apiserver$' --state running --quiet 2>/dev/null | head -n1 || true; }

# 2. kube-apiserver reads the file only if its static pod mounts it: flag + volumeMount + hostPath volume.
#    Edit a copy kept OUTSIDE /etc/kubernetes/manifests (the kubelet would run any manifest left there).
if ! grep -q -- '--encryption-provider-config=' "$MANIFEST"; then
  OLD_ID=$(apiserver_id)
  cp "$MANIFEST" /root/kube-apiserver.yaml.orig
  awk '
    /^    - kube-apiserver$/ && !flag { print; print "    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml"; flag = 1; next }
    /^    volumeMounts:$/ && !mount { print; print "    - mountPath: /etc/kubernetes/enc"; print "      name: enc"; print "      readOnly: true"; mount = 1; next }
    /^  volumes:$/ && !vol { print; print "  - hostPath:"; print "      path: /etc/kubernetes/enc"; print "      type: DirectoryOrCreate"; print "    name: enc"; vol = 1; next }
    { print }
    END { if (!(flag && mount && vol)) exit 1 }
  ' /root/kube-apiserver.yaml.orig > /root/kube-apiserver.yaml.new
  cat /root/kube-apiserver.yaml.new > "$MANIFEST"

  # 3. The kubelet replaces the pod: wait for a NEW kube-apiserver container that answers /readyz.
  for i in $(seq 1 90); do
    NEW_ID=$(apiserver_id)
    if [ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 90 ]; then
      echo "kube-apiserver did not come back after the manifest change:" >&2
      crictl ps -a --name kube-apiserver >&2 || true
      LAST=$(crictl ps -a --name '^kube-apiserver$' --quiet | head -n1)
      [ -n "$LAST" ] && crictl logs --tail 5 "$LAST" >&2 || true
      exit 1
    fi
    sleep 2
  done
fi

# 4. New Secrets are encrypted from now on; existing ones only when written again.
kubectl get secret db-credentials -n vault >/dev/null 2>&1 ||
  kubectl create secret generic db-credentials -n vault --from-literal=username=app --from-literal=password=Pa55w0rd-vault-42
kubectl get secrets --all-namespaces -o json | kubectl replace -f - >/dev/null
echo "every Secret rewritten through the encrypting API server"
