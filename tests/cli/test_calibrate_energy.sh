# test_calibrate_energy.sh - `edgebench calibrate --energy` from the
# outside: on this machine without a meter (or under an empty fake sysfs,
# EB_SYSFS_ROOT, where there is one) it exits 75 naming each meter source
# tried and why it is absent, and writes nothing; with the simulated
# linear meter (EB_SIM_ENERGY_METER) it stores the fitted coefficients,
# the date, the meter and the residuals in the calibration file, --show
# prints them, and a run then records energy method `calibrated` with the
# held-out MAPE as its band (schema-valid); the roofs' calibrate keeps them.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
export EDGEBENCH_CACHE_DIR="$TMP/cache"
export EB_SYSFS_ROOT="$TMP/sysfs"
mkdir -p "$EB_SYSFS_ROOT"

expect 75 "calibrate --energy without a meter" -- "$EDGEBENCH" calibrate --energy
contains "$TMP/err" "no energy meter on this machine" "says there is no meter"
contains "$TMP/err" "powercap: " "the powercap reason"
contains "$TMP/err" "hwmon: " "the hwmon reason"
contains "$TMP/err" "battery: " "the battery reason"
[ ! -d "$EDGEBENCH_CACHE_DIR/calibration" ] && PASSES=$((PASSES + 1)) || { echo "FAIL a calibration was written without a meter"; FAILS=$((FAILS + 1)); }
expect 2 "calibrate --energy --seconds 0" -- "$EDGEBENCH" calibrate --energy --seconds 0

export EB_SIM_ENERGY_METER="2,1e-10,3e-11,5e-10"
expect 0 "calibrate --energy on the simulated meter" -- "$EDGEBENCH" calibrate --energy --seconds 0.3 --rounds 2
contains "$TMP/out" "MAPE: fit " "the fit's MAPE"
FILE=$(ls "$EDGEBENCH_CACHE_DIR"/calibration/*.json 2>/dev/null | head -1)
"$PY" - "$FILE" >"$TMP/cal" <<'PYEOF'
import json, re, sys
e = json.load(open(sys.argv[1]))["energy"]
close = lambda a, b: abs(a - b) <= 0.05 * b
print("coefficients", close(e["static_w"], 2) and close(e["j_per_fp32_flop"], 1e-10)
      and close(e["j_per_int8_op"], 3e-11) and close(e["j_per_byte"], 5e-10))
print("meter", e["meter"], "dated", bool(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", e["date"])))
print("windows", sorted({w["workload"] for w in e["fit"]}), [w["workload"] for w in e["heldout"]], all("residual_j" in w for w in e["fit"]))
print("mape", 0 <= e["heldout_mape"] < 0.05)
PYEOF
contains "$TMP/cal" "coefficients True" "the simulated model's coefficients recovered within 5%"
contains "$TMP/cal" "meter simulated dated True" "stored with the meter and the date"
contains "$TMP/cal" "windows ['fp32', 'idle', 'int8', 'triad'] ['fp32+triad', 'int8+triad', 'fmnist-mlp', 'fmnist-cnn'] True" "the fitted windows with residuals; held out: two mixes and two zoo models"
contains "$TMP/cal" "mape True" "the held-out MAPE"
unset EB_SIM_ENERGY_METER
expect 0 "calibrate --show" -- "$EDGEBENCH" calibrate --show
contains "$TMP/out" "energy model (simulated" "--show prints the energy model"

expect 0 "info" -- "$EDGEBENCH" info
contains "$TMP/out" "calibrated: applies ($FILE, band +/- " "info: the calibrated estimate applies, with its file and band"
expect 0 "run after the energy calibration" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'cpu;cpu:quant=int8' -n 5 --eval 0 -o "$TMP/r.json"
expect 0 "that file matches the schema" -- "$PY" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$TMP/r.json" "$SCHEMA"
"$PY" - "$TMP/r.json" "$FILE" >"$TMP/en" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[2]))["energy"]["heldout_mape"]
for r in json.load(open(sys.argv[1]))["results"]:
    e = r["energy"]
    j = e["joules_per_inference"]
    band = abs(e["band"]["low"] - j * (1 - m)) <= 1e-9 * j and abs(e["band"]["high"] - j * (1 + m)) <= 1e-9 * j
    print(r["variant"]["spec"], e["kind"], e["method"], "band", band, "file", e["inputs"]["calibration"] == sys.argv[2])
PYEOF
contains "$TMP/en" "cpu estimated calibrated band True file True" "a run records method calibrated with the MAPE band"
contains "$TMP/en" "cpu:quant=int8 estimated calibrated band True file True" "int8 too"

expect 0 "calibrate the roofs after" -- "$EDGEBENCH" calibrate --threads 1 --rounds 1
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); print("both", len(c["points"]) == 1 and "energy" in c)' "$FILE" >"$TMP/both"
contains "$TMP/both" "both True" "the roofs' calibration keeps the energy model"
finish
