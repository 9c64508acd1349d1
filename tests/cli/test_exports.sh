# test_exports.sh - the exports dashboards read, each checked by its real
# consumer or its published schema: a short real run of a zoo model
# exported as gab (github-action-benchmark's JSON, tests/data/gab.schema.json),
# bmf (Bencher's published schema, tests/data/bmf.schema.json) and
# openmetrics (`promtool check metrics`, no lint warning allowed); compare of
# two runs, one with a planted slowdown, as JUnit XML (`xmllint --schema`
# against the Jenkins xUnit plugin's junit-10.xsd) showing a <failure>; and
# history export (openmetrics with timestamps, read by promtool's backfill;
# gab and bmf, one file per run).  Each checker is shown to reject a broken
# file once, so that a pass means something.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D=tests/data

for tool in promtool xmllint; do
    command -v $tool >/dev/null 2>&1 || { echo "FAIL $tool not installed (make deps installs it)"; exit 1; }
done
"$PY" -c 'import jsonschema' 2>/dev/null || { echo "FAIL python3-jsonschema not installed (make deps)"; exit 1; }

# schema_ok FILE SCHEMA DESCRIPTION / schema_bad ...: jsonschema accepts / rejects
schema_check() {
    "$PY" - "$1" "$2" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}
schema_ok() { expect 0 "$3" -- schema_check "$1" "$2" || sed 's/^/  /' "$TMP/err" | tail -3; }
schema_bad() {
    if schema_check "$1" "$2" >/dev/null 2>&1; then
        echo "FAIL $3: the schema accepted a broken file"; FAILS=$((FAILS + 1))
    else PASSES=$((PASSES + 1)); fi
}
# promtool check metrics: exit 0 and nothing said (a lint warning is a failure)
prom_ok() {
    if out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ]; then PASSES=$((PASSES + 1)); else
        echo "FAIL $2: promtool check metrics: $out"; FAILS=$((FAILS + 1)); fi
}
junit_check() { xmllint --noout --schema "$D/junit-10.xsd" "$1"; }

MODEL=zoo:fmnist-mlp
RUN="$EDGEBENCH run $MODEL -v ref;cpu:threads=1 -n 3 --min-time 0 --eval 0"

# ---- run: gab, bmf, openmetrics -------------------------------------------
expect 0 "run --format gab" -- $RUN --format gab -o "$TMP/run-gab.json"
expect 0 "run --format bmf" -- $RUN --format bmf -o "$TMP/run-bmf.json"
expect 0 "run -o FILE.prom (openmetrics by the extension)" -- $RUN -o "$TMP/run.prom"
expect 0 "run --format openmetrics to stdout" -- $RUN --format openmetrics
cp "$TMP/out" "$TMP/stdout.prom"
expect 2 "--format gab with -o FILE.csv is refused" -- $RUN --format gab -o "$TMP/x.csv"
contains "$TMP/err" "names csv but --format is gab" "gab vs .csv: the message says why"
expect 2 "an unknown --format is refused" -- $RUN --format prometheus
contains "$TMP/err" "gab, bmf or openmetrics" "unknown format: the message names the choices"

schema_ok "$TMP/run-gab.json" "$D/gab.schema.json" "gab: the action's shape"
schema_ok "$TMP/run-bmf.json" "$D/bmf.schema.json" "bmf: Bencher's published schema"
prom_ok "$TMP/run.prom" "run.prom"
prom_ok "$TMP/stdout.prom" "openmetrics on stdout"

# the content: names, units, what is left out
expect 0 "gab content" -- "$PY" - "$TMP/run-gab.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
names = {e["name"]: e for e in d}
lat = [e for e in d if e["name"].endswith(" latency")]
assert len(lat) == 2, names.keys()
for e in lat:
    assert e["name"].startswith("fmnist-mlp/"), e
    assert "/cpu@" in e["name"], e             # the device and the host
    assert e["unit"] == "ms" and e["value"] > 0, e
    assert "range" not in e, e                 # 3 samples: no CI, left out, not 0
assert any(n.startswith("fmnist-mlp/ref/cpu@") for n in names), names.keys()
for e in d:
    assert e["value"] != 0, e
    assert "throughput" not in e["name"], e     # bigger is better: not in a smaller-is-better file
    if "energy" in e["name"]:
        assert e["unit"] == "J"
        est = "estimated" in e["extra"]
        assert est == e["name"].endswith("energy (estimated)"), e
mem = [e for e in d if e["name"].endswith(" peak memory")]
assert mem and all(e["unit"] == "bytes" for e in mem), names.keys()
PYEOF
expect 0 "bmf content" -- "$PY" - "$TMP/run-bmf.json" "$TMP/run-gab.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 2, d.keys()
for name, m in d.items():
    assert name.startswith("fmnist-mlp/") and "/cpu@" in name, name
    assert set(m) <= {"latency", "throughput", "memory", "energy", "energy-estimated"}, m
    assert "energy" not in m or "energy-estimated" not in m, m
    lat, thr = m["latency"], m["throughput"]
    assert "lower_value" not in lat, lat        # no CI with 3 samples
    # latency in ns (Bencher's Latency measure), throughput = 1e9 / ns
    assert abs(thr["value"] * lat["value"] - 1e9) < 1e-3 * 1e9, m
    assert m["memory"]["value"] > 0
PYEOF
expect 0 "openmetrics content" -- "$PY" - "$TMP/run.prom" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
assert t.endswith("# EOF\n"), t[-40:]
lat = re.findall(r'^edgebench_latency_seconds\{([^}]*)\} (\S+)$', t, re.M)
assert len(lat) == 2, lat                       # medians only: no CI with 3 samples
for labels, v in lat:
    assert 'stat="median"' in labels and 'device="cpu"' in labels and 'host="' in labels, labels
    assert 0 < float(v) < 10, v                 # seconds
for line in t.splitlines():
    if line.startswith("edgebench_energy_per_inference_joules{"):
        assert re.search(r'energy_kind="(measured|estimated)"', line), line
assert " 0\n" not in t.replace('edgebench_result_ok', 'x'), "a figure written as 0"
assert not re.search(r'^\S+\{[^}]*\} \S+ \S+$', t, re.M), "a timestamp (the textfile collector refuses them)"
PYEOF

# ---- each checker rejects a broken file ------------------------------------
"$PY" - "$TMP/run-gab.json" "$TMP/bad-gab.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1])); d[0]["value"] = "12 ms"
json.dump(d, open(sys.argv[2], "w"))
PYEOF
schema_bad "$TMP/bad-gab.json" "$D/gab.schema.json" "gab: a value as text"
"$PY" - "$TMP/run-bmf.json" "$TMP/bad-bmf.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1])); b = next(iter(d.values())); del b["latency"]["value"]
json.dump(d, open(sys.argv[2], "w"))
PYEOF
schema_bad "$TMP/bad-bmf.json" "$D/bmf.schema.json" "bmf: a measure without value"
sed 's/^edgebench_latency_seconds{/edgebench_latency_seconds{model=/' "$TMP/run.prom" >"$TMP/bad.prom"
if promtool check metrics <"$TMP/bad.prom" >/dev/null 2>&1; then
    echo "FAIL promtool accepted a broken label set"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
sed 's/edgebench_latency_seconds/edgebench_latency_milliseconds/' "$TMP/run.prom" >"$TMP/lint.prom"
if out=$(promtool check metrics <"$TMP/lint.prom" 2>&1) && [ -z "$out" ]; then
    echo "FAIL promtool lint did not flag a non-base unit"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi

# ---- compare: junit, one planted regression --------------------------------
expect 0 "base run" -- "$EDGEBENCH" run $MODEL -v 'ref;cpu:threads=1' -n 20 --min-time 0 --eval 0 -o "$TMP/base.json"
# NEW: cpu's samples x3 (a planted slowdown), ref's unchanged
"$PY" - "$TMP/base.json" "$TMP/new.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["variant"]["spec"].startswith("cpu"):
        L = r["latency"]
        L["samples"] = [s * 3 for s in L["samples"]]
        for k in ("min", "median", "mean", "p90", "p99", "max", "stddev"):
            if L.get(k) is not None:
                L[k] *= 3
        if L.get("median_ci95"):
            L["median_ci95"]["low"] *= 3
            L["median_ci95"]["high"] *= 3
json.dump(d, open(sys.argv[2], "w"))
PYEOF
expect 1 "compare --format junit: regressed (exit 1)" -- \
    "$EDGEBENCH" compare "$TMP/base.json" "$TMP/new.json" --format junit -o "$TMP/cmp.xml"
expect 0 "junit: valid against junit-10.xsd" -- junit_check "$TMP/cmp.xml"
expect 0 "junit content" -- "$PY" - "$TMP/cmp.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
cases = root.findall("./testsuite/testcase")
fails = [(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None]
assert fails == [("fmnist-mlp/cpu/cpu", "latency")], fails
f = [c for c in cases if c.find("failure") is not None][0].find("failure")
assert "slower" in f.text and "ratio 3" in f.text, f.text
# accuracy was not measured (--eval 0): skipped, with the reason
acc = [c for c in cases if c.get("name") == "accuracy"]
assert len(acc) == 2 and all(c.find("skipped") is not None for c in acc), acc
assert root.get("failures") == "1", root.attrib
s = root.find("testsuite")
assert int(s.get("tests")) == len(cases) and s.get("skipped") == "2", s.attrib
PYEOF
expect 0 "compare of a run with itself: no failure" -- \
    "$EDGEBENCH" compare "$TMP/base.json" "$TMP/base.json" --format junit -o "$TMP/same.xml"
expect 0 "junit (same): valid" -- junit_check "$TMP/same.xml"
grep -q '<failure' "$TMP/same.xml" && { echo "FAIL same: a failure"; FAILS=$((FAILS + 1)); } || PASSES=$((PASSES + 1))
# a result in one file only is a skipped testcase
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["results"]=d["results"][:1]; json.dump(d,open(sys.argv[2],"w"))' \
    "$TMP/base.json" "$TMP/one.json"
expect 0 "compare with a result missing" -- "$EDGEBENCH" compare "$TMP/base.json" "$TMP/one.json" --format junit -o "$TMP/one.xml"
expect 0 "junit (one side only): valid" -- junit_check "$TMP/one.xml"
contains "$TMP/one.xml" 'name="present">' "only-in-BASE result: a testcase"
contains "$TMP/one.xml" '<skipped message="only in BASE' "only-in-BASE result: skipped"
# xmllint rejects a broken one
sed 's/<testcase classname=/<testcase nom=/' "$TMP/cmp.xml" >"$TMP/bad.xml"
if junit_check "$TMP/bad.xml" >/dev/null 2>&1; then
    echo "FAIL xmllint accepted a testcase without a name"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
# compare's other exports are NEW's results
expect 1 "compare --format bmf" -- "$EDGEBENCH" compare "$TMP/base.json" "$TMP/new.json" --format bmf -o "$TMP/cmp-bmf.json"
schema_ok "$TMP/cmp-bmf.json" "$D/bmf.schema.json" "compare bmf: Bencher's schema"
expect 1 "compare --format openmetrics" -- "$EDGEBENCH" compare "$TMP/base.json" "$TMP/new.json" --format openmetrics -o "$TMP/cmp.prom"
prom_ok "$TMP/cmp.prom" "compare openmetrics"
expect 2 "compare --format xml is refused" -- "$EDGEBENCH" compare "$TMP/base.json" "$TMP/new.json" --format xml

# ---- history export ---------------------------------------------------------
# two stored runs an hour apart (run 1 moved back), run 2 the planted one
"$PY" - "$TMP/base.json" "$TMP/h1.json" <<'PYEOF'
import json, sys, datetime
d = json.load(open(sys.argv[1]))
t = datetime.datetime.strptime(d["run"]["start_time"], "%Y-%m-%dT%H:%M:%SZ") - datetime.timedelta(hours=1)
d["run"]["start_time"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
for r in d["results"]:
    r.pop("finished_at", None)
json.dump(d, open(sys.argv[2], "w"))
PYEOF
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); [r.pop("finished_at",None) for r in d["results"]]; json.dump(d,open(sys.argv[2],"w"))' \
    "$TMP/new.json" "$TMP/h2.json"
DB=$TMP/h.sqlite
expect 0 "history add" -- "$EDGEBENCH" history add "$TMP/h1.json" "$TMP/h2.json" --db "$DB"
expect 0 "history export --format openmetrics" -- "$EDGEBENCH" history export --db "$DB" --format openmetrics -o "$TMP/h.prom"
expect 0 "history openmetrics: two timestamped points per series" -- "$PY" - "$TMP/h.prom" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
med = re.findall(r'^edgebench_latency_seconds\{([^}]*stat="median"[^}]*)\} (\S+) (\d+\.\d{3})$', t, re.M)
assert len(med) == 4, med
by = {}
for labels, v, ts in med:
    by.setdefault(labels, []).append(float(ts))
assert all(len(v) == 2 and v[1] - v[0] == 3600 for v in by.values()), by
assert "edgebench_energy" not in t.replace("# HELP edgebench_energy", "").replace("# TYPE edgebench_energy", "").replace("# UNIT edgebench_energy", ""), "energy from a database that keeps none"
PYEOF
# the consumer: promtool's backfill reads OpenMetrics with timestamps
if promtool tsdb create-blocks-from openmetrics "$TMP/h.prom" "$TMP/tsdb" >"$TMP/bf.out" 2>&1; then
    PASSES=$((PASSES + 1))
else
    echo "FAIL promtool backfill of the history export:"; sed 's/^/  /' "$TMP/bf.out" | tail -5; FAILS=$((FAILS + 1))
fi
sed 's/^\(edgebench_latency_seconds{.*}\) \(\S*\) \(\S*\)$/\1 \2 notatime/' "$TMP/h.prom" >"$TMP/hbad.prom"
if promtool tsdb create-blocks-from openmetrics "$TMP/hbad.prom" "$TMP/tsdb-bad" >/dev/null 2>&1; then
    echo "FAIL promtool backfill accepted a broken timestamp"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
for f in gab bmf; do
    expect 0 "history export --format $f" -- "$EDGEBENCH" history export --db "$DB" --format $f -o "$TMP/h-$f"
    n=$(ls "$TMP/h-$f" | wc -l)
    [ "$n" -eq 2 ] && PASSES=$((PASSES + 1)) || { echo "FAIL history $f: $n files, not one per run"; FAILS=$((FAILS + 1)); }
    for x in "$TMP/h-$f"/run-*.json; do schema_ok "$x" "$D/$f.schema.json" "history $f: $(basename "$x")"; done
done
expect 2 "history export without --format" -- "$EDGEBENCH" history export --db "$DB" -o "$TMP/x"
expect 2 "history export --format junit is refused" -- "$EDGEBENCH" history export --db "$DB" --format junit -o "$TMP/x"
expect 2 "history export of a missing database" -- "$EDGEBENCH" history export --db "$TMP/none.sqlite" --format bmf -o "$TMP/x"

finish
