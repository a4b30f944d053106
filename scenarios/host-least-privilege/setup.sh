#!/bin/bash
# host-least-privilege setup: the user gets the runtime socket through a group, and passwordless sudo.
set -euo pipefail
U=$PARAM_USER
G=$PARAM_GROUP
SOCK=/run/containerd/containerd.sock

[ -S "$SOCK" ] || { echo "setup: $SOCK is not a socket: is containerd running?" >&2; exit 1; }
getent group "$G" >/dev/null || groupadd --system "$G"
id "$U" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$U"
usermod -aG "$G" "$U"

# "crictl said permission denied, so I opened the socket up."
chown root:"$G" "$SOCK"
chmod 0666 "$SOCK"

printf '# %s runs the deploy scripts and needs root for them\n%s ALL=(ALL) NOPASSWD: ALL\n' "$U" "$U" > "/etc/sudoers.d/$U"
chmod 0440 "/etc/sudoers.d/$U"
visudo -c >/dev/null

# The starting point the README describes: the user reaches the runtime and is root without a password.
setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups crictl ps >/dev/null
sudo -l -U "$U" | grep 'NOPASSWD: ALL' >/dev/null
