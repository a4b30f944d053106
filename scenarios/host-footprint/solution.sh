#!/bin/bash
# host-footprint reference solution (idempotent).
set -euo pipefail
PKG=$PARAM_PACKAGE
U=$PARAM_USER

# Stop it now and make sure nothing can start it again (a masked unit cannot be started).
systemctl stop "$PKG.service" 2>/dev/null || true
systemctl mask "$PKG.service"

# Remove the package together with its configuration files.
if dpkg -s "$PKG" >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG"
fi

# The system user the package created (Debian never removes those on purge).
if id "$U" >/dev/null 2>&1; then
  userdel "$U"
fi
