#!/bin/sh
# passive_rbac.sh: `kaic run --passive` with a bearer token of the kaic ServiceAccount,
# bound only to the shipped kaic-passive ClusterRole, against the reference scenario:
# no request is forbidden (no 403 in the access log, no Error verdict), only GETs are
# sent, and the verdicts equal those of an admin run. A control run with an unbound
# token is refused (so the simulator does enforce RBAC and the test can fail).
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "PyYAML is not installed"
ref=$TOP/sim/scenarios/reference
[ -d "$ref" ] || skip "sim/scenarios/reference is absent"
. "$TOP/tests/integration/rbac_lib.sh"

# The scenario: the reference platform + the shipped RBAC objects + the test tokens.
scen=$(rbac_scenario "$TOP/deploy/job/namespace.yaml" "$TOP/deploy/job/rbac-passive.yaml") ||
	fail "cannot build the scenario"
trap 'sim_cleanup; rm -rf "$scen"' EXIT
sim_start "$scen" || fail "kaic-sim did not start with the RBAC scenario"

# 1. admin run: the verdicts to match
"$KAIC" run --passive --no-color --output-dir "$SIM_DIR/admin" >"$SIM_DIR/admin.out" 2>&1
rc_admin=$?
case $rc_admin in 0 | 1 | 3) ;; *) fail "admin run exited $rc_admin: $(tail -n 3 "$SIM_DIR/admin.out")" ;; esac

# 2. the kaic ServiceAccount, bound to kaic-passive only
rbac_kubeconfig "$(rbac_token system:serviceaccount:kaic:kaic)" "$SIM_DIR/kaic.kubeconfig"
start=$(wc -l <"$SIM_LOG")
"$KAIC" run --passive --no-color --kubeconfig "$SIM_DIR/kaic.kubeconfig" \
	--output-dir "$SIM_DIR/sa" >"$SIM_DIR/sa.out" 2>&1
rc_sa=$?
tail -n +"$((start + 1))" "$SIM_LOG" >"$SIM_DIR/sa.log"
case $rc_sa in 0 | 1 | 3) ;; *) fail "kaic run as the ServiceAccount exited $rc_sa: $(tail -n 3 "$SIM_DIR/sa.out")" ;; esac
[ -s "$SIM_DIR/sa.log" ] || fail "the ServiceAccount run sent no request"
forbidden=$(grep -E '^[A-Z]+ [^ ]+ 403 ' "$SIM_DIR/sa.log")
[ -z "$forbidden" ] || fail "requests forbidden to kaic-passive (add a rule):
$forbidden"
nonget=$(grep -vE '^GET ' "$SIM_DIR/sa.log")
[ -z "$nonget" ] || fail "a passive run sent more than GETs: $nonget"
pass "$(wc -l <"$SIM_DIR/sa.log") requests as system:serviceaccount:kaic:kaic, none forbidden, all GET"

python3 - "$SIM_DIR/admin/results.json" "$SIM_DIR/sa/results.json" <<'PY' || fail "verdicts differ"
import json, sys
admin, sa = (json.load(open(p)) for p in sys.argv[1:])
bad = []
for a, s in zip(admin["requirements"], sa["requirements"]):
    if s["verdict"] == "Error":
        bad.append(f"{s['id']}: Error: {s['evidence']}")
    elif (a["id"], a["verdict"]) != (s["id"], s["verdict"]):
        bad.append(f"{a['id']}: {a['verdict']} as admin, {s['verdict']} as kaic")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
[ "$rc_sa" -eq "$rc_admin" ] || fail "exit $rc_sa as the ServiceAccount, $rc_admin as admin"
pass "verdicts and exit status ($rc_sa) equal the admin run's, no Error"

# 3. control: a token bound to nothing gets 403s, so RBAC is really enforced
rbac_kubeconfig "$(rbac_token system:serviceaccount:kaic:nobody)" "$SIM_DIR/nobody.kubeconfig"
start=$(wc -l <"$SIM_LOG")
"$KAIC" run --passive --no-color --kubeconfig "$SIM_DIR/nobody.kubeconfig" \
	--output-dir "$SIM_DIR/nobody" >"$SIM_DIR/nobody.out" 2>&1
rc_nobody=$?
[ "$rc_nobody" -ne 0 ] || fail "an unbound token passed the run"
tail -n +"$((start + 1))" "$SIM_LOG" | grep -qE '^[A-Z]+ [^ ]+ 403 ' ||
	fail "kaic-sim did not refuse the unbound token (is RBAC enforced?)"
pass "control: the unbound token is refused (exit $rc_nobody)"
sim_stop || fail "kaic-sim did not stop cleanly"
