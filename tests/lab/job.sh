#!/bin/sh
# tests/lab/job.sh: kaic as a Job (deploy/job/) on the lab's real node, under its own
# ServiceAccount, with nothing changed in the manifests but the image reference:
#   - passive: namespace.yaml + rbac-passive.yaml + job-passive.yaml; the run ends with
#     its reports (exit 0 or 1, the verdicts), never a usage error or a crash;
#   - active: rbac-active.yaml too, and job.yaml; the test pods run kaic's own image
#     (read from the Job's pod), every requirement is decided, and nothing is left.
# Both must get 0 forbidden answers: the lab's apiserver audit log (scripts/lab, level
# Metadata for service accounts) is counted for the Job's user and code 403. Skips (77)
# without a lab, a real node or kaic's image (make image).
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the Job runs it"
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-job.XXXXXX")
trap 'rm -rf "$work"' EXIT
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" "$@"; }
SA_USER=system:serviceaccount:kaic:kaic
audit=$TOP/build/lab/run/audit.log

# forbidden: the audit events of SA_USER answered 403, after line $1 of the log
forbidden() {
	python3 - "$audit" "$1" "$SA_USER" <<'EOF'
import json, sys
path, skip, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = total = 0
for i, line in enumerate(open(path)):
    if i < skip:
        continue
    e = json.loads(line)
    if e.get("user", {}).get("username") != user:
        continue
    total += 1
    if e.get("responseStatus", {}).get("code") == 403:
        n += 1
        print("FORBIDDEN %s %s" % (e.get("verb"), e.get("requestURI")), file=sys.stderr)
print(n, total)
EOF
}

# run_job NAME MANIFEST...: applies the manifests with the image replaced, waits for
# Job NAME to finish; its log goes to $work/NAME.log, its exit code is printed
run_job() {
	name=$1
	shift
	for m in "$@"; do
		echo ---
		sed "s|image: kaic:.*|image: $img|" "$TOP/deploy/job/$m"
	done >"$work/$name.yaml"
	k apply -f "$work/$name.yaml" >/dev/null || fail "$name: kubectl apply failed"
	t0=$(date +%s)
	while :; do
		st=$(k -n kaic get job "$name" -o jsonpath='{.status.succeeded}/{.status.failed}')
		case $st in 1/* | */1) break ;; esac
		[ $(($(date +%s) - t0)) -lt 900 ] || fail "$name: not finished after 900s: $(k -n kaic get pods -o wide 2>&1)"
		sleep 2
	done
	secs=$(($(date +%s) - t0))
	pod=$(k -n kaic get pods -l job-name="$name" -o jsonpath='{.items[0].metadata.name}')
	k -n kaic logs "$pod" >"$work/$name.log" 2>&1 || true
	code=$(k -n kaic get pod "$pod" -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')
	echo "$name: pod $pod exit $code in ${secs}s"
	echo "$code" >"$work/$name.code"
}

lab_real_node
[ -f "$audit" ] || fail "the lab writes no audit log ($audit)"
img=$KAIC_IMG

# passive, with kaic-passive alone
mark=$(wc -l <"$audit")
run_job kaic-passive namespace.yaml rbac-passive.yaml job-passive.yaml
code=$(cat "$work/kaic-passive.code")
case $code in 0 | 1) ;; *) fail "passive Job exit $code: $(tail -n 20 "$work/kaic-passive.log")" ;; esac
grep -q "passive mode" "$work/kaic-passive.log" || fail "passive Job: no run header in its log: $(tail -n 5 "$work/kaic-passive.log")"
set -- $(forbidden "$mark")
echo "passive: $2 requests as $SA_USER, $1 forbidden"
[ "$2" -gt 0 ] || fail "passive: the audit log has no request of $SA_USER"
[ "$1" -eq 0 ] || fail "passive: $1 forbidden answers (above)"
k -n kaic delete job kaic-passive --wait=true >/dev/null

# active, with kaic-active too
mark=$(wc -l <"$audit")
run_job kaic rbac-active.yaml job.yaml
code=$(cat "$work/kaic.code")
case $code in 0 | 1) ;; *) fail "active Job exit $code: $(tail -n 30 "$work/kaic.log")" ;; esac
grep -q "active mode" "$work/kaic.log" || fail "active Job: no run header in its log"
grep -q "test pods run $img (this pod's image" "$work/kaic.log" ||
	fail "active Job: the test pods do not run the Job's image: $(head -n 6 "$work/kaic.log")"
set -- $(forbidden "$mark")
echo "active: $2 requests as $SA_USER, $1 forbidden"
[ "$1" -eq 0 ] || fail "active: $1 forbidden answers (above)"
tail -n 25 "$work/kaic.log"
left=$(lab_left "$KAIC_NS" pods,services,networkpolicies,jobs)
[ -z "$left" ] || fail "active: left behind: $left"
k delete -f "$work/kaic.yaml" --wait=true >/dev/null 2>&1 || true
k delete -f "$work/kaic-passive.yaml" --wait=true >/dev/null 2>&1 || true
pass "kaic as a Job: passive and active runs, 0 forbidden answers, nothing left"
