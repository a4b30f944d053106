#!/usr/bin/env bash
# Reference solution (idempotent). Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf).
set -euo pipefail
TEMPLATE=/opt/gatekeeper-library/library/general/allowedrepos/template.yaml

# 1. The colleague's draft refuses every image in all three namespaces (constraints add up: one
#    denial is enough), so it goes. The library's ConstraintTemplate stays (applying it again is harmless).
kubectl delete k8sallowedrepos "$PARAM_DRAFT" --ignore-not-found >/dev/null
kubectl apply -f "$TEMPLATE" >/dev/null
for _ in $(seq 1 60); do
  kubectl get crd k8sallowedrepos.constraints.gatekeeper.sh >/dev/null 2>&1 && break
  sleep 2
done
kubectl wait --for=condition=Established crd/k8sallowedrepos.constraints.gatekeeper.sh --timeout=60s >/dev/null

# 2. The constraint: Pods in the two shop namespaces, the approved prefixes WITH their trailing slash
#    (the template matches plain prefixes: "registry.k8s.io" would also admit registry.k8s.io.evil.com).
kubectl apply -f - >/dev/null <<YAML
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: ${PARAM_CONSTRAINT}
spec:
  enforcementAction: deny
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
    namespaces: ["${PARAM_NS_A}", "${PARAM_NS_B}"]
  parameters:
    repos: ["${PARAM_REPO_A}", "${PARAM_REPO_B}"]
YAML

# Gatekeeper ingests the constraint within seconds; its audit runs every 60 s (bounded waits).
for _ in $(seq 1 60); do
  out=$(printf 'apiVersion: v1\nkind: Pod\nmetadata: { generateName: probe-, namespace: %s }\nspec:\n  containers: [{ name: app, image: "docker.io/library/nginx:1.27" }]\n' "$PARAM_NS_A" \
    | kubectl create --dry-run=server -f - 2>&1) || { grep -q 'validation.gatekeeper.sh' <<<"$out" && break; }
  sleep 2
done
for _ in $(seq 1 75); do
  [ -n "$(kubectl get k8sallowedrepos "$PARAM_CONSTRAINT" -o jsonpath="{.status.violations[?(@.name==\"$PARAM_LEGACY_POD\")].name}" 2>/dev/null)" ] && exit 0
  sleep 2
done
echo "Gatekeeper's audit did not list $PARAM_NS_B/$PARAM_LEGACY_POD within 150 s" >&2
exit 1
