# test_opt.sh - the cpu graph optimizer's levels from the command line:
# `cpu:opt={0,1,2}` runs each level, the run table shows each result's
# fusions under its row, the result file records the level (variant.opt)
# and the fusions, schema-valid, and reads back (report), the CSV has the
# column, and a level out of range is a usage error.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

expect 0 "a sweep over the levels" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'cpu:opt={0,1,2}' -v ref --eval 0 -n 3 \
    --min-time 0 -o "$TMP/r.json"
contains "$TMP/out" "cpu:opt=0" "the table names level 0"
contains "$TMP/out" "fusions: Gemm+Relu x2" "the table shows the fusions"
expect 0 "levels and fusions in the result file, schema-valid" -- "$PY" - "$TMP/r.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
r = {x["variant"]["spec"]: x for x in doc["results"]}
assert [r[s]["variant"]["opt"] for s in ("cpu:opt=0", "cpu:opt=1", "cpu")] == [0, 1, 2], r.keys()
assert r["cpu:opt=0"]["fusions"] == "", r["cpu:opt=0"]["fusions"]
assert r["cpu:opt=1"]["fusions"] == "Gemm+Relu x2", r["cpu:opt=1"]["fusions"]
assert r["cpu"]["fusions"] == "Gemm+Relu x2", r["cpu"]["fusions"]
assert r["ref"]["fusions"] == "", r["ref"]["fusions"]
PYEOF
expect 0 "the CSV has the fusions" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu --eval 0 -n 3 --min-time 0 -o "$TMP/r.csv"
expect 0 "fusions column" -- "$PY" - "$TMP/r.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows[-1]["fusions"] == "Gemm+Relu x2", rows
PYEOF
expect 0 "the result file reads back" -- "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/rep.md"
expect 2 "opt=3 is refused" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu:opt=3 --eval 0
contains "$TMP/err" "opt must be an integer <= 2" "the refusal says the range"
expect 3 "ref refuses another level: unsupported (exit 3)" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref:opt=0 --eval 0 -n 3 \
    --min-time 0
contains "$TMP/out" "opt is a cpu runner setting" "the reason is shown"
finish
