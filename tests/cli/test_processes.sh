# test_processes.sh - `run --processes K`: one result per variant, its
# samples tagged by worker process in a schema-valid file, the median's
# interval from the hierarchical bootstrap,
# one-process results saying their interval is within-process only, and
# `compare` resampling processes when the files have them.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

expect 0 "run --processes 3" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' -n 8 --min-time 0 --eval 0 \
    --processes 3 -o "$TMP/p3.json"
expect 0 "the file matches the schema, one result per variant, tagged by process" -- "$PY" - "$TMP/p3.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
assert d["run"]["settings"]["processes"] == 3
r = d["results"]
assert [x["variant"]["spec"] for x in r] == ["ref", "cpu"], r
for x in r:
    L = x["latency"]
    assert x["status"] == "ok", x["error"]
    assert L["processes"] == 3 and L["n"] == len(L["samples"]) == len(L["process_of_sample"]) >= 24
    assert sorted(set(L["process_of_sample"])) == [0, 1, 2] and L["process_of_sample"] == sorted(L["process_of_sample"])
    assert len(L["process_medians"]) == 3
    ci = L["median_ci95"]
    assert ci["scope"] == "between-process" and "hierarchical" in ci["method"]
    assert ci["low"] <= L["median"] <= ci["high"]
PYEOF
[ "$(wc -l <"$TMP/p3.jsonl")" -eq 2 ] && PASSES=$((PASSES + 1)) || { echo "FAIL p3.jsonl has not 2 lines"; FAILS=$((FAILS + 1)); }

# one process: the interval says it is within-process only
expect 0 "run without --processes" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 8 --min-time 0 --eval 0 -o "$TMP/p1.json"
expect 0 "one process: within-process only" -- "$PY" - "$TMP/p1.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
L = d["results"][0]["latency"]
assert L["processes"] == 1 and "process_of_sample" not in L
assert L["median_ci95"]["scope"].startswith("within-process only"), L["median_ci95"]
PYEOF

# (the order the processes ran in is checked in tests/test_interleave.c)

# compare: processes resampled first
expect 0 "compare two multi-process files" -- "$EDGEBENCH" compare "$TMP/p3.json" "$TMP/p3.json" --format json -o "$TMP/c.json"
expect 0 "compare used the hierarchical bootstrap" -- "$PY" - "$TMP/c.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
for p in c["pairs"]:
    assert p["test"]["name"] == "hierarchical-bootstrap", p["test"]
    assert p["processes_base"] == 3 and p["processes_new"] == 3
    assert p["ratio_ci95"]["scope"] == "between-process"
    assert p["verdict"] == "same"
PYEOF
expect 0 "compare two one-process files" -- "$EDGEBENCH" compare "$TMP/p1.json" "$TMP/p1.json"
contains "$TMP/out" "within-process only" "compare says a one-process interval is within-process only"

# bad input
expect 2 "--processes 0 is refused" -- "$EDGEBENCH" run zoo:fmnist-mlp --processes 0
expect 2 "--processes 65 is refused" -- "$EDGEBENCH" run zoo:fmnist-mlp --processes 65
expect 2 "--processes with --no-isolate is refused" -- "$EDGEBENCH" run zoo:fmnist-mlp --processes 2 --no-isolate
contains "$TMP/err" "--no-isolate" "says why"
expect 0 "run --help names --processes" -- "$EDGEBENCH" run --help
contains "$TMP/out" "--processes K" "help"
finish
