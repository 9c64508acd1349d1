# test_layer_drift.sh - `edgebench run --layers --sensitivity` (issue 11,
# "where accuracy is lost") on fmnist-cnn with quant=int8 and prune=2:4 on
# ref: the result file matches the schema; layer_drift lists every node
# output with finite rel L2 and cosine, names the first node over a tiny
# threshold, and the baseline (no compression) says why it has none;
# sensitivity ranks the quantized/pruned layers worst first with a skip
# set taken from them; both are null without the flags; `report` draws the
# drift along the graph and tables the first node over and the ranking.
# (tests/cli/test_layers.sh is the include-layer check, another matter.)
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}

expect 0 "run --layers --sensitivity" -- "$EDGEBENCH" run zoo:fmnist-cnn -v 'ref;ref:quant=int8;ref:prune=2:4' -n 1 \
    --min-time 0 --eval 20 --layers --layers-threshold 1e-6 --sensitivity -o "$TMP/l.json"
expect 0 "the result file matches the schema" -- validate "$TMP/l.json"
expect 0 "layer_drift and sensitivity as documented" -- "$PY" - "$TMP/l.json" <<'PYEOF'
import json, math, sys
r = {x["variant"]["spec"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert set(r) == {"ref", "ref:quant=int8", "ref:prune=2:4"}, list(r)
base = r["ref"]
assert base["layer_drift"]["available"] is False and "no compression" in base["layer_drift"]["reason"], base["layer_drift"]
assert base["sensitivity"]["available"] is False, base["sensitivity"]
for spec in ("ref:quant=int8", "ref:prune=2:4"):
    x = r[spec]
    assert x["status"] == "ok", x["error"]
    ld = x["layer_drift"]
    assert ld["available"] is True and ld["threshold"] == 1e-6, ld
    vals = ld["values"]
    assert len(vals) >= 10, vals  # conv1 relu pool conv2 relu pool flatten fc1 relu fc2
    idx = [v["index"] for v in vals]
    assert idx == sorted(idx), idx
    for v in vals:
        assert v["compared"] is True, v
        assert math.isfinite(v["rel_l2"]) and v["rel_l2"] >= 0, v
        assert math.isfinite(v["cosine"]) and -1 - 1e-9 <= v["cosine"] <= 1 + 1e-9, v
    over = [v for v in vals if v["rel_l2"] > 1e-6]
    assert over and ld["first_over"] is not None, ld
    f = ld["first_over"]
    assert f["output"] == over[0]["output"] and f["node"] == over[0]["node"] and f["rel_l2"] == over[0]["rel_l2"], (f, over[0])
    assert vals[-1]["rel_l2"] > 0, vals[-1]  # the model's output drifts
    s = x["sensitivity"]
    assert s["available"] is True and s["cost_metric"] == "top1_delta" and s["eval_images"] == 20, s
    assert 0 <= s["baseline_top1"] <= 1, s
    changed = [l["node"] for l in x["compression"]["layers"] if l["storage"] != "dense"]
    layers = s["layers"]
    assert sorted(l["node"] for l in layers) == sorted(changed) and changed, (layers, changed)
    costs = [-l["value"] for l in layers]
    assert all(math.isfinite(c) for c in costs) and costs == sorted(costs, reverse=True), layers
    assert [l["rank"] for l in layers] == list(range(1, len(layers) + 1)), layers
    assert s["skip_key"] == ("quant-skip" if "quant" in spec else "prune-skip"), s
    skip = s["suggested_skip"].split("|") if s["suggested_skip"] else []
    assert skip == [l["node"] for l in layers[:len(skip)]], (skip, layers)  # a prefix of the ranking
    assert s["rule"], s
assert r["ref:prune=2:4"]["layer_drift"]["values"][0]["rel_l2"] == 0  # conv1 is kept dense by default
PYEOF

expect 0 "run without the flags" -- "$EDGEBENCH" run zoo:fmnist-cnn -v 'ref:quant=int8' -n 1 --min-time 0 --eval 0 -o "$TMP/n.json"
expect 0 "null without --layers / --sensitivity" -- "$PY" - "$TMP/n.json" <<'PYEOF'
import json, sys
for x in json.load(open(sys.argv[1]))["results"]:
    assert x["layer_drift"] is None and x["sensitivity"] is None, x
PYEOF

expect 0 "report" -- "$EDGEBENCH" report "$TMP/l.json" -o "$TMP/rep"
[ -s "$TMP/rep/layer_drift_fmnist-cnn.gp" ] && [ -s "$TMP/rep/layer_drift_fmnist-cnn.dat" ] &&
    PASSES=$((PASSES + 1)) || { echo "FAIL report: no layer_drift_fmnist-cnn.gp/.dat"; FAILS=$((FAILS + 1)); }
if command -v gnuplot >/dev/null 2>&1; then
    [ -s "$TMP/rep/layer_drift_fmnist-cnn.png" ] && PASSES=$((PASSES + 1)) ||
        { echo "FAIL report: layer_drift_fmnist-cnn.png not drawn"; FAILS=$((FAILS + 1)); }
else
    skip "the drift plot's PNG" "gnuplot is not installed"
fi
contains "$TMP/rep/layer_drift_fmnist-cnn.gp" "set logscale y" "the drift plot has a log y axis"
contains "$TMP/rep/report.md" "## Where accuracy is lost" "the report has the section"
contains "$TMP/rep/report.md" "| fmnist-cnn | ref:quant=int8 | 1e-06 | " "the first node over, per variant"
contains "$TMP/rep/report.md" "### Sensitivity: fmnist-cnn, ref:quant=int8" "the ranking per variant"
contains "$TMP/rep/report.md" "| rank | node | op | top-1 delta (pp) |" "the ranking table"
# the skip set to paste, as the JSON suggests it (or the note that there is none)
want=$("$PY" -c 'import json,sys
x=[r for r in json.load(open(sys.argv[1]))["results"] if r["variant"]["spec"]=="ref:quant=int8"][0]["sensitivity"]
print("`quant-skip=%s`" % x["suggested_skip"] if x["suggested_skip"] else "none: no layer costs anything")' "$TMP/l.json")
contains "$TMP/rep/report.md" "$want" "the suggested skip set"

expect 2 "a bad --layers-threshold" -- "$EDGEBENCH" run zoo:fmnist-cnn --layers-threshold -1 -n 1
finish
