# test_report_energy_relative.sh - `report` on results whose energy figures
# are all relative (op-count estimates: what a board without a meter or a
# TDP entry records, e.g. an aarch64 run under qemu) skips the energy plot
# with the reason instead of handing gnuplot a plot command with no series
# (which failed the whole report, exit 75).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

expect 0 "a run" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' -n 3 --min-time 0 --eval 0 -o "$TMP/r.json"
expect 0 "every energy figure made relative only" -- "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    e = r["energy"]
    e.update(kind="estimated", method="op_counts", valid=True, relative_only=True)
    if e.get("joules_per_inference") is None:
        e["joules_per_inference"] = 1.3e-05
json.dump(d, open(sys.argv[2], "w"))
' "$TMP/r.json" "$TMP/rel.json"
expect 0 "report with relative energy only" -- "$EDGEBENCH" report "$TMP/rel.json" -o "$TMP/rep"
contains "$TMP/rep/report.md" "no figure in joules to plot" "report.md says why there is no energy plot"
[ ! -e "$TMP/rep/energy.png" ] && PASSES=$((PASSES + 1)) || { echo "FAIL an energy plot was drawn"; FAILS=$((FAILS + 1)); }
finish
