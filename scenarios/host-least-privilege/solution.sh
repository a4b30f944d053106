#!/bin/bash
# host-least-privilege reference solution (idempotent).
set -euo pipefail
U=$PARAM_USER
G=$PARAM_GROUP
SOCK=/run/containerd/containerd.sock

# The socket as containerd creates it: only root (and root's group) may connect.
chown root:root "$SOCK"
chmod 0660 "$SOCK"

# Out of the group, account kept.
if id -nG "$U" | tr ' ' '\n' | grep -qx "$G"; then
  gpasswd -d "$U" "$G"
fi

# No sudo rule left for the user.
rm -f "/etc/sudoers.d/$U"
visudo -c >/dev/null
sudo -l -U "$U"
