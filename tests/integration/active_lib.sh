# active_lib.sh: shell functions shared by the active-test integration tests (source it
# after lib.sh; not a test itself, so not executable).
#
# active_need_sim          exits 77 unless kaic-sim has the simulated controllers the
#                          active tests need and the reference scenario configures them.
# active_leftovers         prints every object labelled app.kubernetes.io/managed-by=kaic
#                          in kaic-sim (all listable resource types), one "kind/name" a
#                          line; retries kubectl (fault-injecting scenarios); 1 when it
#                          cannot list them.
# active_wait_clean SECS   waits until active_leftovers prints nothing; 1 when it never does.
# active_interrupt PID LOG WHAT COMMAND...
#                          waits (at most 30 s) until COMMAND succeeds while kaic (PID,
#                          its output in LOG) runs, then interrupts it (SIGINT); fails
#                          when kaic ends first, when COMMAND never succeeds, or when
#                          kaic does not exit 130. WHAT names the moment ("its pods").
# active_results FILE      runs the Python snippet on stdin with `doc` = results.json FILE
#                          and `req` = {ID: requirement} (and os, sys); shell values
#                          reach it through the environment; exit status is the snippet's.

active_need_sim() {
	for c in kubelet scheduler dra storage gateway prometheus agenttool; do
		[ -f "$TOP/sim/controllers/$c.c" ] ||
			skip "kaic-sim has no simulated $c controller yet (sim/controllers/$c.c): the active tests cannot run against it"
	done
	grep -q '^controllers:' "$TOP/sim/scenarios/reference/scenario.yaml" ||
		skip "sim/scenarios/reference/scenario.yaml configures no controllers yet"
	command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
	command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
}

# kubectl with up to 6 tries (fault-injecting scenarios answer some requests with errors)
active_kubectl() {
	tries=0
	errf=$(mktemp "${TMPDIR:-/tmp}/kaic-kubectl.XXXXXX") || return 1
	until out=$(kubectl "$@" 2>"$errf"); do
		tries=$((tries + 1))
		if [ "$tries" -ge 6 ]; then
			echo "kubectl $*: $(tail -n 1 "$errf")"
			rm -f "$errf"
			return 1
		fi
		sleep 0.3
	done
	rm -f "$errf"
	printf '%s' "$out"
}

active_leftovers() {
	types=$(active_kubectl api-resources --verbs=list -o name) || return 1
	sel=app.kubernetes.io/managed-by=kaic
	# one request per type in a single kubectl when it gets through, else type by type
	if out=$(kubectl get "$(echo "$types" | paste -sd, -)" -A -l "$sel" --ignore-not-found \
		-o name 2>/dev/null); then
		[ -n "$out" ] && echo "$out"
		return 0
	fi
	for t in $types; do
		out=$(active_kubectl get "$t" -A -l "$sel" --ignore-not-found -o name) || return 1
		[ -n "$out" ] && echo "$out"
	done
	return 0
}

active_wait_clean() {
	waited=0
	while :; do
		left=$(active_leftovers)
		[ -z "$left" ] && return 0
		waited=$((waited + 1))
		if [ "$waited" -gt $(($1 * 2)) ]; then
			echo "$left"
			return 1
		fi
		sleep 0.5
	done
}

active_interrupt() {
	_pid=$1 _log=$2 _what=$3
	shift 3
	_waited=0
	until "$@"; do
		kill -0 "$_pid" 2>/dev/null || fail "kaic ended before $_what: $(tail -n 5 "$_log")"
		_waited=$((_waited + 1))
		[ "$_waited" -lt 300 ] || { kill -KILL "$_pid"; fail "not $_what after 30 s"; }
		sleep 0.1
	done
	kill -INT "$_pid"
	wait "$_pid"
	_rc=$?
	[ "$_rc" -eq 130 ] || fail "SIGINT: exit $_rc, want 130: $(tail -n 5 "$_log")"
}

active_results() {
	python3 -c '
import json, os, sys
doc = json.load(open(sys.argv[1]))
req = {r["id"]: r for r in doc["requirements"]}
exec(sys.stdin.read())
' "$1"
}
