# test_calibrate.sh - `edgebench calibrate` and the roofline, from the
# outside: calibrate measures positive fp32 / int8 peaks and triad
# bandwidth and stores them under $EDGEBENCH_CACHE_DIR with the date; its
# fp32 peak is not below the cpu runner's fp32 GEMM measured in the same
# run (a sanity ratio, no timing figure); --show reads the file back; a run
# then has a roofline on every ok CPU result (schema-valid), and `report`
# draws roofline.png with each (model, variant) in roofline.dat; without a
# calibration the roofline is unavailable with the reason, and report
# skips the plot saying why.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
export EDGEBENCH_CACHE_DIR="$TMP/cache"

validate() {
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}

# not calibrated yet: said, not invented
expect 0 "run before calibrating" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' -n 5 --eval 0 -o "$TMP/none.json"
expect 0 "that file matches the schema" -- validate "$TMP/none.json"
"$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][1]['roofline']; print(r['available'], r['reason'])" \
    "$TMP/none.json" >"$TMP/nr"
contains "$TMP/nr" "False not calibrated (run edgebench calibrate)" "roofline unavailable with the reason"
expect 0 "report without a calibration" -- "$EDGEBENCH" report "$TMP/none.json" -o "$TMP/rep0"
[ ! -f "$TMP/rep0/roofline.png" ] && PASSES=$((PASSES + 1)) || { echo "FAIL roofline drawn without a calibration"; FAILS=$((FAILS + 1)); }
contains "$TMP/rep0/report.md" "no result has a roofline: not calibrated" "report says why there is no roofline"

expect 0 "calibrate" -- "$EDGEBENCH" calibrate --threads 1 --rounds 2
contains "$TMP/out" "sanity: the cpu runner's fp32 GEMM 512^3 on 1 thread" "the GEMM sanity line"
FILE=$(ls "$EDGEBENCH_CACHE_DIR"/calibration/*.json 2>/dev/null | head -1)
[ -n "$FILE" ] && PASSES=$((PASSES + 1)) || { echo "FAIL no calibration file under $EDGEBENCH_CACHE_DIR/calibration"; FAILS=$((FAILS + 1)); }
"$PY" - "$FILE" >"$TMP/cal" <<'PYEOF'
import json, re, sys
c = json.load(open(sys.argv[1]))
p = c["points"][0]
print("positive", p["threads"] == 1 and p["fp32_gflops"] > 0 and p["int8_gops"] > 0 and p["triad_gbytes_per_s"] > 0)
print("dated", bool(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", c["date"])))
g = c["gemm_check"]["gflops"]
print("gemm", g > 0, "peak>=gemm", p["fp32_gflops"] >= g, "ratio %.2f" % (g / p["fp32_gflops"]))
PYEOF
contains "$TMP/cal" "positive True" "positive fp32, int8 and bandwidth figures"
contains "$TMP/cal" "dated True" "stored with the date"
contains "$TMP/cal" "gemm True peak>=gemm True" "fp32 peak not below the cpu runner's GEMM"
expect 0 "calibrate --show" -- "$EDGEBENCH" calibrate --show
contains "$TMP/out" "file: $FILE" "--show names the file"
expect 2 "calibrate --threads 0" -- "$EDGEBENCH" calibrate --threads 0

expect 0 "run after calibrating" -- "$EDGEBENCH" run zoo:fmnist-mlp zoo:fmnist-cnn -v 'ref;cpu;cpu:quant=int8' -n 5 --eval 0 -o "$TMP/r.json"
expect 0 "that file matches the schema" -- validate "$TMP/r.json"
"$PY" - "$TMP/r.json" >"$TMP/roof" <<'PYEOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    f = r["roofline"]
    close = lambda a, b: abs(a - b) <= 1e-9 * abs(b)  # JSON keeps 15 digits
    ok = f["available"] and close(f["roof_gops"], min(f["peak_gops"], f["peak_gbytes_per_s"] * f["intensity"]))
    ok = ok and close(f["share"], r["cost"]["gflops_per_s"] / f["roof_gops"])
    ok = ok and f["dtype"] == ("int8" if r["variant"]["quant"].startswith("int8") else "fp32")
    ok = ok and close(f["intensity"], r["cost"]["arithmetic_intensity"])
    print(r["model"], r["variant"]["spec"], "roofline", "ok" if ok else "WRONG %s" % f)
PYEOF
contains "$TMP/roof" "fmnist-cnn cpu:quant=int8 roofline ok" "int8 result under the int8 roof"
[ "$(grep -c 'roofline ok' "$TMP/roof")" -eq 6 ] && PASSES=$((PASSES + 1)) || { echo "FAIL not every result has a consistent roofline:"; cat "$TMP/roof"; FAILS=$((FAILS + 1)); }
if command -v gnuplot >/dev/null 2>&1; then
    expect 0 "report" -- "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/rep"
    [ -s "$TMP/rep/roofline.png" ] && PASSES=$((PASSES + 1)) || { echo "FAIL no roofline.png"; FAILS=$((FAILS + 1)); }
    [ "$(grep -c '^[0-9]' "$TMP/rep/roofline.dat")" -eq 6 ] && PASSES=$((PASSES + 1)) || { echo "FAIL roofline.dat lacks a point per (model, variant)"; FAILS=$((FAILS + 1)); }
    contains "$TMP/rep/roofline.gp" "roof int8, 1 thread" "the int8 roof is drawn"
else
    skip "roofline plot" "gnuplot is not installed"
fi
finish
