#!/bin/sh
# image_runc.sh: builds the container image from $KAIC (scripts/build-image.sh, into a
# temporary directory) and runs it with runc: the image config (entrypoint, non-root
# user), `kaic version`, and a probe behave inside the real container as on the host.
# Skips (77) without root, runc, the image tools, namespaces or the Debian mirror.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KAIC=${KAIC:-$TOP/build/kaic}
cd "$TOP" || exit 1

skip() {
	echo "$*"
	exit 77
}
fail() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (runc, mmdebstrap root mode)"
for t in runc umoci skopeo mmdebstrap python3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ -x "$KAIC" ] || fail "\"$KAIC\" is missing"
# A sanitizer build links libasan, libubsan or libtsan, which the image does not carry; the normal
# build's run of this test covers the image.
if ldd "$KAIC" 2>/dev/null | grep -qE 'lib(asan|ubsan|tsan)\.'; then
	skip "\"$KAIC\" is a sanitizer build; the image is tested with the normal build"
fi
version=$(cat VERSION)

work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-image-test.XXXXXX")
cid="kaic-test-$$"
cleanup() {
	runc delete -f "$cid" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# 1. the image, from the binary under test
start=$(date +%s)
if ! KAIC_BIN="$KAIC" KAIC_IMAGE_DIR="$work/image" ./scripts/build-image.sh >"$work/build.log" 2>&1
then
	cat "$work/build.log"
	mirror=${KAIC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	curl -sfI --max-time 10 "$mirror/dists/bookworm/Release" >/dev/null ||
		skip "the Debian mirror $mirror is unreachable: cannot build the image"
	fail "scripts/build-image.sh failed"
fi
echo "image built in $(($(date +%s) - start))s: $(tail -n 1 "$work/build.log")"
[ -f "$work/image/oci/index.json" ] || fail "no OCI layout"
tar -xOf "$work/image/kaic-image.tar" manifest.json | grep -q "kaic:$version" ||
	fail "docker-archive lacks the tag kaic:$version"

# 2. the runtime bundle and the image config
umoci unpack --image "$work/image/oci:kaic:$version" "$work/bundle" >/dev/null ||
	fail "umoci unpack failed"
python3 - "$work/bundle/config.json" <<'EOF' || fail "image config is not as expected"
import json, sys
c = json.load(open(sys.argv[1]))
p = c["process"]
assert p["user"]["uid"] == 65532 and p["user"]["gid"] == 65532, p["user"]
assert p["args"][0] == "kaic", p["args"]
assert any(e.startswith("SSL_CERT_FILE=") for e in p["env"]), p["env"]
EOF
[ -s "$work/bundle/rootfs/etc/ssl/certs/ca-certificates.crt" ] || fail "no CA bundle in the image"
[ ! -e "$work/bundle/rootfs/bin/sh" ] && [ ! -e "$work/bundle/rootfs/usr/bin/apt" ] ||
	fail "the image carries a shell or apt"

# Runs ARGS in the container (host network, no terminal); output in $work/out, rc returned.
in_container() {
	python3 - "$work/bundle/config.json" "$@" <<'EOF'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
# share the host's network so that loopback probes behave as on the host
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
json.dump(c, open(path, "w"))
EOF
	runc delete -f "$cid" >/dev/null 2>&1
	(cd "$work/bundle" && timeout 60 runc run "$cid" </dev/null >"$work/out" 2>"$work/err")
}

# 3. kaic version inside the container
in_container kaic version
rc=$?
if [ $rc -ne 0 ]; then
	cat "$work/err"
	grep -qiE "namespace|cgroup|operation not permitted|permission denied|pivot_root" \
		"$work/err" && skip "runc cannot create containers here (namespaces/cgroups)"
	fail "kaic version exited $rc in the container"
fi
grep -q "$version" "$work/out" || fail "kaic version printed \"$(cat "$work/out")\""
echo "container: $(cat "$work/out")"

# 4. a probe: a TCP connect to a closed port, as the in-cluster tests run it
if "$KAIC" probe connect --host 127.0.0.1 --port 1 --expect closed >/dev/null 2>&1; then
	in_container kaic probe connect --host 127.0.0.1 --port 1 --expect closed ||
		{ cat "$work/out" "$work/err"; fail "kaic probe connect failed in the container"; }
	grep -q '"connected":false' "$work/out" ||
		fail "probe connect printed \"$(cat "$work/out")\""
	echo "container: $(cat "$work/out")"
	in_container kaic probe connect --host 127.0.0.1 --port 1 --expect open &&
		fail "probe connect --expect open succeeded on a closed port"
else
	# the probe subcommand is not built in: the container must still answer as the host
	"$KAIC" --help >"$work/host.out" 2>&1
	hrc=$?
	in_container kaic --help
	crc=$?
	[ $crc -eq $hrc ] || fail "kaic --help exited $crc in the container, $hrc on the host"
	echo "container: kaic --help exited $crc as on the host (no probe subcommand in $KAIC)"
fi
echo "ok"
