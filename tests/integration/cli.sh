#!/bin/sh
# cli: kaic's command line without a cluster: help of every command, one-line usage
# errors with exit 2, list/checklist/version/images output, the kubectl plugin name,
# configuration errors (unreadable kubeconfig, unreachable server) exit 2 with one line.
: "${KAIC:?KAIC must name the kaic binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kaic-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
pass() {
	echo "ok: $*"
}

# expect_usage RC_WANTED MESSAGE ARGS...: exit status and exactly one stderr line
expect_usage() {
	want=$1 msg=$2
	shift 2
	"$KAIC" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "kaic $*: exit $rc, want $want ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "kaic $*: want one line on stderr, got: $(cat "$T/err")"
	[ "$(cat "$T/err")" = "$msg" ] || fail "kaic $*: stderr \"$(cat "$T/err")\", want \"$msg\""
	[ ! -s "$T/out" ] || fail "kaic $*: unexpected stdout: $(cat "$T/out")"
}

commands="run list checklist cleanup images probe version help"

"$KAIC" --help >"$T/help" 2>&1 || fail "kaic --help exits non-zero"
for c in $commands; do
	grep -qE "^  $c +[A-Z]" "$T/help" || fail "kaic --help does not list $c"
done
pass "kaic --help lists every command"

for c in $commands; do
	"$KAIC" "$c" --help >"$T/a" 2>&1 || fail "kaic $c --help exits non-zero"
	head -n 1 "$T/a" | grep -q "^usage: kaic $c" || fail "kaic $c --help: $(head -n 1 "$T/a")"
	"$KAIC" help "$c" >"$T/b" 2>&1 || fail "kaic help $c exits non-zero"
	cmp -s "$T/a" "$T/b" || fail "kaic help $c differs from kaic $c --help"
	"$KAIC" "$c" -h >"$T/b" 2>&1 || fail "kaic $c -h exits non-zero"
	cmp -s "$T/a" "$T/b" || fail "kaic $c -h differs from kaic $c --help"
done
"$KAIC" run --passive --help >"$T/a" 2>&1 || fail "kaic run --passive --help"
grep -q -- "--prometheus-url" "$T/a" || fail "kaic run --help lacks --prometheus-url"
pass "--help, -h and help COMMAND for every command"

for c in run list checklist cleanup images version; do
	expect_usage 2 "kaic $c: unknown option \"--bogus\"" "$c" --bogus
done
expect_usage 2 "kaic run: unknown option \"-q\"" run -q
expect_usage 2 "kaic run: invalid value \"abc\" for --parallel" run --parallel abc
expect_usage 2 "kaic run: invalid value \"0\" for --parallel" run --parallel 0
expect_usage 2 "kaic run: invalid value \"65\" for --parallel" run --parallel=65
expect_usage 2 "kaic run: invalid value \"5x\" for --timeout" run --timeout 5x
expect_usage 2 "kaic run: option \"--output-dir\" needs a value" run --output-dir
expect_usage 2 "kaic run: option \"--strict\" takes no value" run --strict=1
expect_usage 2 "kaic run: unknown requirement \"XX-1\" in --focus (\"kaic list\" shows the IDs)" \
	run --focus HW-1.1,XX-1
expect_usage 2 "kaic run: unexpected argument \"now\"" run now
expect_usage 2 "kaic cleanup: invalid value \"A B\" for --run-id" cleanup --run-id "A B"
expect_usage 2 "kaic list: unexpected argument \"x\"" list x
expect_usage 2 "kaic: unknown command \"frobnicate\" (\"kaic help\" lists them)" frobnicate
expect_usage 2 "kaic help: unknown command \"frobnicate\"" help frobnicate
"$KAIC" >/dev/null 2>&1 && fail "kaic without a command exits 0"
pass "usage errors: one line, exit 2"

"$KAIC" list >"$T/list" || fail "kaic list"
[ "$(grep -cE '^[A-Z]+-[0-9]\.[0-9] +(MUST|SHOULD) ' "$T/list")" -eq 18 ] ||
	fail "kaic list: want 18 requirements: $(cat "$T/list")"
head -n 2 "$T/list" | tail -n 1 | grep -qE '^HW-1\.1 +MUST +Hardware ' || fail "kaic list: order"
"$KAIC" list --json >"$T/list.json" || fail "kaic list --json"
python3 - "$T/list.json" <<'EOF' || fail "kaic list --json is not the catalogue"
import json, sys
doc = json.load(open(sys.argv[1]))
ids = [r["id"] for r in doc["requirements"]]
assert len(ids) == 18 and ids[0] == "HW-1.1" and ids[-1] == "OBS-6.2", ids
assert doc["spec_version"] == "v0.9"
for r in doc["requirements"]:
    assert set(r) >= {"id", "level", "domain", "title"}, r
EOF
pass "kaic list and list --json"

"$KAIC" checklist >"$T/checklist.md" || fail "kaic checklist"
[ "$(grep -cE '^\| [A-Za-z]+ \| [A-Z]+-[0-9]\.[0-9] \| \*\*(MUST|SHOULD)\*\* .* \|  \| \|$' \
	"$T/checklist.md")" -eq 18 ] || fail "kaic checklist: want 18 blank rows"
pass "kaic checklist: 18 blank rows"

v=$(cat "$TOP/VERSION")
[ "$("$KAIC" version)" = "kaic $v (Kubernetes AI Conformance checklist v0.9)" ] ||
	fail "kaic version: $("$KAIC" version)"
"$KAIC" version --json | grep -q "\"kaic_version\": \"$v\"" || fail "kaic version --json"
[ "$("$KAIC" images)" = "kaic:$v" ] || fail "kaic images: $("$KAIC" images)"
[ "$("$KAIC" images --image reg.local/kaic:1)" = "reg.local/kaic:1" ] || fail "images --image"
pass "kaic version, images"

# the kubectl plugin: same program under the name kubectl gives it
mkdir "$T/bin"
ln -s "$KAIC" "$T/bin/kubectl-aiconformance"
[ "$("$T/bin/kubectl-aiconformance" version)" = "$("$KAIC" version)" ] ||
	fail "kubectl-aiconformance version"
if command -v kubectl >/dev/null; then
	out=$(PATH="$T/bin:$PATH" kubectl aiconformance version 2>&1) || fail "kubectl plugin: $out"
	[ "$out" = "$("$KAIC" version)" ] || fail "kubectl aiconformance version: $out"
	PATH="$T/bin:$PATH" kubectl aiconformance run --bogus >/dev/null 2>"$T/err"
	grep -q 'kaic run: unknown option "--bogus"' "$T/err" || fail "plugin usage error"
	pass "kubectl aiconformance"
fi

# configuration errors: exit 2 and one line naming the cause
cd "$T" || exit 1
expect_usage 2 "$("$KAIC" run --kubeconfig "$T/none" 2>&1 >/dev/null)" run --kubeconfig "$T/none"
grep -q "$T/none" "$T/err" || fail "unreadable kubeconfig: the message does not name the file"
cat >"$T/unreachable" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:9
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: not-a-real-token-0123456789
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
EOF
start=$(date +%s)
timeout 120 "$KAIC" run --kubeconfig "$T/unreachable" --run-timeout 30s --output-dir "$T/o" \
	>"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] || fail "unreachable server: exit $rc ($(cat "$T/err"))"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unreachable server: want one line: $(cat "$T/err")"
grep -q "127.0.0.1:9" "$T/err" || fail "unreachable server: message lacks the server: $(cat "$T/err")"
grep -q "not-a-real-token" "$T/err" "$T/out" && fail "the token appears in the output"
[ $(($(date +%s) - start)) -le 60 ] || fail "unreachable server: took over 60 s"
pass "unreadable kubeconfig, unreachable server: exit 2, one line"
exit 0
