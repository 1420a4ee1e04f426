#!/bin/sh
# Static analysis over kaic and kaic-sim; fails on findings: the include layering
# (scripts/check-layers.py), formatting (clang-format, .clang-format), cppcheck and
# clang-tidy (.clang-tidy).
# LINT_JOBS sets how many clang-tidy processes run at once (default: the number of CPUs).
# A file clang-tidy passed is remembered by the hash of its preprocessed text, .clang-tidy
# and clang-tidy's version (in $KAIC_LINT_CACHE, default ~/.cache/kaic-lint): an unchanged
# file is not analysed again. KAIC_LINT_CACHE=off analyses every file.
set -e
cd "$(dirname "$0")/.."
files=$(find src sim agentd -name '*.c' | sort)
incs="-Isrc -Isim $(pkg-config --cflags-only-I libcurl jansson yaml-0.1 openssl libmicrohttpd)"
fail=0
echo "layers"
python3 scripts/check-layers.py || fail=1
echo "clang-format"
# shellcheck disable=SC2046
clang-format --dry-run --Werror $(find src sim agentd tests fuzz -name '*.[ch]' | sort) || fail=1
echo "cppcheck"
# .ci/kaic.cfg teaches cppcheck jansson's foreach macros (it does not read system headers).
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--std=c11 -D_GNU_SOURCE -DKAIC_VERSION='"0"' --suppress=missingIncludeSystem \
	--library=.ci/kaic.cfg $incs $files || fail=1
echo "clang-tidy"
cache=${KAIC_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaic-lint}
[ "$cache" = off ] || mkdir -p "$cache" || cache=off
tidy_id=$( (cat .clang-tidy; clang-tidy --version) | sha256sum | cut -c1-64)
export incs cache tidy_id
# One clang-tidy per file, LINT_JOBS at a time; each prints its findings only on failure.
# shellcheck disable=SC2016
echo "$files" | xargs -n 1 -P "${LINT_JOBS:-$(nproc)}" sh -c '
	flags="-std=c17 -D_GNU_SOURCE -DKAIC_VERSION=\"0\" $incs"
	key=""
	if [ "$cache" != off ]; then
		key=$( (echo "$tidy_id $1"; cc -E $flags "$1" 2>&1) | sha256sum | cut -c1-64)
		[ -f "$cache/$key" ] && exit 0
	fi
	out=$(clang-tidy --quiet "$1" -- $flags 2>&1) || { echo "$out"; exit 1; }
	[ -z "$key" ] || : >"$cache/$key"
' clang-tidy || fail=1
# banned functions (curl's list, abridged)
# shellcheck disable=SC2086
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi)\s*\(' $files; then
	echo "lint: banned function used"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "lint: clean"
exit $fail
