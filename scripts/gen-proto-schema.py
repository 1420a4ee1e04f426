#!/usr/bin/env python3
"""gen-proto-schema.py: derives kaic-sim's protobuf schema table (sim/base/pb_schema.c)
from the Kubernetes API's generated.proto files and the Go types beside them, as found
in the Go module cache. kaic-sim decodes protobuf request bodies (kubectl sends them for
built-in types) with this table: sim/base/protobuf.c.

From each generated.proto: messages, their fields' numbers, proto types, repeated/map.
From the Go structs in the same package: each field's JSON name (by protobuf number),
omitempty, whether it is a pointer, and inline embedding. From doc.go: the API group.

Usage: scripts/gen-proto-schema.py [MODCACHE] > sim/base/pb_schema.c
MODCACHE defaults to ~/go/pkg/mod; the versions are pinned below (the lab's).
"""
import glob
import os
import re
import sys

K8S = "v0.35.4"
MOD = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/go/pkg/mod")
API = f"{MOD}/k8s.io/api@{K8S}"
MACH = f"{MOD}/k8s.io/apimachinery@{K8S}"
APIEXT = f"{MOD}/k8s.io/apiextensions-apiserver@{K8S}"

# (proto file dir, API group or None when its types are not top-level kinds)
PACKAGES = [(d, None) for d in (f"{MACH}/pkg/apis/meta/v1", f"{MACH}/pkg/runtime",
                                 f"{MACH}/pkg/api/resource", f"{MACH}/pkg/util/intstr")]
PACKAGES.append((f"{APIEXT}/pkg/apis/apiextensions/v1", "apiextensions.k8s.io"))
SKIP = {"admission", "imagepolicy", "apidiscovery"}  # not served as resources

# Messages whose JSON form is not their fields (custom MarshalJSON in Go).
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "PB_SP_TIME",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "PB_SP_MICROTIME",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "PB_SP_DURATION",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "PB_SP_RAW",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "PB_SP_RAW",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "PB_SP_QUANTITY",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "PB_SP_INTORSTRING",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": "PB_SP_RAW",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray":
        "PB_SP_OR",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool":
        "PB_SP_OR",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray":
        "PB_SP_OR",
}
SCALAR = {"string": "PB_STRING", "bytes": "PB_BYTES", "bool": "PB_BOOL", "int32": "PB_INT",
          "int64": "PB_INT", "uint32": "PB_UINT", "uint64": "PB_UINT", "double": "PB_DOUBLE",
          "float": "PB_FLOAT", "fixed64": "PB_FIXED64", "fixed32": "PB_FIXED32"}

for d in sorted(glob.glob(f"{API}/*/*/")):
    d = d.rstrip("/")
    if os.path.basename(os.path.dirname(d)) in SKIP:
        continue
    doc = "".join(open(f).read() for f in glob.glob(f"{d}/doc.go") + glob.glob(f"{d}/register.go"))
    m = re.search(r'^// \+groupName=(\S*)|^const GroupName = "([^"]*)"', doc, re.M)
    if os.path.exists(f"{d}/generated.proto") and m is not None:
        PACKAGES.append((d, m.group(1) if m.group(1) is not None else m.group(2)))


def parse_proto(path):
    """{message: [(name, number, type, label, map value type)]} and the package."""
    text = open(path).read()
    pkg = re.search(r"^package ([\w.]+);", text, re.M).group(1)
    msgs = {}
    for m in re.finditer(r"^message (\w+) \{(.*?)^\}", text, re.M | re.S):
        fields = []
        for line in m.group(2).splitlines():
            line = line.strip()
            f = re.match(r"(optional|repeated) ([\w.]+) (\w+) = (\d+);", line)
            if f:
                fields.append((f.group(3), int(f.group(4)), f.group(2), f.group(1), None))
                continue
            f = re.match(r"map<string, ([\w.]+)> (\w+) = (\d+);", line)
            if f:
                fields.append((f.group(2), int(f.group(3)), "map", "map", f.group(1)))
        msgs[m.group(1)] = fields
    return pkg, msgs


def parse_go(dirpath):
    """{struct: {number: (json name, omitempty, pointer, inline)}}, and the structs."""
    out = {}
    for path in sorted(glob.glob(f"{dirpath}/*.go")):
        base = os.path.basename(path)
        if base.endswith("_test.go") or base.startswith(("generated.", "zz_")):
            continue
        text = open(path).read()
        for m in re.finditer(r"^type (\w+) struct \{(.*?)^\}", text, re.M | re.S):
            fields = {}
            for line in m.group(2).splitlines():
                t = re.match(r"\s*(?:\w+\s+)?(\S+)\s+`([^`]*)`", line)
                if not t:
                    continue
                tag = t.group(2)
                pb = re.search(r'protobuf:"\w+,(\d+),', tag)
                if not pb:
                    continue
                js = re.search(r'json:"([^"]*)"', tag)
                parts = (js.group(1) if js else "").split(",")
                fields[int(pb.group(1))] = (parts[0], "omitempty" in parts[1:],
                                            t.group(1).startswith("*"), parts[0] == "" and
                                            "inline" in parts[1:])
            out[m.group(1)] = fields
    return out


messages = {}  # full name -> (fields, go fields or None)
kinds = []     # (apiVersion, kind, full message name)
for d, group in PACKAGES:
    pkg, msgs = parse_proto(f"{d}/generated.proto")
    gofields = parse_go(d)
    version = os.path.basename(d)
    for name, fields in msgs.items():
        full = f"{pkg}.{name}"
        messages[full] = (pkg, fields, gofields.get(name))
        is_kind = fields and fields[0][0] == "metadata" and (
            "ObjectMeta" in fields[0][2] or "ListMeta" in fields[0][2])
        if group is not None and is_kind:
            av = f"{group}/{version}" if group else version
            kinds.append((av, name, full))


def resolve(pkg, t):
    """The full name of proto type t used in package pkg."""
    if t.startswith("."):
        return t[1:]
    return f"{pkg}.{t}"


names = sorted(messages)
index = {n: i for i, n in enumerate(names)}


def kind_of(pkg, t):
    if t in SCALAR:
        return SCALAR[t], -1
    full = resolve(pkg, t)
    if full not in index:
        sys.exit(f"gen-proto-schema: unknown type {t} in {pkg}")
    return "PB_MESSAGE", index[full]


rows = []
mrows = []
for n in names:
    pkg, fields, go = messages[n]
    start = len(rows)
    special = SPECIAL.get(n, "PB_SP_NONE")
    if go is None and len(fields) == 1 and fields[0][3] == "repeated" and special == "PB_SP_NONE":
        special = "PB_SP_ARRAY"  # a Go slice type (ExtraValue, Verbs): JSON is the array
    for fname, num, ftype, label, mapval in sorted(fields, key=lambda f: f[1]):
        json_name, omitempty, pointer, inline = (go or {}).get(num, (fname, True, False, False))
        if not json_name and not inline:
            json_name = fname
        flags = []
        if label == "repeated":
            flags.append("PB_F_REPEATED")
        if label == "map":
            flags.append("PB_F_MAP")
        if omitempty:
            flags.append("PB_F_OMITEMPTY")
        if pointer:
            flags.append("PB_F_POINTER")
        if inline:
            flags.append("PB_F_INLINE")
        kind, msg = kind_of(pkg, mapval if label == "map" else ftype)
        rows.append(f'\t{{{num}, {kind}, {"|".join(flags) or "0"}, {msg}, "{json_name}"}},')
    mrows.append(f'\t{{"{n}", {start}, {len(rows) - start}, {special}}},')

print(f"""/* pb_schema.c: GENERATED by scripts/gen-proto-schema.py from the generated.proto files
 * and Go types of k8s.io/api, k8s.io/apimachinery and k8s.io/apiextensions-apiserver
 * {K8S}: each message's fields (number, kind, flags, message type, JSON name) and the
 * kinds a protobuf body may carry. Do not edit; run the script. */

#include "base/pb_schema.h"

/* clang-format off */
const struct pb_field pb_fields[] = {{""")
print("\n".join(rows))
print("};\n\nconst struct pb_message pb_messages[] = {")
print("\n".join(mrows))
print("};\n\nconst struct pb_top pb_kinds[] = {")
for av, kind, full in sorted(kinds):
    print(f'\t{{"{av}", "{kind}", {index[full]}}},')
print("};")
print(f"""/* clang-format on */

const size_t pb_nmessages = sizeof(pb_messages) / sizeof(pb_messages[0]);
const size_t pb_nkinds = sizeof(pb_kinds) / sizeof(pb_kinds[0]);""")
