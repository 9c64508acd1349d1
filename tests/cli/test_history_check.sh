# test_history_check.sh - `edgebench history check`: change points over the
# run medians of each series in a history database built from synthetic
# runs (one real result file, its samples scaled run by run with seeded
# 1% noise and planted steps): a step regression at the end exits 1 and
# names the change; a step with a later recovery, and noise only, exit 0;
# fewer than 12 runs give no verdict, said; bad usage exits 2.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

expect 0 "one real run" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 10 --min-time 0 --eval 0 -o "$TMP/r.json"

# history NAME LEVELS...: one result file per level (the run's samples
# times the level, with seeded 1% noise, a day apart), added to NAME.sqlite
history() {
    name=$1; shift
    mkdir -p "$TMP/$name"
    "$PY" - "$TMP/r.json" "$TMP/$name" "$@" <<'PYEOF' || return 1
import json, random, sys
src, out, levels = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
rng = random.Random(20261207)
for i, level in enumerate(levels):
    d = json.load(open(src))
    d["run"]["start_time"] = "2026-%02d-%02dT03:00:00Z" % (1 + i // 28, 1 + i % 28)
    f = level * rng.lognormvariate(0, 0.01)
    for r in d["results"]:
        L = r["latency"]
        L["samples"] = [s * f for s in L["samples"]]
        for k in ("min", "median", "mean", "p90", "p99", "max", "stddev"):
            if L.get(k) is not None:
                L[k] *= f
        if L.get("median_ci95"):
            L["median_ci95"]["low"] *= f
            L["median_ci95"]["high"] *= f
    json.dump(d, open("%s/run%02d.json" % (out, i), "w"))
PYEOF
    "$EDGEBENCH" history add "$TMP/$name"/run*.json --db "$TMP/$name.sqlite" >/dev/null
}

# a step regression at the end: 14 runs at 1, then 6 at 1.10
history end 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1.1 1.1 1.1 1.1 1.1 1.1
expect 1 "step regression at the end: exit 1" -- "$EDGEBENCH" history check --db "$TMP/end.sqlite"
contains "$TMP/out" "change at run 15 of 20" "the change point is named"
contains "$TMP/out" "slower" "as slower"
contains "$TMP/out" "REGRESSED: the latest run" "the latest run is regressed"

# a step at run 9 and a recovery at run 17: both found, exit 0
history recovered 1 1 1 1 1 1 1 1 1.1 1.1 1.1 1.1 1.1 1.1 1.1 1.1 1 1 1 1 1 1 1 1
expect 0 "step then recovery: exit 0" -- "$EDGEBENCH" history check --db "$TMP/recovered.sqlite"
contains "$TMP/out" "change at run 9 of 24" "the step is printed"
contains "$TMP/out" "change at run 17 of 24" "the recovery is printed"
contains "$TMP/out" "faster" "the recovery is faster"
contains "$TMP/out" "no regression" "summary"

# noise only
history noise 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1
expect 0 "noise only: exit 0" -- "$EDGEBENCH" history check --db "$TMP/noise.sqlite"
contains "$TMP/out" "0 change points" "noise: no change point"

# fewer than 12 runs: no verdict, whatever the step
history short 1 1 1 1 1 1 1.5 1.5 1.5 1.5 1.5
expect 0 "11 runs: exit 0" -- "$EDGEBENCH" history check --db "$TMP/short.sqlite"
contains "$TMP/out" "no verdict (fewer than 12 runs" "too short: said"

expect 2 "no --db" -- "$EDGEBENCH" history check
expect 2 "a missing database" -- "$EDGEBENCH" history check --db "$TMP/missing.sqlite"
expect 0 "history --help names check" -- "$EDGEBENCH" history --help
contains "$TMP/out" "history check" "help"
finish
