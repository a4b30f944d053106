#!/bin/sh
# Runs inside a fresh mount + UTS namespace (started by node-runtime.mjs through `unshare`).
# Assembles the fake node's root filesystem on a tmpfs at $1:
#   - host system dirs as overlays whose upper layer is the node dir ($2/<dir>), so the node's
#     files appear at their real paths and every write lands in the node dir, never on the host;
#   - /root and /tmp bound straight from the node dir; /proc, /sys, /dev from the host; /run a tmpfs.
# Then sets the hostname and turns into the node's "init" (sleep) chrooted in that root.
# Arguments are positional values only; nothing here is evaluated as code.
set -eu
ROOTFS=$1
NODE=$2
WORK=$3
HOST=$4
SKIP=$5 # a top-level host dir that holds the fake home: bound from the node dir, not overlaid
SECFS=${6:-}   # the node's securityfs view (AppArmor images), bound at /sys/kernel/security
NOKVM=${7:-}   # "nokvm": hide the host's /dev/kvm from this node (a host without virtualization)

mount -t tmpfs -o mode=0755 cks-fake-node "$ROOTFS"
for d in bin sbin lib lib32 lib64 libx32 usr etc var opt srv home; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$ROOTFS/$d"
    continue
  fi
  [ -d "/$d" ] || continue
  mkdir -p "$ROOTFS/$d" "$NODE/$d"
  if [ "$d" = "$SKIP" ]; then
    mount --bind "$NODE/$d" "$ROOTFS/$d"
  else
    mkdir -p "$WORK/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$NODE/$d,workdir=$WORK/$d" "$ROOTFS/$d"
  fi
done
for d in proc sys dev; do
  mkdir -p "$ROOTFS/$d"
  mount --rbind "/$d" "$ROOTFS/$d"
done
if [ -n "$SECFS" ]; then
  mount --bind "$SECFS" "$ROOTFS/sys/kernel/security"
fi
if [ "$NOKVM" = nokvm ] && [ -e "$ROOTFS/dev/kvm" ]; then
  # A regular empty file over the device node: `test -c /dev/kvm` is false, as on a host without KVM.
  : > "$WORK/no-kvm"
  mount --bind "$WORK/no-kvm" "$ROOTFS/dev/kvm"
fi
for d in root tmp; do
  mkdir -p "$ROOTFS/$d" "$NODE/$d"
  mount --bind "$NODE/$d" "$ROOTFS/$d"
done
chmod 1777 "$ROOTFS/tmp"
mkdir -p "$ROOTFS/run"
mount -t tmpfs -o mode=0755 run "$ROOTFS/run"
# containerd's CRI socket as kind's containerd leaves it (root:root 0660): a real unix socket, so its
# owner and mode decide who may reach the runtime (the fake crictl connects to it first).
node "$(dirname "$0")/containerd-socket.cjs" "$ROOTFS/run/containerd/containerd.sock"
hostname "$HOST"
echo "node $HOST ready"
exec chroot "$ROOTFS" sleep infinity
