#!/bin/sh
# cncf_submittable: for each CNCF checklist 1.33..1.37, `kaic run --catalog cncf
# --disruptive --cncf-version V --cncf-metadata FILE` (with the official template of
# ../shared when present) against kaic-sim's reference scenario writes a PRODUCT.yaml
# that `kaic product validate` accepts: every MUST Implemented by its test, the vendor's
# metadata filled in; the run says "submittable" and exits 0, and nothing of kaic is
# left. Without --cncf-metadata the same run is not submittable and validation names the
# placeholders left.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
ref="$TOP/../shared/reference/cncf-ai-conformance"
meta=$SIM_DIR/metadata.yaml
for v in 1.33 1.34 1.35 1.36 1.37; do
	cat >"$meta" <<META
metadata:
  platformName: Example AI Platform
  platformVersion: "2.4"
  vendorName: Example Corp
  websiteUrl: https://example.com/ai
  repoUrl: https://example.com/ai/src
  documentationUrl: https://example.com/ai/docs
  productLogoUrl: https://example.com/ai/logo.svg
  description: An example platform, certified with kaic against kaic-sim.
  contactEmailAddress: ai@example.com
META
	# the k8s-conformance link is a field of the 1.35 checklist only
	[ "$v" != 1.35 ] || echo "  k8sConformanceUrl: https://github.com/cncf/k8s-conformance/tree/master/v$v/example" >>"$meta"
	tmpl=""
	[ -f "$ref/AIConformance-$v.yaml" ] && tmpl="--cncf-template $ref/AIConformance-$v.yaml"
	out=$SIM_DIR/out-$v
	# shellcheck disable=SC2086 # tmpl: words
	"$KAIC" run --catalog cncf --disruptive --cncf-version "$v" $tmpl --cncf-metadata "$meta" \
		--timeout 30s --output-dir "$out" --no-color >"$out.txt" 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "$v: kaic run exit $rc: $(tail -n 8 "$out.txt")"
	grep -q '^PRODUCT.yaml: submittable' "$out.txt" || fail "$v: the run does not say submittable: $(tail -n 5 "$out.txt")"
	"$KAIC" product validate "$out/PRODUCT.yaml" >"$out.validate" 2>&1 ||
		fail "$v: kaic product validate refuses it: $(cat "$out.validate")"
	grep -q 'websiteUrl: "*https://example.com/ai' "$out/PRODUCT.yaml" || fail "$v: the vendor's metadata is not in PRODUCT.yaml"
	left=$(active_leftovers) || fail "$v: cannot list what is left"
	[ -z "$left" ] || fail "$v: left behind: $left"
	pass "$v: PRODUCT.yaml submittable (${tmpl:+official template, }every MUST Implemented, metadata filled in), nothing left"
done
out=$SIM_DIR/out-nometa
"$KAIC" run --catalog cncf --passive --cncf-version 1.35 --output-dir "$out" --no-color >"$out.txt" 2>&1
grep -q '^PRODUCT.yaml: not submittable' "$out.txt" || fail "without metadata: $(tail -n 5 "$out.txt")"
"$KAIC" product validate "$out/PRODUCT.yaml" >"$out.validate" 2>&1 && fail "without metadata: validation accepts it"
grep -q 'metadata.websiteUrl is still the placeholder' "$out.validate" || fail "without metadata: $(cat "$out.validate")"
pass "without --cncf-metadata: not submittable, the placeholders named"
