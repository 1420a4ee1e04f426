#!/usr/bin/env bash
# Builds Sonobuoy (github.com/vmware-tanzu/sonobuoy, module lab/sonobuoy/) and its image
# without pulls: the static binary at /sonobuoy, as upstream's Dockerfile adds it to
# distroless/static:nonroot, with what that base gives it (a world-writable /tmp, the
# nonroot user 65532), packed as an OCI image (umoci) in build/lab/images/sonobuoy (tag
# SONOBUOY of lab/versions.env). The same image is Sonobuoy's aggregator and its worker
# sidecar; scripts/lab pushes it to the lab's registry. Skips the image when it is up to
# date. usage: lab/build-sonobuoy.sh OUTDIR   (called by lab/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. lab/versions.env
out=$(mkdir -p "$1" && cd "$1" && pwd) # absolute: the go build below runs in lab/sonobuoy
images=$(dirname "$out")/images
layout=$images/sonobuoy
grep -Eq "^[[:space:]]*(require )?github.com/vmware-tanzu/sonobuoy $SONOBUOY( |\$)" lab/sonobuoy/go.mod ||
  { echo "lab-build: lab/sonobuoy/go.mod does not require sonobuoy $SONOBUOY (lab/versions.env)" >&2; exit 2; }
# upstream's Makefile: CGO_ENABLED=0, the version in pkg/buildinfo
(cd lab/sonobuoy && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/vmware-tanzu/sonobuoy/pkg/buildinfo.Version=$SONOBUOY" \
  -o "$out/sonobuoy" github.com/vmware-tanzu/sonobuoy)
stamp="$SONOBUOY $(sha256sum "$out/sonobuoy" | cut -c1-64)"
if [[ -f $layout/STAMP && $(cat "$layout/STAMP") == "$stamp" ]]; then exit 0; fi
command -v umoci >/dev/null || { echo "lab-build: umoci is missing (apt-get install umoci; scripts/install-deps.sh)" >&2; exit 1; }
echo "lab-build: sonobuoy $SONOBUOY image (umoci)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/etc" "$root/tmp" "$root/home/nonroot"
chmod 1777 "$root/tmp"
cp "$out/sonobuoy" "$root/sonobuoy"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
chown 65532:65532 "$root/home/nonroot"
created=$(cd lab/sonobuoy && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' github.com/vmware-tanzu/sonobuoy)
find "$root" -exec touch -h -d "$created" {} +
rm -rf "$layout.tmp"
mkdir -p "$images"
umoci init --layout "$layout.tmp"
umoci new --image "$layout.tmp:$SONOBUOY"
umoci insert --image "$layout.tmp:$SONOBUOY" --history.created "$created" \
  --history.created_by "lab/build-sonobuoy.sh (github.com/vmware-tanzu/sonobuoy $SONOBUOY)" "$root" /
# upstream's Dockerfile: WORKDIR /, CMD the aggregator; distroless nonroot's user
umoci config --image "$layout.tmp:$SONOBUOY" --created "$created" --os linux \
  --architecture "$(go env GOARCH)" --config.workingdir / --config.user 65532:65532 \
  --config.cmd /sonobuoy --config.cmd aggregator --config.cmd --no-exit --config.cmd -v \
  --config.cmd 3 --config.cmd --logtostderr \
  --history.created "$created" --history.created_by "umoci config"
umoci gc --layout "$layout.tmp"
echo "$stamp" > "$layout.tmp/STAMP"
rm -rf "$layout"
mv "$layout.tmp" "$layout"
