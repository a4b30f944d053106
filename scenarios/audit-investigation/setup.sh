#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
# The ServiceAccount payments/report-generator may get three Secrets (RoleBinding
# report-generator-secrets → Role secret-reader). Its token leaked: the audit log at
# /var/log/kubernetes/audit/audit.log (written here, in the format kube-apiserver writes with
# --audit-log-path and a Metadata-level policy) shows what it did, among ordinary traffic.
# The passwords below are the ones scenario.yaml's checks know (base64 there). Idempotent.
set -euo pipefail

apply() { kubectl apply -f - >/dev/null; }
# Created, not applied: no last-applied annotation keeps a copy of the old value after a rotation.
secret() { # namespace name password [username]
  kubectl -n "$1" delete secret "$2" --ignore-not-found >/dev/null
  kubectl -n "$1" create secret generic "$2" --from-literal=password="$3" ${4:+--from-literal=username="$4"} >/dev/null
}
for ns in payments staging; do kubectl create namespace "$ns" --dry-run=client -o yaml | apply; done
for sa in payments/report-generator payments/billing-api staging/report-generator; do
  kubectl -n "${sa%/*}" create serviceaccount "${sa#*/}" --dry-run=client -o yaml | apply
done

secret payments db-credentials 'Pg-7d1f-payments-2025' payments_app
secret payments stripe-api-key 'sk_live_51Hq8TzKp0rig1nal'
secret payments smtp-relay 'smtp-R3lay-9x2w'
secret payments backup-s3-key 'AKIA-backup-4f8e-s3'
secret payments webhook-signing-key 'whsec-0c7b2a91e4'
secret staging backup-s3-key 'AKIA-staging-77ab-s3'

kubectl -n payments create role secret-reader --verb=get --resource=secrets \
  --resource-name=db-credentials --resource-name=stripe-api-key --resource-name=backup-s3-key --dry-run=client -o yaml | apply
kubectl -n payments create rolebinding report-generator-secrets --role=secret-reader \
  --serviceaccount=payments:report-generator --dry-run=client -o yaml | apply
kubectl -n payments create role smtp-reader --verb=get --resource=secrets --resource-name=smtp-relay --dry-run=client -o yaml | apply
kubectl -n payments create rolebinding billing-api-smtp --role=smtp-reader --serviceaccount=payments:billing-api --dry-run=client -o yaml | apply
kubectl -n staging create role backup-reader --verb=get --resource=secrets --resource-name=backup-s3-key --dry-run=client -o yaml | apply
kubectl -n staging create rolebinding report-generator-backup --role=backup-reader --serviceaccount=staging:report-generator --dry-run=client -o yaml | apply

# ---- the audit log -------------------------------------------------------------------------
LOG=/var/log/kubernetes/audit/audit.log
mkdir -p "${LOG%/*}"
: > "$LOG"
NOW=$(date -u +%s)
T=$((NOW - 3300))
ts() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%6NZ; }

# A ServiceAccount token's user, as the API server records it (uid: the ServiceAccount's own).
sa_user() { # namespace name pod
  jq -cn --arg ns "$1" --arg n "$2" --arg pod "$3" --arg node "$(hostname)" --arg jti "$(cat /proc/sys/kernel/random/uuid)" \
    --arg uid "$(kubectl -n "$1" get serviceaccount "$2" -o jsonpath='{.metadata.uid}')" \
    '{username: "system:serviceaccount:\($ns):\($n)", uid: $uid, groups: ["system:serviceaccounts", "system:serviceaccounts:\($ns)", "system:authenticated"],
      extra: {"authentication.kubernetes.io/credential-id": ["JTI=\($jti)"], "authentication.kubernetes.io/node-name": [$node], "authentication.kubernetes.io/pod-name": [$pod]}}'
}
REPORTER=$(sa_user payments report-generator report-generator-7c9d5b8f6-x2kqp)
BILLING=$(sa_user payments billing-api billing-api-5f6b7d9c4-m8r2t)
STAGING=$(sa_user staging report-generator report-generator-6d8f9c7b5-q4wzn)
ADMIN='{"username":"kubernetes-admin","groups":["kubeadm:cluster-admins","system:authenticated"]}'
SCHED='{"username":"system:kube-scheduler","groups":["system:authenticated"]}'
KCM='{"username":"system:kube-controller-manager","groups":["system:authenticated"]}'
ALLOW_ADMIN='RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"'
ALLOW_REPORTER='RBAC: allowed by RoleBinding "report-generator-secrets/payments" of Role "secret-reader" to ServiceAccount "report-generator/payments"'
ALLOW_BILLING='RBAC: allowed by RoleBinding "billing-api-smtp/payments" of Role "smtp-reader" to ServiceAccount "billing-api/payments"'
ALLOW_STAGING='RBAC: allowed by RoleBinding "report-generator-backup/staging" of Role "backup-reader" to ServiceAccount "report-generator/staging"'

# One request: its RequestReceived and ResponseComplete events (the default policy keeps both stages).
# req <seconds after T> <verb> <requestURI> <user json> <source ip> <user agent> <objectRef json> <code> <authz reason or - for forbid>
req() {
  local at=$((T + $1)) verb=$2 uri=$3 user=$4 ip=$5 ua=$6 ref=$7 code=$8 decision=allow reason=$9 id us t0 t1 status
  id=$(cat /proc/sys/kernel/random/uuid)
  us=$(( (RANDOM * 29) % 900000 + 10000 ))
  t0=$(ts "$at.$(printf %06d "$us")"); t1=$(ts "$at.$(printf %06d $((us + RANDOM % 8000 + 600)))")
  if [ "$reason" = - ]; then decision=forbid reason=''; fi
  case "$code" in
    403) status=$(jq -cn --argjson r "$ref" --arg u "$(jq -r .username <<< "$user")" --arg v "$verb" \
           '{metadata: {}, status: "Failure", message: "\($r.resource) \(if $r.name then "\"\($r.name)\" " else "" end)is forbidden: User \"\($u)\" cannot \($v) resource \"\($r.resource)\" in API group \"\($r.apiGroup // "")\" in the namespace \"\($r.namespace)\"", reason: "Forbidden", details: ({kind: $r.resource} + (if $r.name then {name: $r.name} else {} end)), code: 403}') ;;
    *) status=$(jq -cn --argjson c "$code" '{metadata: {}, code: $c}') ;;
  esac
  jq -cn --arg id "$id" --arg uri "$uri" --arg verb "$verb" --argjson user "$user" --arg ip "$ip" --arg ua "$ua" --argjson ref "$ref" --arg t0 "$t0" \
    '{kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", auditID: $id, stage: "RequestReceived", requestURI: $uri, verb: $verb, user: $user, sourceIPs: [$ip], userAgent: $ua, objectRef: $ref, requestReceivedTimestamp: $t0, stageTimestamp: $t0}' >> "$LOG"
  jq -cn --arg id "$id" --arg uri "$uri" --arg verb "$verb" --argjson user "$user" --arg ip "$ip" --arg ua "$ua" --argjson ref "$ref" --argjson status "$status" --arg t0 "$t0" --arg t1 "$t1" --arg d "$decision" --arg r "$reason" \
    '{kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", auditID: $id, stage: "ResponseComplete", requestURI: $uri, verb: $verb, user: $user, sourceIPs: [$ip], userAgent: $ua, objectRef: $ref, responseStatus: $status, requestReceivedTimestamp: $t0, stageTimestamp: $t1, annotations: {"authorization.k8s.io/decision": $d, "authorization.k8s.io/reason": $r}}' >> "$LOG"
}
# objectRef keys in the order kube-apiserver writes them; a list has no name.
secret_ref() { jq -cn --arg ns "$1" --arg n "$2" '{resource: "secrets", namespace: $ns} + (if $n == "" then {} else {name: $n} end) + {apiVersion: "v1"}'; }
lease() { # at user agent name
  req "$1" update "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/$3?timeout=5s" "$2" 172.18.0.2 "$3/v1.34.0 (linux/amd64) kubernetes/f28b4c9/leader-election" \
    "$(jq -cn --arg n "$3" '{resource: "leases", namespace: "kube-system", name: $n, apiGroup: "coordination.k8s.io", apiVersion: "v1"}')" 200 \
    "RBAC: allowed by ClusterRoleBinding \"system:$3\" of ClusterRole \"system:$3\" to User \"system:$3\""
}
CURL=curl/8.5.0
KUBECTL='kubectl/v1.34.0 (linux/amd64) kubernetes/f28b4c9'
REPORT='report-generator/1.8.2'

lease 0 "$SCHED" kube-scheduler
lease 2 "$KCM" kube-controller-manager
req 40 list '/api/v1/namespaces/payments/secrets?limit=500' "$ADMIN" 172.18.0.1 "$KUBECTL" "$(secret_ref payments '')" 200 "$ALLOW_ADMIN"
req 95 get /api/v1/namespaces/payments/secrets/smtp-relay "$BILLING" 10.244.0.17 billing-api/2.4.1 "$(secret_ref payments smtp-relay)" 200 "$ALLOW_BILLING"
lease 120 "$SCHED" kube-scheduler
req 310 get /api/v1/namespaces/staging/secrets/backup-s3-key "$STAGING" 10.244.0.21 "$REPORT" "$(secret_ref staging backup-s3-key)" 200 "$ALLOW_STAGING"
lease 330 "$KCM" kube-controller-manager
# The leaked token, used from inside the report-generator pod with curl.
req 1210 create /apis/authorization.k8s.io/v1/selfsubjectrulesreviews "$REPORTER" 10.244.0.23 "$CURL" \
  '{"resource":"selfsubjectrulesreviews","apiGroup":"authorization.k8s.io","apiVersion":"v1"}' 201 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"'
req 1224 list /api/v1/namespaces/payments/secrets "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments '')" 403 -
req 1236 get /api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref kube-system bootstrap-token-abcdef)" 403 -
req 1251 get /api/v1/namespaces/payments/secrets/db-credentials "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments db-credentials)" 200 "$ALLOW_REPORTER"
req 1263 get /api/v1/namespaces/payments/secrets/smtp-relay "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments smtp-relay)" 403 -
lease 1270 "$SCHED" kube-scheduler
req 1278 get /api/v1/namespaces/payments/secrets/stripe-api-key "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments stripe-api-key)" 200 "$ALLOW_REPORTER"
req 1290 get /api/v1/namespaces/payments/secrets/admin-token "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments admin-token)" 403 -
req 1302 get /api/v1/namespaces/payments/secrets/db-credentials "$REPORTER" 10.244.0.23 "$CURL" "$(secret_ref payments db-credentials)" 200 "$ALLOW_REPORTER"
lease 1330 "$KCM" kube-controller-manager
req 1815 get /api/v1/namespaces/payments/secrets/smtp-relay "$BILLING" 10.244.0.17 billing-api/2.4.1 "$(secret_ref payments smtp-relay)" 200 "$ALLOW_BILLING"
req 2405 get /api/v1/namespaces/payments/secrets/webhook-signing-key "$ADMIN" 172.18.0.1 "$KUBECTL" "$(secret_ref payments webhook-signing-key)" 200 "$ALLOW_ADMIN"
lease 2410 "$SCHED" kube-scheduler
chmod 0600 "$LOG"
echo "setup done: $(wc -l < "$LOG") audit events in $LOG"
