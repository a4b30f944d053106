#!/usr/bin/env bash
# Runs on the control-plane node. Stages a "downloaded" Kubernetes v1.34.0 server release under
# /opt/cks/release: small generated stand-ins for the binaries (distinct, deterministic bytes, so
# the grader knows their release sha512) and one .sha512 file per binary in the form dl.k8s.io
# serves it (the hex digest only). Then replaces the binaries named in PARAM_TAMPERED
# (`+`-separated) with other bytes of the same size. Idempotent: everything is rebuilt each run.
set -euo pipefail
RELEASE=/opt/cks/release
TAMPERED=${PARAM_TAMPERED:-kube-apiserver+kubelet}
# name:payload bytes (the grader's release list in scenario.yaml holds these files' sha512)
BINARIES="kube-apiserver:98304 kube-controller-manager:90112 kube-scheduler:65536 kube-proxy:69632 kubelet:94208 kubectl:73728 kubeadm:81920"

# Deterministic bytes that look like an ELF binary: an ELF header, then AES-CTR of zeroes keyed by salt/name.
gen() {
  local key
  key=$(printf '%s/%s' "$2" "$1" | sha256sum | cut -c1-64)
  printf '\177ELF\002\001\001\000'
  head -c "$3" /dev/zero | openssl enc -aes-256-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000
}

rm -rf "$RELEASE"
mkdir -p "$RELEASE/bin" "$RELEASE/sha512"
declare -A SIZE
for spec in $BINARIES; do
  name=${spec%%:*}
  SIZE[$name]=${spec#*:}
  gen "$name" cks-release-v1.34.0 "${SIZE[$name]}" > "$RELEASE/bin/$name"
  sha512sum < "$RELEASE/bin/$name" | cut -d' ' -f1 | tr -d '\n' > "$RELEASE/sha512/$name.sha512"
done

IFS=+ read -r -a tampered <<< "$TAMPERED"
for name in "${tampered[@]}"; do
  [ -n "${SIZE[$name]:-}" ] || { echo "setup: '$name' is not one of the staged binaries" >&2; exit 1; }
  gen "$name" cks-tampered "${SIZE[$name]}" > "$RELEASE/bin/$name"
done

chmod 0755 "$RELEASE/bin"/*
chmod 0644 "$RELEASE/sha512"/*
# One timestamp for every file: the tampered ones must not stand out by their mtime.
touch -d '2025-08-27 09:14:00 UTC' "$RELEASE/bin"/* "$RELEASE/sha512"/*
echo "setup done: v1.34.0 release staged in $RELEASE"
