#!/bin/bash
# host-footprint setup: build a small Debian package offline (dpkg-deb, as a vendor would ship it),
# install it with dpkg: its postinst creates a system user and enables and starts a service that
# listens on a TCP port (openssl s_server serving a status page). The package is hand-made and
# sloppy on purpose: it has no prerm, so removing it does not stop the running service.
set -euo pipefail
PKG=$PARAM_PACKAGE
U=$PARAM_USER
PORT=$PARAM_PORT

B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT
R=$B/$PKG
mkdir -p "$R/DEBIAN" "$R/usr/sbin" "$R/lib/systemd/system" "$R/etc/$PKG"

cat > "$R/DEBIAN/control" <<CONTROL
Package: $PKG
Version: 2.3.1
Architecture: all
Maintainer: Node Telemetry Team <telemetry@example.com>
Depends: openssl
Section: admin
Priority: optional
Description: node telemetry agent
 Publishes details about this node on TCP port $PORT to anyone who asks.
CONTROL
echo "/etc/$PKG/$PKG.conf" > "$R/DEBIAN/conffiles"
cat > "$R/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
  getent passwd $U >/dev/null || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $U
  systemctl daemon-reload >/dev/null 2>&1 || true
  systemctl enable $PKG.service
  systemctl restart $PKG.service
fi
POSTINST
chmod 0755 "$R/DEBIAN/postinst"

cat > "$R/etc/$PKG/$PKG.conf" <<CONF
# $PKG settings
PORT=$PORT
CONF
cat > "$R/usr/sbin/$PKG" <<'AGENT'
#!/bin/sh
# Serves a status page on $PORT (from the conffile) with TLS, without a certificate.
CONF_FILE=/etc/$(basename "$0")/$(basename "$0").conf
. "$CONF_FILE"
exec openssl s_server -quiet -nocert -www -accept "$PORT"
AGENT
chmod 0755 "$R/usr/sbin/$PKG"
cat > "$R/lib/systemd/system/$PKG.service" <<UNIT
[Unit]
Description=Node telemetry agent
After=network.target

[Service]
User=$U
ExecStart=/usr/sbin/$PKG
Restart=always

[Install]
WantedBy=multi-user.target
UNIT

dpkg-deb --root-owner-group --build "$R" "$B/${PKG}_2.3.1_all.deb" >/dev/null
dpkg -i "$B/${PKG}_2.3.1_all.deb" >/dev/null

# The starting point the README describes: installed, enabled, running as the user, listening.
dpkg -s "$PKG" | grep '^Status: install ok installed' >/dev/null
[ "$(systemctl is-enabled "$PKG")" = enabled ]
id "$U" >/dev/null
for _ in $(seq 1 50); do
  [ -n "$(ss -ltnH "sport = :$PORT")" ] && exit 0
  sleep 0.1
done
echo "setup: $PKG does not listen on TCP port $PORT" >&2
exit 1
