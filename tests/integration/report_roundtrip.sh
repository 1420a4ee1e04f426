#!/bin/sh
# report_roundtrip.sh: every report kaic writes, read back with the standard parsers
# (PyYAML's safe_load, a YAML 1.1 reader like Sonobuoy's gopkg.in/yaml.v2; Python's json
# and xml.etree), gives back the strings it was written from: YAML 1.1 special words,
# CR, ESC/BEL, invalid UTF-8, a 1 MB string. checklist.md and the terminal summary hold
# no raw control character and render the visible escapes. The strings go through
# test_writers --write (tests/unit/test_writers.c), which writes the reports of a run
# result built from them.
set -u
: "${TOP:?TOP must name the repository root}"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
writer=$BUILD/tests/test_writers
[ -x "$writer" ] || { echo "FAIL: $writer not built (make $BUILD/tests/test_writers)"; exit 1; }
python3 -c 'import yaml' 2>/dev/null || { echo "PyYAML (python3-yaml) is not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir "$dir/out"

exec python3 - "$writer" "$dir" <<'EOF'
import json, os, re, subprocess, sys
import xml.etree.ElementTree as ET
import yaml

writer, d = sys.argv[1], sys.argv[2]
out = os.path.join(d, "out")
failures = []


def check(ok, what):
    if ok:
        print("ok: " + what)
    else:
        print("FAIL: " + what)
        failures.append(what)


BIG = bytes((0xff if i % 7 == 0 else 0x61 + i % 26) for i in range(1 << 20))
SPECIAL = ["YES", "Yes", "On", "ON", "off", "y", "n", "Y", "N", "~", "null", "true",
           "False", "0x1F", "0o17", "017", "1_000", ".inf", "-.Inf", "+.inf", ".NaN",
           "1e3", "1.5e3", "12:30:00", "190:20:30", "2001-12-14",
           "2001-12-14t21:59:43.10-05:00", "=", "<<", "0b1010", "-1", "1."]
STRINGS = [
    BIG,  # the remediation of requirement 0: kept whole; as evidence cut to 999 bytes
    b"forged\r\nHW-1.1   MUST     Full     active",
    b"one CR\rhere",
    b"esc \x1b[2J\x1b[31mred\x1b[0m bel \x07 del \x7f",
    b"bad utf8 \xff\xfe \xc3 \xe2\x82 \xed\xa0\x80 \xc0\xaf end",
    b"c1 \xc2\x85 nel \xc2\x9b csi \xe2\x80\xa8 ls \xe2\x80\xae rlo \xef\xbb\xbf bom",
    b"  leading and trailing  ",
    b"key: value # comment",
    b"- dash",
    b"\"quoted\" 'single' \\ backslash \\x1b literal",
    b"b -> b <b>html</b> a|b & c *e* _f_ `g` [h](i) ~~s~~ &amp;",
    b"tab\there",
    b"",
    b"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    b"x" * 995 + "\u20ac".encode() * 5,  # the cut falls inside a character
] + [w.encode() for w in SPECIAL]
N = 18  # requirements in the catalogue

with open(os.path.join(d, "strings"), "wb") as f:
    f.write(b"\0".join(STRINGS))
rc = subprocess.run([writer, "--write", os.path.join(d, "strings"), out]).returncode
check(rc == 0, "test_writers --write wrote the reports")
if rc != 0:
    sys.exit(1)


# ---- what each report should say, computed here independently of kaic ----

def per_byte(e):
    return ("\ufffd", e.start + 1)


import codecs
codecs.register_error("kaic_per_byte", per_byte)


def sanitize(b):
    """Valid UTF-8: each byte that does not start a well-formed character is U+FFFD."""
    return b.decode("utf-8", "kaic_per_byte")


def evidence(b):
    s = sanitize(b)
    enc = s.encode()
    if len(enc) > 1000:
        s = enc[:996].decode("utf-8", "ignore") + "..."
    return s


def is_control(c):
    o = ord(c)
    return (o < 0x20 or 0x7f <= o <= 0x9f or o in (0x2028, 0x2029, 0x200e, 0x200f, 0x061c,
            0xfffe, 0xffff) or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069)


def visible(b, keep=""):
    """Control characters as "\\n", "\\r", "\\t", "\\xHH", "\\uHHHH"; stray bytes "\\xHH"."""
    outp, i = [], 0
    while i < len(b):
        for n in range(1, 5):
            try:
                c = b[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                c = None
        if c is None:
            outp.append("\\x%02x" % b[i])
            i += 1
            continue
        i += n
        if not is_control(c) or c in keep:
            outp.append(c)
        elif c in "\n\r\t":
            outp.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[c])
        else:
            outp.append(("\\x%02x" if ord(c) <= 0x7f else "\\u%04x") % ord(c))
    return "".join(outp)


ev = [[] for _ in range(N)]
for i, s in enumerate(STRINGS):
    ev[i % N].append(evidence(s))
rem = [sanitize(STRINGS[i]) for i in range(N)]
notes = [sanitize(s) for s in STRINGS]

# ---- results.json ----
with open(os.path.join(out, "results.json"), "rb") as f:
    doc = json.load(f)
reqs = doc["requirements"]
ids = [r["id"] for r in reqs]
check([r["evidence"] for r in reqs] == ev, "results.json: every evidence line comes back")
check([r["remediation"] for r in reqs] == rem, "results.json: every remediation comes back")
check(doc["cleanup"]["notes"] == notes, "results.json: every cleanup note comes back")
check(len(reqs[0]["remediation"].encode()) > 1 << 20, "results.json: the 1 MB string whole")

# ---- PRODUCT.yaml and kaic-extras.yaml (YAML 1.1 reader) ----
# CNCF item i was given white-paper item i's result (test_writers)
with open(os.path.join(out, "kaic-extras.yaml"), "rb") as f:
    extras = yaml.safe_load(f)
xi = extras["items"]
check([it["evidence"] for it in xi] == ev[:len(xi)],
      "kaic-extras.yaml: every evidence line comes back as the same string")
check([it["remediation"] for it in xi] == rem[:len(xi)],
      "kaic-extras.yaml: every remediation comes back")
with open(os.path.join(out, "PRODUCT.yaml"), "rb") as f:
    product = yaml.safe_load(f)
items = [it for sec in product["spec"].values() for it in sec]
check(len(items) == len(xi) and all(isinstance(it["notes"], str) for it in items),
      "PRODUCT.yaml: every item's notes read as a string")
check(all(it["notes"].endswith("Remediation: " + x["remediation"])
          for it, x in zip(items, xi) if x["remediation"]),
      "PRODUCT.yaml: every remediation comes back in the notes")

# ---- sonobuoy_results.yaml (YAML 1.1 reader, as Sonobuoy's) ----
with open(os.path.join(out, "sonobuoy_results.yaml"), "rb") as f:
    sono = yaml.safe_load(f)
got = {}
for dom in sono["items"]:
    for it in dom["items"]:
        got[it["meta"]["id"]] = it["details"]
check(sono["status"] in ("passed", "failed") and len(got) == N,
      "sonobuoy_results.yaml: %d items, status %s" % (len(got), sono["status"]))
check([got[i]["evidence"] for i in ids] == ev,
      "sonobuoy_results.yaml: every evidence line comes back")
check([got[i]["remediation"] for i in ids] == rem,
      "sonobuoy_results.yaml: every remediation comes back")

# ---- junit.xml ----
tree = ET.parse(os.path.join(out, "junit.xml"))
cases = {tc.get("name").split(" ")[0]: tc for tc in tree.iter("testcase")}
ok_out = ok_msg = True
for k, i in enumerate(ids):
    tc = cases[i]
    so = tc.find("system-out").text
    want = "".join("- %s\n" % visible(e.encode(), "\t\n\r") for e in ev[k])
    want += "remediation: %s\n" % visible(rem[k].encode(), "\t\n\r")
    ok_out = ok_out and so.endswith(want)
    fl = tc.find("failure")
    if fl is not None:
        ok_msg = ok_msg and fl.get("message").endswith(": " + visible(rem[k].encode(),
                                                                       "\t\n\r"))
check(ok_out, "junit.xml: system-out holds every line, controls as visible escapes")
check(ok_msg, "junit.xml: failure messages keep CR, LF and tab (character references)")

# ---- checklist.md: no raw control, renders as the visible escapes ----
with open(os.path.join(out, "checklist.md"), "rb") as f:
    md = f.read()
raw = [c for c in md if (c < 0x20 and c not in (0x0a,)) or c == 0x7f]
check(not raw, "checklist.md: no raw control byte (found %r)" % bytes(raw[:5]))
check(b"&gt;" not in md and b"&lt;" not in md, "checklist.md: no HTML entities")
md = md.decode("utf-8")


def render(cell):  # CommonMark backslash escapes of ASCII punctuation
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", cell)


rows = {}
for line in md.split("\n"):
    cells = re.split(r"(?<!\\)\|", line)
    if len(cells) == 7 and cells[2].strip() in ids:
        rows[cells[2].strip()] = cells[5]
ok = len(rows) == N
for k, i in enumerate(ids):
    parts = rows[i][1:-1].split("<br>")  # the cell without the writer's two spaces
    want = ["_passive_: " + visible(ev[k][0].encode())] if ev[k] else []
    want += [visible(e.encode()) for e in ev[k][1:]]
    want += ["**Remediation:** " + visible(rem[k].encode())]
    got_parts = [render(p) for p in parts]
    if got_parts != want:
        ok = False
        bad = [(g[:80], w[:80]) for g, w in zip(got_parts, want) if g != w]
        print("  %s: got/want %r" % (i, bad[:2] or (len(got_parts), len(want))))
check(ok, "checklist.md: each cell renders as the evidence with visible escapes")

# ---- terminal summary ----
with open(os.path.join(out, "terminal.txt"), "rb") as f:
    term = f.read()
raw = [c for c in term if (c < 0x20 and c != 0x0a) or c == 0x7f]
check(not raw, "terminal summary: no raw control byte (found %r)" % bytes(raw[:5]))
term = term.decode("utf-8")
check(all(("\n          " + visible(s) + "\n") in term for s in STRINGS if s),
      "terminal summary: every cleanup note on its own line, escaped")

sys.exit(1 if failures else 0)
EOF
