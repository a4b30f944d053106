#!/bin/bash
# Reference solution: a key pair in /root/cosign, the image signed by digest without the
# transparency log, the verifier given the public key, and a ValidatingWebhookConfiguration that
# sends Pod creations in the namespace to it and fails closed. Idempotent.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
REF=$PARAM_REGISTRY/$PARAM_SIGNED_REPOSITORY
export COSIGN_PASSWORD=$PARAM_KEY_PASSWORD

mkdir -p /root/cosign && cd /root/cosign
[ -s cosign.key ] || cosign generate-key-pair
cosign login "$PARAM_REGISTRY" -u "$PARAM_REGISTRY_USER" -p "$PARAM_REGISTRY_PASSWORD"
DIGEST=$(curl -sSf -I -u "$PARAM_REGISTRY_USER:$PARAM_REGISTRY_PASSWORD" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "https://$PARAM_REGISTRY/v2/$PARAM_SIGNED_REPOSITORY/manifests/$PARAM_TAG" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')
cosign sign -y --key cosign.key --tlog-upload=false "$REF@$DIGEST"
cosign verify --key cosign.pub --insecure-ignore-tlog=true "$REF@$DIGEST" >/dev/null
cp cosign.pub /etc/cosign-verifier/cosign.pub

kubectl apply -f - <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: $PARAM_WEBHOOK
webhooks:
  - name: verify.cosign.cks-lab.io
    clientConfig:
      url: https://127.0.0.1:$PARAM_VERIFIER_PORT/validate
      caBundle: $(base64 -w0 /etc/cosign-verifier/ca.crt)
    rules:
      - operations: [CREATE]
        apiGroups: [""]
        apiVersions: [v1]
        resources: [pods]
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: $PARAM_NAMESPACE
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 20
YAML
