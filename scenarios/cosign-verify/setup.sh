#!/bin/bash
# cosign-verify setup: two app images in the lab's registry (none signed), namespace secure, and
# the lab's signature verifier — an admission webhook backend on the node (openssl s_server for
# TLS, bash and jq for HTTP and JSON, cosign for the check) that allows a Pod only when every image
# verifies with the public key in /etc/cosign-verifier/cosign.pub. No key is trusted yet and no
# webhook is registered: the learner signs, hands the verifier the key, and wires admission.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
V=/etc/cosign-verifier
PORT=$PARAM_VERIFIER_PORT

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for repo in "$PARAM_SIGNED_REPOSITORY" "$PARAM_UNSIGNED_REPOSITORY"; do
  mkdir -p "$tmp/$repo/srv"
  printf '<h1>%s</h1>\n' "$repo" > "$tmp/$repo/srv/index.html"
  cks-oci-build /opt/cks-lab/images/pause "$tmp/$repo" "$tmp/layout" >/dev/null
  cks-registry-push "$tmp/layout" "$PARAM_REGISTRY/$repo:$PARAM_TAG" >/dev/null
done
kubectl create namespace "$PARAM_NAMESPACE" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# 1. The verifier's TLS identity (a CA of its own; kube-apiserver needs ca.crt as the caBundle) and
#    its registry credentials (cosign reads the docker config).
mkdir -p "$V/docker"
if [ ! -s "$V/server.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=cosign-verifier CA" -keyout "$V/ca.key" -out "$V/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout "$V/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tmp/ext.cnf"
  openssl x509 -req -in "$tmp/server.csr" -CA "$V/ca.crt" -CAkey "$V/ca.key" -CAcreateserial -days 825 -extfile "$tmp/ext.cnf" -out "$V/server.crt" 2>/dev/null
  chmod 600 "$V/ca.key" "$V/server.key"
fi
creds=$(grep -m1 -E '^[^:#]+:' /etc/cks-lab/registry/credentials)
DOCKER_CONFIG="$V/docker" cosign login "$PARAM_REGISTRY" -u "${creds%%:*}" -p "${creds#*:}" >/dev/null 2>&1

# 2. The backend: one TLS connection at a time; each request is an AdmissionReview (admission.k8s.io/v1).
cat > /usr/local/bin/cosign-verifier <<'SCRIPT'
#!/bin/bash
# Validating admission webhook: a Pod is allowed only if `cosign verify` accepts every image of it
# with the trusted public key (offline: --insecure-ignore-tlog=true, signatures made with
# --tlog-upload=false have no transparency-log entry).
set -u
export LC_ALL=C DOCKER_CONFIG=/etc/cosign-verifier/docker
V=/etc/cosign-verifier
coproc TLS { exec openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert "$V/server.crt" -key "$V/server.key"; }
IN=${TLS[0]}
OUT=${TLS[1]}
reply() { # status, body
  printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$1" "${#2}" "$2" >&"$OUT"
}
review() { # uid, allowed, message
  jq -cn --arg u "$1" --argjson a "$2" --arg m "$3" '{apiVersion:"admission.k8s.io/v1",kind:"AdmissionReview",response:({uid:$u,allowed:$a} + (if $a then {} else {status:{code:403,reason:"Forbidden",message:$m}} end))}'
}
while IFS= read -r line <&"$IN"; do
  line=${line%$'\r'}
  [ -z "$line" ] && continue
  read -r method target _ <<<"$line"
  len=0
  while IFS= read -r header <&"$IN"; do
    header=${header%$'\r'}
    [ -z "$header" ] && break
    case "${header,,}" in content-length:*) len=${header#*:}; len=${len//[!0-9]/} ;; esac
  done
  body=
  if [ "${len:-0}" -gt 0 ] && [ "$len" -le 4194304 ]; then IFS= read -r -N "$len" body <&"$IN"; fi
  if [ "$method" != POST ]; then reply '200 OK' '{"status":"ok"}'; continue; fi
  uid=$(jq -r '.request.uid // empty' <<<"$body" 2>/dev/null) || uid=
  if [ -z "$uid" ]; then reply '400 Bad Request' '{"error":"not an AdmissionReview"}'; continue; fi
  images=$(jq -r '.request.object.spec | [(.initContainers // [])[], (.containers // [])[], (.ephemeralContainers // [])[]] | .[].image' <<<"$body" 2>/dev/null)
  denied=
  if [ ! -s "$V/cosign.pub" ]; then denied="no trusted key: $V/cosign.pub is missing"
  else
    while IFS= read -r image; do
      [ -z "$image" ] && continue
      if ! err=$(cosign verify --key "$V/cosign.pub" --insecure-ignore-tlog=true "$image" 2>&1 >/dev/null); then
        denied="image $image is not signed by the trusted key: $(grep -m1 '^Error:' <<<"$err" | sed 's/^Error: //')"
        break
      fi
    done <<<"$images"
  fi
  echo "$(date -u +%FT%TZ) review $uid: ${images//$'\n'/ } ${denied:-allowed}" >&2
  if [ -n "$denied" ]; then reply '200 OK' "$(review "$uid" false "$denied")"; else reply '200 OK' "$(review "$uid" true '')"; fi
done
echo "openssl s_server stopped" >&2
exit 1
SCRIPT
chmod 755 /usr/local/bin/cosign-verifier
cat > /etc/systemd/system/cosign-verifier.service <<UNIT
[Unit]
Description=Image signature verifier for admission (https://127.0.0.1:$PORT/validate)
After=network.target registry.service

[Service]
Environment=PORT=$PORT
ExecStart=/usr/local/bin/cosign-verifier
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable cosign-verifier >/dev/null 2>&1
systemctl restart cosign-verifier
for i in $(seq 1 40); do
  if curl -s --max-time 3 --cacert "$V/ca.crt" "https://127.0.0.1:$PORT/healthz" | grep -q '"ok"'; then break; fi
  if [ "$i" -eq 40 ]; then echo "the signature verifier does not answer on https://127.0.0.1:$PORT" >&2; exit 1; fi
  sleep 0.5
done
