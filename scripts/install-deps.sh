#!/bin/sh
# Installs the Debian packages kaic needs to build and test; does nothing when all are present.
set -e
PKGS="build-essential pkg-config libcurl4-openssl-dev libjansson-dev libyaml-dev libssl-dev
libmicrohttpd-dev libgnutls28-dev libcmocka-dev libtar-dev zlib1g-dev libjemalloc-dev openssl ca-certificates curl python3 python3-yaml time bc"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
for p in $KAIC_EXTRA_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
