#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf). Idempotent.
# Installs the lab's ImageReview backend as a systemd service on the node (an HTTPS server built
# from what kindest/node has: openssl s_server for TLS, bash and jq for HTTP and JSON), and gives
# the learner the backend's CA and a client certificate for kube-apiserver.
set -euo pipefail
PORT=$PARAM_BACKEND_PORT
ADM=/etc/kubernetes/admission
SRV=/etc/image-policy-webhook
mkdir -p "$ADM" "$SRV"

# 1. Certificates, made here with openssl: a CA, the backend's serving certificate (127.0.0.1 and
#    localhost), and the client certificate kube-apiserver presents (the backend requires one).
if [ ! -s "$SRV/server.crt" ] || [ ! -s "$ADM/apiserver-client.crt" ]; then
  tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=image-policy-webhook-ca" \
    -keyout "$tmp/ca.key" -out "$SRV/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=image-policy-webhook" -keyout "$SRV/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tmp/server.ext"
  openssl x509 -req -days 365 -in "$tmp/server.csr" -CA "$SRV/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -extfile "$tmp/server.ext" -out "$SRV/server.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver-image-policy" -keyout "$ADM/apiserver-client.key" -out "$tmp/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > "$tmp/client.ext"
  openssl x509 -req -days 365 -in "$tmp/client.csr" -CA "$SRV/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -extfile "$tmp/client.ext" -out "$ADM/apiserver-client.crt" 2>/dev/null
  cp "$SRV/ca.crt" "$ADM/webhook-ca.crt"
  chmod 600 "$SRV/server.key" "$ADM/apiserver-client.key"
  rm -rf "$tmp"
fi

# 2. The backend. One TLS connection at a time (openssl s_server); each request is an HTTP POST of
#    an ImageReview. Denies images tagged latest and images with neither tag nor digest; answers
#    503 (it cannot decide) for images whose registry ends in .invalid, which it cannot reach.
cat > /usr/local/bin/image-policy-webhook <<'SCRIPT'
#!/bin/bash
# ImageReview backend for kube-apiserver's ImagePolicyWebhook (imagepolicy.k8s.io/v1alpha1).
set -u
export LC_ALL=C
PORT=${PORT:-8443}
SRV=/etc/image-policy-webhook
coproc TLS { exec openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert "$SRV/server.crt" -key "$SRV/server.key" \
  -CAfile "$SRV/ca.crt" -Verify 1 -verify_return_error; }
IN=${TLS[0]}
OUT=${TLS[1]}
reply() { # status, body
  printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$1" "${#2}" "$2" >&"$OUT"
}
review() { # allowed, reason
  jq -cn --argjson a "$1" --arg r "$2" '{apiVersion:"imagepolicy.k8s.io/v1alpha1",kind:"ImageReview",status:({allowed:$a} + (if $r == "" then {} else {reason:$r} end))}'
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
  if [ "${len:-0}" -gt 0 ] && [ "$len" -le 1048576 ]; then IFS= read -r -N "$len" body <&"$IN"; fi
  if [ "$method" != POST ]; then reply '200 OK' '{"status":"ok"}'; continue; fi
  images=$(jq -r '.spec.containers[]?.image // empty' <<<"$body" 2>/dev/null) || { reply '400 Bad Request' '{"error":"not an ImageReview"}'; continue; }
  bad=() unknown=()
  while IFS= read -r image; do
    [ -z "$image" ] && continue
    ref=${image%%@*}
    last=${ref##*/}
    tag=
    [[ "$last" == *:* ]] && tag=${last##*:}
    registry=${ref%%/*}
    if [[ "$ref" == */* && "$registry" == *.invalid* ]]; then unknown+=("$image")
    elif [ "$tag" = latest ] || { [ -z "$tag" ] && [ "$ref" = "$image" ]; }; then bad+=("$image"); fi
  done <<<"$images"
  echo "$(date -u +%FT%TZ) review: ${images//$'\n'/ } bad=${bad[*]:-} unknown=${unknown[*]:-}" >&2
  if [ ${#unknown[@]} -gt 0 ]; then reply '503 Service Unavailable' "$(jq -cn --arg e "cannot reach the registry of ${unknown[*]}" '{error:$e}')"
  elif [ ${#bad[@]} -gt 0 ]; then reply '200 OK' "$(review false "images must be pinned to a version tag or digest, latest and untagged are not allowed: ${bad[*]}")"
  else reply '200 OK' "$(review true '')"; fi
done
echo "openssl s_server stopped" >&2
exit 1
SCRIPT
chmod 755 /usr/local/bin/image-policy-webhook

cat > /etc/systemd/system/image-policy-webhook.service <<UNIT
[Unit]
Description=ImageReview backend for kube-apiserver's ImagePolicyWebhook (https://127.0.0.1:$PORT)
After=network.target

[Service]
Environment=PORT=$PORT
ExecStart=/usr/local/bin/image-policy-webhook
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable image-policy-webhook >/dev/null 2>&1
systemctl restart image-policy-webhook

# 3. The backend must answer, with our CA and client certificate, before the learner starts.
for i in $(seq 1 40); do
  if curl -s --max-time 3 --cacert "$ADM/webhook-ca.crt" --cert "$ADM/apiserver-client.crt" --key "$ADM/apiserver-client.key" \
      "https://127.0.0.1:$PORT/healthz" | grep -q '"ok"'; then
    break
  fi
  if [ "$i" -eq 40 ]; then echo "the image policy backend does not answer on https://127.0.0.1:$PORT" >&2; exit 1; fi
  sleep 0.5
done

# 4. Keep the manifest as it was, to compare with later.
[ -f /root/kube-apiserver.yaml.orig ] || cp /etc/kubernetes/manifests/kube-apiserver.yaml /root/kube-apiserver.yaml.orig
