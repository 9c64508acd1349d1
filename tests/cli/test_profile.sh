# test_profile.sh - `edgebench run --profile`: a per-node profile for ref
# and cpu in the result file (schema-valid), taken after the timed runs
# without adding samples; none without --profile; no stderr side channel
# (EB_CPU_PROFILE is gone); `report` shows each result's slowest nodes.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}

expect 0 "run --profile" -- "$EDGEBENCH" run zoo:fmnist-cnn -v 'ref;cpu' -n 7 --min-time 0 --eval 0 --profile -o "$TMP/p.json"
expect 0 "the profiled result file matches the schema" -- validate "$TMP/p.json"
expect 0 "a profile for ref and cpu, samples unchanged" -- "$PY" - "$TMP/p.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert [x["variant"]["spec"] for x in r] == ["ref", "cpu"], r
for x in r:
    assert x["status"] == "ok" and x["profiled"] is True, x
    assert x["latency"]["n"] == 7 and len(x["latency"]["samples"]) == 7, x["latency"]
    p = x["profile"]
    assert p["available"] is True and p["passes"] >= 3, p
    nodes = p["nodes"]
    assert len(nodes) > 1 and all(n["ms"] >= 0 and n["name"] and n["op"] for n in nodes), nodes
    assert abs(sum(n["share"] for n in nodes) - 1) < 1e-6, nodes
    assert abs(sum(n["ms"] for n in nodes) - p["total_ms"]) < 1e-6 * p["total_ms"] + 1e-12
ref, cpu = r
assert [n["op"] for n in ref["profile"]["nodes"]][:2] == ["Conv", "Relu"], ref["profile"]
assert any(n["op"] == "Conv+Relu" and "+" in n["name"] for n in cpu["profile"]["nodes"]), cpu["profile"]
PYEOF

expect 0 "run without --profile" -- "$EDGEBENCH" run zoo:fmnist-cnn -v cpu -n 7 --min-time 0 --eval 0 -o "$TMP/np.json"
expect 0 "no profile without --profile" -- "$PY" - "$TMP/np.json" <<'PYEOF'
import json, sys
x = json.load(open(sys.argv[1]))["results"][0]
assert x["profiled"] is False and x["profile"] is None and x["latency"]["n"] == 7, x
PYEOF

# the old stderr side channel is gone
EB_CPU_PROFILE=1 expect 0 "EB_CPU_PROFILE is ignored" -- "$EDGEBENCH" run zoo:fmnist-cnn -v cpu -n 3 --eval 0 --no-isolate
if grep -q "cpu profile" "$TMP/err"; then
    echo "FAIL EB_CPU_PROFILE still prints a profile on stderr"; FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi

expect 0 "report of a profiled run" -- "$EDGEBENCH" report "$TMP/p.json" "$TMP/np.json" -o "$TMP/rep" --no-plots
contains "$TMP/rep/report.md" "## Slowest nodes" "report.md has the slowest-nodes section"
contains "$TMP/rep/report.md" "### fmnist-cnn, ref: " "report.md has ref's table"
contains "$TMP/rep/report.md" "| 1 | /" "report.md ranks the nodes"
contains "$TMP/rep/report.md" "### fmnist-cnn, cpu" "report.md has cpu's table"
contains "$TMP/rep/report.md" "| Conv+Relu |" "cpu's table names the fused step"
contains "$TMP/rep/index.html" "Slowest nodes</h2>" "index.html has the section"
contains "$TMP/rep/index.html" "<td class=\"mono\">/conv2/Conv</td>" "index.html lists the nodes"
expect 0 "at most 10 rows per table" -- "$PY" - "$TMP/rep/report.md" <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read().split("## Slowest nodes")[1].split("\n## ")[0]
for table in text.split("### ")[1:]:
    rows = [l for l in table.splitlines() if re.match(r"^\| \d+ \|", l)]
    assert 1 <= len(rows) <= 10, table
    ms = [float(l.split("|")[4]) for l in rows]
    assert ms == sorted(ms, reverse=True), ms
PYEOF

finish
