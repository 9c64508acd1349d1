# test_energy.sh - energy per inference end to end: every result carries an
# energy figure, measured where a meter exists and otherwise an estimate
# labelled as such (method, band, inputs), valid against the schema; a fake
# sysfs tree (EB_SYSFS_ROOT) stands for machines with a TDP-table CPU, a
# hwmon rail whose value a writer keeps changing (a measurement), and one
# whose value never changes (a window that never gets its 10 updates);
# `info` names each meter source; `compare` never sets an estimate beside a
# measurement.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export EDGEBENCH_CACHE_DIR="$TMP/cache" # no energy calibration of the user's: the estimates of this machine
SCHEMA=reports/results-schema.json

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}

# ---- this machine, as the issue asks -----------------------------------------
expect 0 "info --json lists the meters" -- "$EDGEBENCH" info --json
cp "$TMP/out" "$TMP/info.json"
expect 0 "run zoo:fmnist-mlp -v cpu" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -o "$TMP/x.json"
contains "$TMP/out" "energy: " "the table shows the energy under the row"
expect 0 "the result file is schema-valid" -- validate "$TMP/x.json"
expect 0 "every result has an energy figure; without a meter, an estimate with method, band and inputs" -- \
    "$PY" - "$TMP/x.json" "$TMP/info.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
metered = json.load(open(sys.argv[2]))["energy"]["available"]
for r in d["results"]:
    e = r["energy"]
    if not metered:
        assert e["kind"] == "estimated", e
    if e["kind"] == "estimated":
        assert e["method"] in ("dvfs_table", "utilisation_tdp", "op_counts"), e
        assert e["band"]["low"] <= e["joules_per_inference"] <= e["band"]["high"], e
        assert e["inputs"] and e["valid"] is True, e
        assert e["reason"].startswith("estimated, not measured"), e
        assert {a["method"] for a in e["alternatives"]} | {e["method"]} >= {"dvfs_table", "utilisation_tdp", "op_counts"}
    else:
        assert e["kind"] == "measured" and e["window"]["updates"] >= 10, e
PYEOF

# ---- a fake machine: a Cooper Lake Xeon, no meter ----------------------------
R=$TMP/root
mkdir -p "$R/proc"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Platinum 8380H CPU @ 2.90GHz\nstepping\t: 11\nflags\t\t: fpu sse2 avx2\n' >"$R/proc/cpuinfo"
expect 0 "run on the fake Xeon" -- env EB_SYSFS_ROOT="$R" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 20 --min-time 0 -o "$TMP/xeon.json"
contains "$TMP/out" "est. (utilisation_tdp" "the table marks the estimate"
expect 0 "the fake Xeon's result is schema-valid" -- validate "$TMP/xeon.json"
expect 0 "utilisation x TDP from the part's row" -- "$PY" - "$TMP/xeon.json" <<'PYEOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    e = r["energy"]
    assert e["kind"] == "estimated" and e["method"] == "utilisation_tdp", e
    i = e["inputs"]
    assert i["part"] == "Xeon Platinum 8380H" and i["tdp_w"] == 250 and i["package_threads"] == 56 and i["vm"] == 0, i
    assert abs(e["joules_per_inference"] - 250 / 56 * i["cpu_s"] / i["inferences"]) < 1e-12, e
    assert "powercap" in e["reason"] and "hwmon" in e["reason"], e["reason"]
PYEOF

expect 0 "report of the estimate" -- "$EDGEBENCH" report "$TMP/xeon.json" -o "$TMP/rep"
contains "$TMP/rep/report.md" "| energy / inference |" "the report's table has the energy"
contains "$TMP/rep/report.md" "~" "an estimate is marked"
contains "$TMP/rep/report.md" " est. (utilisation_tdp, " "with its method and band"
contains "$TMP/rep/energy.gp" "fs pattern" "the energy plot hatches estimates"

# ---- a DVFS table through --power-table, where time_in_state exists ----------
mkdir -p "$R/sys/devices/system/cpu/cpu0/cpufreq/stats"
printf '300000 100\n1000000 200\n' >"$R/sys/devices/system/cpu/cpu0/cpufreq/stats/time_in_state"
printf 'cpu,khz,watts\n*,300000,0.4\n*,1000000,1.6\n' >"$TMP/table.csv"
expect 0 "run with --power-table" -- env EB_SYSFS_ROOT="$R" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 20 --min-time 0 --power-table "$TMP/table.csv" -o "$TMP/dvfs.json"
expect 0 "the DVFS table comes first, utilisation x TDP is an alternative" -- "$PY" - "$TMP/dvfs.json" <<'PYEOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    e = r["energy"]
    assert e["kind"] == "estimated" and e["method"] == "dvfs_table" and e["source"] == "csv", e
    assert e["band"]["low"] <= e["joules_per_inference"] <= e["band"]["high"], e
    assert [a for a in e["alternatives"] if a["method"] == "utilisation_tdp"][0]["joules_per_inference"] > 0
PYEOF
expect 2 "--power-table that cannot be read" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu --power-table "$TMP/none.csv"
contains "$TMP/err" "--power-table $TMP/none.csv" "says which file"
rm -r "$R/sys/devices"

# ---- a fake machine with a live hwmon rail: measured ------------------------
M=$TMP/metered
mkdir -p "$M/sys/class/hwmon/hwmon0"
echo ina3221 >"$M/sys/class/hwmon/hwmon0/name"
echo 2000000 >"$M/sys/class/hwmon/hwmon0/power1_input"
# the writer: 2 W, nudged by 1 µW at each update (renamed in, so a read never sees half a file)
( i=0; while [ ! -e "$M/stop" ]; do i=$((1 - i)); echo $((2000000 + i)) >"$M/p.tmp"; mv "$M/p.tmp" "$M/sys/class/hwmon/hwmon0/power1_input"; done ) &
WRITER=$!
expect 0 "run with a live power rail" -- env EB_SYSFS_ROOT="$M" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 20 --min-time 0.5 -o "$TMP/m.json"
touch "$M/stop"
wait "$WRITER"
expect 0 "the measured result is schema-valid" -- validate "$TMP/m.json"
expect 0 "measured: the rail's 2 W over the window, idle baseline, updates and interval" -- "$PY" - "$TMP/m.json" <<'PYEOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    e = r["energy"]
    assert e["kind"] == "measured" and e["method"] == "meter" and e["source"] == "hwmon", e
    assert e["valid"] is True and e["band"] is None, e
    w = e["window"]
    assert w["updates"] >= 10 and w["interval_ms"] > 0, w
    assert abs(w["gross_j"] / w["seconds"] - 2.0) < 0.01, w
    assert abs(w["idle_watts"] - 2.0) < 0.01, w
    assert abs(e["joules_per_inference"] - w["gross_j"] / w["inferences"]) < 1e-12, e
    assert "ina3221" in e["inputs"]["meter"], e["inputs"]
    assert {a["method"] for a in e["alternatives"]} == {"calibrated", "dvfs_table", "utilisation_tdp", "op_counts"}, e
PYEOF

# ---- a rail that never changes: the window never gets its updates ------------
S=$TMP/stale
mkdir -p "$S/sys/class/hwmon/hwmon0"
echo ina3221 >"$S/sys/class/hwmon/hwmon0/name"
echo 2000000 >"$S/sys/class/hwmon/hwmon0/power1_input"
expect 0 "run with a stale rail" -- env EB_SYSFS_ROOT="$S" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 5 --min-time 0 -o "$TMP/s.json"
expect 0 "the stale window is schema-valid" -- validate "$TMP/s.json"
expect 0 "extended, then an estimate with the meter's reason among the alternatives" -- "$PY" - "$TMP/s.json" <<'PYEOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    e = r["energy"]
    assert e["kind"] != "measured", e
    assert e["window"]["updates"] < 10 and e["window"]["extensions"] == 8, e["window"]
    m = [a for a in e["alternatives"] if a["method"] == "meter"]
    assert m and "fewer than the 10" in m[0]["reason"], e["alternatives"]
PYEOF

# ---- info names each meter source ------------------------------------------
mkdir -p "$R/sys/class/powercap/intel-rapl:0"
echo package-0 >"$R/sys/class/powercap/intel-rapl:0/name"
echo 1000 >"$R/sys/class/powercap/intel-rapl:0/energy_uj"
echo 262143328850 >"$R/sys/class/powercap/intel-rapl:0/max_energy_range_uj"
expect 0 "info on the fake tree" -- env EB_SYSFS_ROOT="$R" EB_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "$EDGEBENCH" info
contains "$TMP/out" "energy meters:  powercap: available (intel-rapl:0 (package-0))" "powercap found"
contains "$TMP/out" "hwmon: unavailable (" "hwmon's reason"
contains "$TMP/out" "battery: unavailable (" "battery's reason"
contains "$TMP/out" "nvml: unavailable (/nonexistent/libnvidia-ml.so.1 cannot be loaded" "nvml's reason"
contains "$TMP/out" "utilisation_tdp: applies (Xeon Scalable 3rd gen (Cooper Lake), part Xeon Platinum 8380H)" "the TDP row found"

# ---- compare keeps estimates and measurements apart ------------------------
# (two runs' latencies may differ beyond noise: only the energy is looked at here)
expect 0 "compare an estimate with a measurement" -- "$EDGEBENCH" compare "$TMP/xeon.json" "$TMP/m.json" --threshold 100000 --mem-floor 10000000
contains "$TMP/out" "energy not compared: base estimated (utilisation_tdp), new measured (meter)" "said, not compared"
contains "$TMP/out" "an estimate is never compared with a measurement" "the rule is stated"
expect 0 "compare two estimates of one method" -- "$EDGEBENCH" compare "$TMP/xeon.json" "$TMP/xeon.json"
contains "$TMP/out" "both estimated by utilisation_tdp" "like with like"
finish
