#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, KUBECONFIG=/etc/kubernetes/admin.conf).
set -euo pipefail
U=$PARAM_USER
G=$PARAM_GROUP
NS=$PARAM_NAMESPACE
KC=/root/$U.kubeconfig

# 1. A private key and a certificate signing request for CN=<user>, O=<group>.
[ -s "/root/$U.key" ] || openssl genrsa -out "/root/$U.key" 2048
openssl req -new -key "/root/$U.key" -subj "/CN=$U/O=$G" -out "/root/$U.csr"

# 2. Submit it to the CSR API for the kube-apiserver-client signer, approve it, fetch the certificate.
kubectl delete csr "$U" --ignore-not-found >/dev/null
kubectl create -f - <<YAML
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $U
spec:
  request: $(base64 -w0 < "/root/$U.csr")
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: ["client auth"]
YAML
kubectl certificate approve "$U"
for _ in $(seq 1 30); do
  CERT=$(kubectl get csr "$U" -o jsonpath='{.status.certificate}')
  [ -n "$CERT" ] && break
  sleep 1
done
echo "$CERT" | base64 -d > "/root/$U.crt"

# 3. A kubeconfig of its own: the cluster (address and CA), the user (certificate and key), a context.
SERVER=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
rm -f "$KC"
kubectl --kubeconfig="$KC" config set-cluster cks --server="$SERVER" --certificate-authority=/etc/kubernetes/pki/ca.crt --embed-certs=true
kubectl --kubeconfig="$KC" config set-credentials "$U" --client-certificate="/root/$U.crt" --client-key="/root/$U.key" --embed-certs=true
kubectl --kubeconfig="$KC" config set-context "$U" --cluster=cks --user="$U" --namespace="$NS"
kubectl --kubeconfig="$KC" config use-context "$U"

# 4. Read-only in the namespace: the built-in ClusterRole view, granted there by a RoleBinding.
kubectl -n "$NS" create rolebinding "$U-view" --clusterrole=view --user="$U" --dry-run=client -o yaml | kubectl apply -f -
kubectl --kubeconfig="$KC" auth whoami
