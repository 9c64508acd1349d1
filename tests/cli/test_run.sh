# test_run.sh - `edgebench run`: a schema-valid result file, sweeps with an
# unsupported variant, crash and hang isolation (through the test-only
# EB_TEST_FAULT switch), kill-safety of the output, and bad input.
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx
B=$DATA/test_Linear/model.onnx
C=$DATA/test_ReLU/model.onnx
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
PYEOF
}

# the issue's example: ref, and a thread sweep that ref cannot run
expect 0 "run with a sweep" -- "$EDGEBENCH" run "$A" -v ref -v 'ref:threads={1,2}' -n 20 --min-time 0 -o "$TMP/r.json"
contains "$TMP/out" "unsupported: ref is single-threaded" "the table shows the reason"
expect 0 "result file matches the schema" -- validate "$TMP/r.json"
expect 0 "result content" -- "$PY" - "$TMP/r.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
assert [x["variant"]["spec"] for x in r] == ["ref", "ref:threads=2"], r
ok, uns = r
assert ok["status"] == "ok" and ok["baseline"] is True
lat = ok["latency"]
assert lat["n"] == 20 and len(lat["samples"]) == 20 and lat["min"] <= lat["median"] <= lat["max"]
assert lat["median_ci95"]["low"] <= lat["median"] <= lat["median_ci95"]["high"]
assert ok["memory"]["peak_rss_bytes"] > 0 and ok["memory"]["peak_rss_source"] == "VmHWM"
assert uns["status"] == "unsupported" and "single-threaded" in uns["error"], uns
assert len(d["models"][0]["sha256"]) == 64 and d["device"]["cpu"]["arch"]
assert d["run"]["command_line"][0] == "run"
PYEOF
[ "$(wc -l <"$TMP/r.jsonl")" -eq 2 ] && PASSES=$((PASSES + 1)) || { echo "FAIL r.jsonl has not 2 lines"; FAILS=$((FAILS + 1)); }

# a crash costs only its variant; the sweep goes on and exits 3 (partial)
EB_TEST_FAULT=crash:test_Linear/ref expect 3 "crash in one model" -- \
    "$EDGEBENCH" run "$A" "$B" "$C" -n 3 --min-time 0 -o "$TMP/crash.json"
expect 0 "crash result is schema-valid" -- validate "$TMP/crash.json"
expect 0 "crash recorded, others intact" -- "$PY" - "$TMP/crash.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert [x["status"] for x in r] == ["ok", "crashed", "ok"], [x["status"] for x in r]
assert r[1]["signal"] == 11 and "signal 11" in r[1]["error"]
assert r[0]["latency"]["n"] == 3 and r[2]["latency"]["n"] == 3
PYEOF

# a hang is killed at the timeout
EB_TEST_FAULT=hang:test_Linear/ref expect 3 "hang in one model" -- \
    "$EDGEBENCH" run "$A" "$B" "$C" -n 3 --min-time 0 --timeout 2 -o "$TMP/hang.json"
expect 0 "hang recorded as timeout" -- "$PY" - "$TMP/hang.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert [x["status"] for x in r] == ["ok", "timeout", "ok"], [x["status"] for x in r]
PYEOF
EB_TEST_FAULT=fail:test_Conv2d/ref expect 3 "an injected failure" -- "$EDGEBENCH" run "$A" -n 3 --min-time 0
contains "$TMP/out" "failed: injected failure" "failure is shown"

# killing the sweep loses at most the variant in flight: finished results
# are in the .jsonl, and the -o file is never half-written
EB_TEST_FAULT=hang:test_ReLU/ref "$EDGEBENCH" run "$A" "$B" "$C" -n 3 --min-time 0 -o "$TMP/killed.json" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ -f "$TMP/killed.jsonl" ] && [ "$(wc -l <"$TMP/killed.jsonl")" -ge 2 ] && break
    sleep 0.1
done
sleep 0.3
kill -9 $pid
wait $pid 2>/dev/null
expect 0 "finished records survive a kill" -- "$PY" - "$TMP/killed.jsonl" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["model"] for l in lines] == ["test_Conv2d", "test_Linear"], lines
assert all(l["status"] == "ok" and l["schema_version"] == 1 for l in lines)
PYEOF
if [ -e "$TMP/killed.json" ]; then echo "FAIL a killed run left $TMP/killed.json"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
sleep 0.2
if pgrep -f "killed.json" >/dev/null; then echo "FAIL the hung variant outlived the sweep"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi

# the default run length: at least -n runs AND at least --min-time (1 s) of
# timed runs, so a fast model gets many samples; a tail percentile the
# samples cannot support is null with the reason (MLPerf's early-stopping
# minimum at 99% confidence: 64 for p90, 662 for p99)
expect 0 "a default run of a fast model" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref --eval 0 -o "$TMP/default.json"
expect 0 "default run is schema-valid" -- validate "$TMP/default.json"
expect 0 "default run times at least min-time" -- "$PY" - "$TMP/default.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["run"]["settings"]["min_time_s"] == 1 and d["run"]["settings"]["runs"] == 10, d["run"]["settings"]
lat = d["results"][0]["latency"]
# each sample is far below 1 s, so 1 s of timed runs is many more than 10
# samples; the samples' own sum leaves out only the loop between them
assert not lat["hit_max_time"], lat["hit_max_time"]
assert lat["n"] > 10 and sum(lat["samples"]) >= 500, (lat["n"], sum(lat["samples"]))
for p, need in (("p90", 64), ("p99", 662)):
    if lat["n"] >= need:
        assert isinstance(lat[p], float) and p + "_reason" not in lat, (p, lat.get(p + "_reason"))
    else:
        assert lat[p] is None and lat[p + "_reason"] == "needs n >= %d, have %d" % (need, lat["n"]), lat[p + "_reason"]
PYEOF
expect 0 "--min-time 0: exactly -n runs" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref --eval 0 -n 10 --min-time 0 \
    -o "$TMP/ten.json"
cp "$TMP/out" "$TMP/ten.txt"
expect 0 "ten samples: no p90 or p99" -- "$PY" - "$TMP/ten.json" <<'PYEOF'
import json, sys
lat = json.load(open(sys.argv[1]))["results"][0]["latency"]
assert lat["n"] == 10 and lat["p90"] is None and lat["p99"] is None, lat
assert lat["p90_reason"] == "needs n >= 64, have 10" and lat["p99_reason"] == "needs n >= 662, have 10", lat
PYEOF
expect 0 "ten samples are schema-valid" -- validate "$TMP/ten.json"
expect 0 "ten samples: '-' in the p90 column" -- \
    awk '$1 == "fmnist-mlp" { row = 1; bad = $5 != "-" } END { exit !row || bad }' "$TMP/ten.txt"  # median is "N unit"

# other formats
expect 0 "csv" -- "$EDGEBENCH" run "$A" -n 3 --min-time 0 -o "$TMP/r.csv" --format csv
contains "$TMP/r.csv" "model,variant,runner" "csv header"
contains "$TMP/r.csv" '"test_Conv2d","ref",ref,1' "csv row"
expect 0 "markdown" -- "$EDGEBENCH" run "$A" -n 3 --min-time 0 -o "$TMP/r.md" --format md
contains "$TMP/r.md" "| test_Conv2d | \`ref\` |" "markdown row"

# real inputs in, outputs out: the saved output is what ref computes on them
expect 0 "inputs and saved outputs" -- "$EDGEBENCH" run "$A" -n 2 --min-time 0 --inputs "$DATA/test_Conv2d/test_data_set_0" \
    --save-outputs "$TMP/saved"
mkdir -p "$TMP/case/test_data_set_0"
cp "$A" "$TMP/case/model.onnx"
cp "$DATA/test_Conv2d/test_data_set_0/input_0.pb" "$TMP/case/test_data_set_0/"
cp "$TMP/saved/test_Conv2d/ref/output_0.pb" "$TMP/case/test_data_set_0/"
expect 0 "saved outputs are ONNX tensors ref reproduces" -- "$BUILD/tests/test_onnx_node" --case "$TMP/case"
cmp -s "$DATA/test_Conv2d/test_data_set_0/output_0.pb" "$TMP/saved/test_Conv2d/ref/output_0.pb" ||
    expect 0 "saved outputs match ONNX's expected ones" -- "$BUILD/tests/test_onnx_node" --case "$DATA/test_Conv2d"
expect 2 "inputs of the wrong shape" -- "$EDGEBENCH" run "$B" -n 2 --inputs "$DATA/test_Conv2d/test_data_set_0"

# bad input: clear message, exit 2
expect 2 "malformed variant" -- "$EDGEBENCH" run "$A" -v 'ref:threads={1,2'
contains "$TMP/err" "unclosed" "malformed variant is explained"
expect 2 "unknown variant key" -- "$EDGEBENCH" run "$A" -v 'ref:thread=2'
contains "$TMP/err" "thread" "unknown key is named"
expect 2 "missing model" -- "$EDGEBENCH" run "$TMP/none.onnx"
contains "$TMP/err" "$TMP/none.onnx" "missing model is named"
expect 2 "unwritable output" -- "$EDGEBENCH" run "$A" -n 2 -o /nonexistent/dir/r.json
contains "$TMP/err" "/nonexistent/dir/r.json" "unwritable output is named"
expect 2 "bad format" -- "$EDGEBENCH" run "$A" --format xml
expect 2 "bad timeout" -- "$EDGEBENCH" run "$A" --timeout 0
finish
