#!/bin/sh
# opts_read.sh: every option `kaic run` parses is read by the run. For each field of
# struct run_opts (src/run/run_opts.h), some file of src/ other than src/run/run_opts.c
# must read it (`opts->FIELD`, `o->FIELD`, `opts.FIELD`, ...), or a function that
# run_opts.h declares, other than the parser's own, must read it (run_opts_excluded reads
# focus and skip for the runner). A flag that is parsed and then ignored fails here.
# Also: every `--flag` that a verdict's evidence or remediation names (the strings given
# to check_verdict, check_evidence, cutil_*) is a flag of `kaic run`, so no verdict tells users to pass an option that does not exist.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
python3 - "$@" <<'PY'
import glob, re, subprocess, sys, os

def strip_comments(s):
    s = re.sub(r"/\*.*?\*/", " ", s, flags=re.S)
    return re.sub(r"//[^\n]*", " ", s)

hdr = strip_comments(open("src/run/run_opts.h").read())
body = re.search(r"struct run_opts \{(.*?)\};", hdr, re.S).group(1)
fields = []
for decl in body.split(";"):
    m = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", decl.strip())
    if m and decl.strip():
        fields.append(m.group(1))
if len(fields) < 10:
    print(f"FAIL: found only {len(fields)} fields in struct run_opts: {fields}")
    sys.exit(1)

# a read: X->FIELD or X.FIELD not followed by a plain assignment
def reads(text, field):
    pat = re.compile(r"(?:->|\.)\s*" + field + r"\b(?!\s*=[^=])")
    return bool(pat.search(text))

others = ""
for path in sorted(glob.glob("src/**/*.c", recursive=True)):
    if path != "src/run/run_opts.c":
        others += strip_comments(open(path).read())

# the accessors run_opts.h declares, minus the parser's own functions
opts_c = strip_comments(open("src/run/run_opts.c").read())
parser_own = {"run_opts_parse", "run_opts_release", "run_opts_parse_duration",
              "run_opts_sonobuoy_dir"}
accessors = ""
for name in re.findall(r"\b(run_opts_\w+)\s*\(", hdr):
    if name in parser_own:
        continue
    m = re.search(r"\n[^\n;]*\b" + name + r"\s*\([^;{]*\)\s*\{(.*?)\n\}", opts_c, re.S)
    if m and re.search(r"\b" + name + r"\s*\(", others):  # and the accessor is used
        accessors += m.group(1)

bad = []
for f in fields:
    if not (reads(others, f) or reads(accessors, f)):
        bad.append(f)
for f in bad:
    print(f"FAIL: struct run_opts.{f} is parsed but nothing in src/ reads it")
print(f"{len(fields) - len(bad)} of {len(fields)} options read: {', '.join(fields)}")

# --flags named in the checks' strings exist
kaic = os.environ.get("KAIC", "build/kaic")
flags = set()
if os.access(kaic, os.X_OK):
    help_text = subprocess.run([kaic, "run", "--help"], capture_output=True, text=True).stdout
    flags = set(re.findall(r"--[a-z][a-z0-9-]+", help_text))
if flags:
    calls = re.compile(r"\b(?:check_verdict|check_evidence|cutil_\w+)\s*\((.*?)\);", re.S)
    for path in sorted(glob.glob("src/checks/*.c")) + ["src/run/runner.c"]:
        text = " ".join(calls.findall(strip_comments(open(path).read())))
        for lit in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text):
            for flag in re.findall(r"--[a-z][a-z0-9-]+", lit):
                if flag not in flags:
                    bad.append(flag)
                    print(f"FAIL: {path} names {flag}, which `kaic run` does not have")
    if not any(b.startswith("--") for b in bad):
        print("every --flag the verdicts name is a flag of kaic run")
else:
    print(f"note: {kaic} is not built: the checks' flags were not compared with kaic run --help")
sys.exit(1 if bad else 0)
PY
