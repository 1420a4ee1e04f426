#!/bin/sh
# build-image.sh: builds the kaic container image without a container engine: a minimal
# Debian 12 root filesystem (mmdebstrap), kaic installed into it, packed as an OCI image
# (umoci) and as a docker-archive tarball (skopeo). Called by `make image`.
#
# The image holds kaic and kaic-agentd (the AgentTool controller, deploy/agentd): the
# entrypoint is kaic; a pod that runs the controller sets command: [kaic-agentd].
#
# Output: build/image/oci (OCI layout, tag kaic:VERSION) and build/image/kaic-image.tar
# (loadable with docker load, kind load image-archive, ctr image import).
# Environment: BUILD (where kaic was built, default build), KAIC_BIN (the binary, default
# $BUILD/kaic), KAIC_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# KAIC_IMAGE_DIR (default build/image), SOURCE_DATE_EPOCH (default: the last commit).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
KAIC_BIN=${KAIC_BIN:-$BUILD/kaic}
AGENTD_BIN=${AGENTD_BIN:-$BUILD/kaic-agentd}
VERSION=$(cat VERSION)
MIRROR=${KAIC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=${KAIC_IMAGE_DIR:-build/image}
TAG="kaic:$VERSION"
UID_NONROOT=65532

die() {
	echo "build-image: $*" >&2
	exit 1
}

[ -x "$KAIC_BIN" ] || die "\"$KAIC_BIN\" is missing: run make first"
[ -x "$AGENTD_BIN" ] || die "\"$AGENTD_BIN\" is missing: run make first"
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap and umoci keep file ownership)"
KAIC_EXTRA_PKGS="mmdebstrap umoci skopeo runc" ./scripts/install-deps.sh

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)

work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-image.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
rootfs="$work/rootfs"

# kaic's runtime libraries, the CA certificates, and nothing else: the "extract" variant
# unpacks these packages and their dependencies without running maintainer scripts, so
# no shell, dpkg or apt ends up in the image.
# kaic-agentd adds libmicrohttpd12 (its HTTP server, with gnutls).
pkgs="libcurl4,libjansson4,libyaml-0-2,libssl3,libtar0,zlib1g,libjemalloc2,libmicrohttpd12,ca-certificates"
echo "build-image: root filesystem (Debian bookworm: $pkgs)"
mmdebstrap --quiet --variant=extract --include="$pkgs" bookworm "$rootfs" "$MIRROR"

# Nothing kaic uses at run time: documentation, locales, iconv modules, package
# tooling (debconf, the openssl CLI), dpkg's and apt's state (nothing was installed through dpkg).
echo "build-image: trimming"
for d in usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian \
	usr/share/bug usr/share/common-licenses usr/share/perl5 usr/share/debconf \
	usr/share/pixmaps usr/share/menu usr/share/zsh usr/share/bash-completion \
	usr/lib/x86_64-linux-gnu/gconv usr/lib/aarch64-linux-gnu/gconv usr/lib/ssl/misc \
	var/cache var/lib/apt var/log etc/apt etc/debconf.conf usr/sbin/update-ca-certificates \
	usr/bin/openssl usr/bin/c_rehash; do
	rm -rf "${rootfs:?}/$d"
done
rm -rf "$rootfs"/usr/bin/debconf* "$rootfs/var/lib/dpkg"

# What the maintainer scripts would have done, done from outside.
echo "build-image: installing kaic and the non-root user"
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/home/nonroot" "$rootfs/results"
cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"
rm -rf "$rootfs/usr/share/ca-certificates"
chmod 1777 "$rootfs/tmp"
cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:$UID_NONROOT:$UID_NONROOT:kaic:/home/nonroot:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<EOF
root:x:0:
nonroot:x:$UID_NONROOT:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chown "$UID_NONROOT:$UID_NONROOT" "$rootfs/home/nonroot" "$rootfs/results"
install -m 0755 "$KAIC_BIN" "$rootfs/usr/bin/kaic"
strip --strip-unneeded "$rootfs/usr/bin/kaic" 2>/dev/null || true
ln -sf kaic "$rootfs/usr/bin/kubectl-aiconformance"
install -m 0755 "$AGENTD_BIN" "$rootfs/usr/bin/kaic-agentd"
strip --strip-unneeded "$rootfs/usr/bin/kaic-agentd" 2>/dev/null || true
# Every shared library kaic and kaic-agentd need must be in the image.
missing=$(ldd "$KAIC_BIN" "$AGENTD_BIN" | awk '/=>/ {print $3}' | while read -r lib; do
	base=$(basename "$lib")
	[ -n "$(find "$rootfs/usr/lib" "$rootfs/lib" -name "$base" 2>/dev/null | head -n 1)" ] ||
		echo "$base"
done)
[ -z "$missing" ] || die "libraries missing from the image: $missing"
find "$rootfs" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + \
	2>/dev/null || true

echo "build-image: OCI layout $OUT/oci ($TAG)"
rm -rf "$OUT/oci" "$OUT/kaic-image.tar"
mkdir -p "$OUT"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:$TAG"
umoci insert --image "$OUT/oci:$TAG" --history.created "$created" \
	--history.created_by "scripts/build-image.sh (mmdebstrap bookworm, kaic $VERSION)" \
	"$rootfs" /
umoci config --image "$OUT/oci:$TAG" --created "$created" --author "kaic" \
	--os linux --architecture "$(dpkg --print-architecture)" \
	--config.entrypoint kaic --clear config.cmd --config.cmd help \
	--config.user "$UID_NONROOT:$UID_NONROOT" --config.workingdir /home/nonroot \
	--config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env HOME=/home/nonroot \
	--config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
	--config.label org.opencontainers.image.title=kaic \
	--config.label "org.opencontainers.image.description=Kubernetes AI Conformance checker" \
	--config.label org.opencontainers.image.version="$VERSION" \
	--config.label org.opencontainers.image.revision="$revision" \
	--config.label org.opencontainers.image.created="$created" \
	--config.label org.opencontainers.image.base.name=debian:bookworm \
	--history.created "$created" --history.created_by "umoci config"
umoci gc --layout "$OUT/oci"

echo "build-image: docker-archive $OUT/kaic-image.tar"
skopeo --insecure-policy copy --quiet "oci:$OUT/oci:$TAG" \
	"docker-archive:$OUT/kaic-image.tar:$TAG"

blobs=$(du -sb "$OUT/oci/blobs" | cut -f1)
echo "build-image: done: $TAG; compressed $blobs bytes ($(du -sh "$OUT/oci/blobs" | cut -f1)) in" \
	"$OUT/oci; $(du -b "$OUT/kaic-image.tar" | cut -f1) bytes in $OUT/kaic-image.tar"
