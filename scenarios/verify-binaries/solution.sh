#!/usr/bin/env bash
# Reference solution (runs on the control-plane node): compare each binary's sha512 with the
# release's published one and delete the binaries that differ.
set -euo pipefail
cd /opt/cks/release/bin
for f in *; do
  want=$(cat "/opt/cks/release/sha512/$f.sha512")
  got=$(sha512sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "tampered: $f"
    rm -f -- "$f"
  fi
done
