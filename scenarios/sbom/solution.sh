#!/usr/bin/env bash
# Reference solution (runs on the control-plane node, not a login shell: the lab's trivy settings
# are read from /etc/profile.d). An SPDX-JSON SBOM of each container's image; the one listing the
# package is saved and its container removed from the Pod template. Idempotent: once the container
# is gone, the SBOM saved before stays.
set -euo pipefail
# shellcheck disable=SC1091
source /etc/profile.d/cks-lab-trivy.sh
NS=$PARAM_NAMESPACE
D=$PARAM_DEPLOYMENT
OUT=/root/$PARAM_SBOM_NAME
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
REMOVE=""
REMOVE_IMAGE=""
while read -r name image; do
  trivy image --quiet --format spdx-json --output "$TMP/$name.json" "$image"
  if jq -e --arg p "$PARAM_PACKAGE" 'any(.packages[]; .name == $p)' "$TMP/$name.json" >/dev/null; then
    cp "$TMP/$name.json" "$OUT"
    REMOVE=$name
    REMOVE_IMAGE=$image
  fi
done < <(kubectl -n "$NS" get deployment "$D" -o jsonpath='{range .spec.template.spec.containers[*]}{.name} {.image}{"\n"}{end}')
if [ -n "$REMOVE" ]; then
  kubectl -n "$NS" get deployment "$D" -o json \
    | jq --arg c "$REMOVE" 'del(.spec.template.spec.containers[] | select(.name == $c))' \
    | kubectl replace -f - >/dev/null
fi
[ -s "$OUT" ] || { echo "no image of $D ships $PARAM_PACKAGE and no SBOM was saved before" >&2; exit 1; }
kubectl -n "$NS" rollout status "deployment/$D" --timeout=120s >/dev/null
# The old Pod may still be terminating after the rollout: wait until no Pod runs the removed image.
for i in $(seq 1 60); do
  [ -n "$REMOVE_IMAGE" ] || break
  kubectl -n "$NS" get pods -l "app=$D" -o jsonpath='{.items[*].spec.containers[*].image}' | grep -qF "$REMOVE_IMAGE" || break
  sleep 1
done
