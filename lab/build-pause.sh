#!/usr/bin/env bash
# Builds the lab's pause image without pulls: pause.c from the k8s.io/kubernetes module
# source, compiled static as upstream's build/pause/Makefile does, packed as an OCI
# image (umoci) in build/lab/images/pause (tag PAUSE of lab/versions.env). scripts/lab
# pushes it to the lab's registry. Skips the work when the image is up to date.
# usage: lab/build-pause.sh LINE OUTDIR   (called by lab/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. lab/versions.env
line=$1 out=$2
images=$(dirname "$out")/images
layout=$images/pause
(cd "lab/k8s-$line" && go mod download k8s.io/kubernetes) # a cold cache may lack it
src=$(cd "lab/k8s-$line" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
[[ -f $src ]] || { echo "lab-build: no pause.c in the k8s.io/kubernetes module ($src)" >&2; exit 1; }
stamp="$PAUSE $(sha256sum "$src" | cut -c1-64)"
if [[ -f $layout/STAMP && $(cat "$layout/STAMP") == "$stamp" ]]; then exit 0; fi
command -v umoci >/dev/null || { echo "lab-build: umoci is missing (apt-get install umoci; scripts/install-deps.sh)" >&2; exit 1; }
echo "lab-build: pause $PAUSE image (umoci)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs"
# upstream's flags (build/pause/Makefile): -Os -Wall -Werror -static -DVERSION=v$(TAG)-$(REV)
gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE-kaic-lab" -o "$work/rootfs/pause" "$src"
strip "$work/rootfs/pause"
created=$(cd "lab/k8s-$line" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
touch -d "$created" "$work/rootfs/pause" "$work/rootfs"
rm -rf "$layout.tmp"
mkdir -p "$images"
umoci init --layout "$layout.tmp"
umoci new --image "$layout.tmp:$PAUSE"
umoci insert --image "$layout.tmp:$PAUSE" --history.created "$created" \
  --history.created_by "lab/build-pause.sh (pause.c of k8s.io/kubernetes)" "$work/rootfs/pause" /pause
# upstream's image: entrypoint /pause, user 65535 (build/pause/Dockerfile)
umoci config --image "$layout.tmp:$PAUSE" --created "$created" --os linux \
  --architecture "$(go env GOARCH)" --config.entrypoint /pause --config.user 65535:65535 \
  --history.created "$created" --history.created_by "umoci config"
umoci gc --layout "$layout.tmp"
echo "$stamp" > "$layout.tmp/STAMP"
rm -rf "$layout"
mv "$layout.tmp" "$layout"
