#!/usr/bin/env bash
# Self-check of the `upgrade` lab, run on the control-plane node once it is Ready: imports the staged
# v1.35.0 images into containerd on BOTH nodes (offline: from the tarballs in the image), then
# proves the upgrade can run offline — kubeadm/kubelet/kubectl 1.34.0-1.1 installed and held, the
# 1.35.0-1.1 packages visible to apt from the local repository (and unchanged since the build), and
# every image kubeadm v1.35.0 itself lists (`kubeadm config images list`, from the staged package)
# present in containerd on each node. Any problem exits non-zero: a lab that cannot be upgraded
# never reaches a learner.
set -uo pipefail
fail() { echo "upgrade lab self-check FAILED: $*" >&2; exit 1; }
REPO=/opt/cks-lab/upgrade/debs
IMAGES=/opt/cks-lab/upgrade/images
TO=v1.35.0
DEB=1.35.0-1.1

[ -f "$REPO/SHA256SUMS" ] || fail "$REPO/SHA256SUMS is missing from the node image"
(cd "$REPO" && sha256sum -c --quiet SHA256SUMS) || fail "the staged packages in $REPO do not match their SHA256SUMS"
apt-get update -qq >/dev/null 2>&1 || fail "apt-get update fails with the local repository as the only source"
for p in kubeadm kubelet kubectl; do
  POLICY=$(apt-cache policy "$p")
  grep -q "Installed: 1.34.0-1.1" <<<"$POLICY" || fail "$p 1.34.0-1.1 is not installed as a package (apt-cache policy $p: $(tr '\n' ' ' <<<"$POLICY"))"
  grep -q "Candidate: $DEB" <<<"$POLICY" || fail "$p $DEB is not available from the local repository (apt-cache policy $p: $(tr '\n' ' ' <<<"$POLICY"))"
done
HELD=$(apt-mark showhold | sort | tr '\n' ' ')
[ "$HELD" = "kubeadm kubectl kubelet " ] || fail "kubeadm, kubectl and kubelet should be held (apt-mark showhold: $HELD)"
[ "$(kubeadm version -o short)" = v1.34.0 ] || fail "kubeadm is $(kubeadm version -o short), the lab starts at v1.34.0"

# The images kubeadm v1.35.0 wants, from the staged package itself (not from a list kept here).
NEW=$(mktemp -d)
dpkg-deb -x "$REPO/kubeadm_${DEB}_amd64.deb" "$NEW" || fail "cannot unpack the staged kubeadm $DEB"
WANT=$("$NEW/usr/bin/kubeadm" config images list --kubernetes-version "$TO") || fail "kubeadm $DEB cannot list its images"
rm -rf "$NEW"

check_node() { # $1: how to run a command on the node ("" = here, "ssh worker" = the worker)
  local run=$1 have
  $run ctr -n k8s.io images import $IMAGES/*.tar >/dev/null || fail "${run:-control plane}: importing $IMAGES/*.tar into containerd failed"
  if [ -z "$run" ]; then
    # What the kubelet's runtime (CRI) lists: the images kubeadm's preflight will find.
    have=$(crictl images -o json | jq -r '.images[].repoTags[]') || fail "control plane: crictl images failed"
  else
    # containerd's own list of the CRI namespace (k8s.io) on the worker.
    have=$($run ctr -n k8s.io images ls -q) || fail "$run: ctr images ls failed"
  fi
  for img in $WANT; do
    grep -qxF "$img" <<<"$have" || fail "${run:-control plane}: $img (needed by kubeadm $TO) is not in containerd"
  done
}
check_node ""
check_node "ssh -o BatchMode=yes worker"
echo "upgrade lab self-check passed: 1.34.0-1.1 held, $DEB staged offline, $(wc -w <<<"$WANT") images of $TO in containerd on both nodes"
