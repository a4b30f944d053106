#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf), after the lab's bootstrap
# installed Gatekeeper. The shop's two namespaces (sharing a label), a namespace the rule must not
# touch, and an old Pod from Docker Hub in the second shop namespace — started before any rule, so
# only Gatekeeper's audit can report it — then a colleague's first attempt: the gatekeeper-library
# allowedrepos template and a draft constraint that refuses every image in all three namespaces.
set -euo pipefail
TEMPLATE=/opt/gatekeeper-library/library/general/allowedrepos/template.yaml
KEY=${PARAM_NS_LABEL%%=*}
VALUE=${PARAM_NS_LABEL#*=}

for ns in "$PARAM_NS_A" "$PARAM_NS_B" "$PARAM_OTHER_NS"; do
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
done
kubectl label namespace "$PARAM_NS_A" "$PARAM_NS_B" "$KEY=$VALUE" --overwrite >/dev/null

kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: ${PARAM_LEGACY_POD}
  namespace: ${PARAM_NS_B}
  labels: { app: legacy-web }
spec:
  containers:
    - name: web
      image: nginx:1.27
YAML

kubectl apply -f "$TEMPLATE" >/dev/null
for _ in $(seq 1 60); do
  kubectl get crd k8sallowedrepos.constraints.gatekeeper.sh >/dev/null 2>&1 && break
  sleep 2
done
kubectl wait --for=condition=Established crd/k8sallowedrepos.constraints.gatekeeper.sh --timeout=60s >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: ${PARAM_DRAFT}
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
    namespaces: ["${PARAM_NS_A}", "${PARAM_NS_B}", "${PARAM_OTHER_NS}"]
  parameters:
    repos: []
YAML
