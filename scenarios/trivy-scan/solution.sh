#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, not a login shell: the lab's trivy settings
# are read from /etc/profile.d). Scans each Deployment's image offline and scales to 0 those whose
# report lists the CVE, then saves the JSON report of the first affected image. Idempotent.
set -euo pipefail
# shellcheck disable=SC1091
source /etc/profile.d/cks-lab-trivy.sh
NS=$PARAM_NAMESPACE
CVE=$PARAM_CVE
AFFECTED_IMAGE=""
for d in $(kubectl -n "$NS" get deployments -o jsonpath='{.items[*].metadata.name}'); do
  image=$(kubectl -n "$NS" get deployment "$d" -o jsonpath='{.spec.template.spec.containers[0].image}')
  if trivy image --quiet --scanners vuln --format json "$image" \
      | jq -e --arg cve "$CVE" '[.Results[]?.Vulnerabilities[]?.VulnerabilityID] | index($cve) != null' >/dev/null; then
    kubectl -n "$NS" scale deployment "$d" --replicas=0 >/dev/null
    AFFECTED_IMAGE=${AFFECTED_IMAGE:-$image}
  fi
done
[ -n "$AFFECTED_IMAGE" ] || { echo "no image in $NS is affected by $CVE" >&2; exit 1; }
# Wait until the scaled-down Deployments report no ready Pod (their Pods are stopping).
for i in $(seq 1 60); do
  READY=$(kubectl -n "$NS" get deployments -o jsonpath='{range .items[?(@.spec.replicas==0)]}{.status.readyReplicas}{end}')
  [ -z "$READY" ] && break
  sleep 1
done
trivy image --quiet --scanners vuln --format json --output "/root/$PARAM_REPORT_NAME" "$AFFECTED_IMAGE"
