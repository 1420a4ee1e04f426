#!/bin/sh
# Static analysis: cppcheck and clang-tidy over kaic and kaic-sim; fails on findings.
set -e
cd "$(dirname "$0")/.."
files=$(find src sim -name '*.c' | sort)
incs="-Isrc -Isim $(pkg-config --cflags-only-I libcurl jansson yaml-0.1 openssl libmicrohttpd)"
echo "cppcheck"
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--std=c11 -D_GNU_SOURCE -DKAIC_VERSION='"0"' --suppress=missingIncludeSystem \
	$incs $files
echo "clang-tidy"
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-bugprone-branch-clone,-bugprone-implicit-widening-of-multiplication-result,-bugprone-macro-parentheses,cert-err34-c,cert-flp30-c,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-unix.Malloc,-clang-analyzer-valist.Uninitialized'
fail=0
for f in $files; do
	# shellcheck disable=SC2086
	out=$(clang-tidy --quiet --checks="$checks" --warnings-as-errors='*' "$f" -- \
		-std=c17 -D_GNU_SOURCE -DKAIC_VERSION='"0"' $incs 2>&1) || { echo "$out"; fail=1; }
done
# banned functions (curl's list, abridged)
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi)\s*\(' $files; then
	echo "lint: banned function used"
	fail=1
fi
exit $fail
