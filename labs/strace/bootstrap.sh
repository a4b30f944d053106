#!/usr/bin/env bash
# Self-check of the `strace` lab, run on the control-plane node once it is Ready: strace is there,
# is the pinned Debian package, and attaches to a running process (ptrace allowed: the node is a
# privileged container) and sees the syscall it makes. It first imports the preloaded busybox
# image into containerd (the scenario runs offline). Any problem exits non-zero loudly.
set -uo pipefail
fail() { echo "strace lab self-check FAILED: $*" >&2; exit 1; }

for tool in strace crictl jq; do command -v "$tool" >/dev/null || fail "$tool is missing from the node image"; done
V=$(strace -V 2>&1 | head -n 1)
[ "$V" = "strace -- version 6.1" ] || fail "strace says '$V', the lab pins 6.1 (Debian 6.1-0.1)"

IMAGES=/opt/cks-lab/strace/images
ls "$IMAGES"/*.tar >/dev/null 2>&1 || fail "no preloaded image tarballs in $IMAGES"
ctr -n k8s.io images import "$IMAGES"/*.tar >/dev/null || fail "importing $IMAGES/*.tar into containerd failed"
HAVE=$(crictl images -o json | jq -r '.images[].repoTags[]') || fail "crictl images failed"
grep -qxF docker.io/library/busybox:1.36.1 <<<"$HAVE" || fail "docker.io/library/busybox:1.36.1 is not in containerd after the import"

# Attach to a running process, as a learner does with a container's pid: its kill(2) must show.
OUT=$(mktemp)
trap 'rm -f "$OUT"; kill "$TARGET" 2>/dev/null' EXIT
bash -c 'while :; do kill -0 $$; sleep 0.2; done' &
TARGET=$!
timeout -k 1 3 strace -qq -e trace=kill -p "$TARGET" -o "$OUT" 2>/dev/null
grep -q '^kill(' "$OUT" || fail "strace -p attached to pid $TARGET but saw no kill(2) in 3 s: $(head -c 300 "$OUT")"
echo "strace lab self-check passed: strace 6.1 attaches to a running process and sees its syscalls"
