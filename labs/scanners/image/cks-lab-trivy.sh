# CKS Lab `scanners` lab: trivy works offline in the learner's login shell (`bash -l`).
# - The vulnerability DB baked into the image (/root/.cache/trivy/db, trivy-db pinned by digest)
#   is used as it is: no download attempt, so every scan of a cluster gives the same answer.
# - Images are found in containerd's `k8s.io` namespace, where the kubelet's images live (trivy's
#   containerd image source reads CONTAINERD_NAMESPACE; its default is `default`, which is empty).
export TRIVY_SKIP_DB_UPDATE=true
export TRIVY_SKIP_JAVA_DB_UPDATE=true
export TRIVY_OFFLINE_SCAN=true
export TRIVY_SKIP_VERSION_CHECK=true
export CONTAINERD_NAMESPACE=k8s.io
