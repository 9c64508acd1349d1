# test_history.sh - `edgebench history add|trend`: three runs in, one with
# a planted 20% slowdown, and the trend marks it; adding a file again (or
# its JSON Lines twin) stores nothing new; the schema is what history.c
# documents; the plot is a PNG; bad paths, foreign files and a missing
# gnuplot get clear messages and the documented exit codes.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DB=$TMP/h.sqlite

# sql DB QUERY: prints the rows, '|'-separated (Python's sqlite3, not ours)
sql() {
    "$PY" -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(str(x) for x in row))' "$1" "$2"
}

expect 0 "run 1" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 60 --min-time 0 -o "$TMP/r1.json"
expect 0 "run 2" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 60 --min-time 0 -o "$TMP/r2.json"
# (60 samples each: enough that a 20% shift is significant even when a busy
# machine spreads them, as 20 were not)
# run 3: run 2's measurements 20% slower, later the same day
"$PY" - "$TMP/r2.json" "$TMP/r3.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["run"]["start_time"] = d["run"]["start_time"][:11] + "23:59:59Z"
for r in d["results"]:
    L = r["latency"]
    L["samples"] = [s * 1.2 for s in L["samples"]]
    for k in ("min", "median", "mean", "p90", "p99", "max", "stddev"):
        if L[k] is not None:  # null: too few samples for it
            L[k] *= 1.2
    L["median_ci95"]["low"] *= 1.2
    L["median_ci95"]["high"] *= 1.2
json.dump(d, open(sys.argv[2], "w"))
PYEOF

expect 0 "add two runs" -- "$EDGEBENCH" history add "$TMP/r1.json" "$TMP/r2.json" --db "$DB"
[ "$(grep -c '^added ' "$TMP/out")" -eq 2 ] && PASSES=$((PASSES + 1)) || { echo "FAIL add: not 2 added"; FAILS=$((FAILS + 1)); }
expect 0 "add the third" -- "$EDGEBENCH" history add "$TMP/r3.json" --db "$DB"
contains "$TMP/out" "as run 3" "third run numbered"

# the same file again, and its JSON Lines twin: skipped, nothing stored twice
expect 0 "add a file again" -- "$EDGEBENCH" history add "$TMP/r1.json" "$TMP/r1.jsonl" --db "$DB"
[ "$(grep -c '^skipped ' "$TMP/out")" -eq 2 ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL re-add: not 2 skipped"; cat "$TMP/out"; FAILS=$((FAILS + 1)); }
contains "$TMP/out" "already in" "re-add: says why"
[ "$(sql "$DB" 'select (select count(*) from runs), (select count(*) from results), (select count(*) from samples)')" = "3|3|180" ] &&
    PASSES=$((PASSES + 1)) || { echo "FAIL counts: $(sql "$DB" 'select count(*) from runs')"; FAILS=$((FAILS + 1)); }

# the documented schema
[ "$(sql "$DB" 'pragma user_version')" = "1" ] && PASSES=$((PASSES + 1)) || { echo "FAIL user_version"; FAILS=$((FAILS + 1)); }
sql "$DB" "select name from pragma_table_info('runs') union all select name from pragma_table_info('results')
           union all select name from pragma_table_info('samples')" >"$TMP/cols"
for c in start_time git_commit tool_version host cpu source_path added_at run_id model model_sha256 variant runner \
    threads prune quant device status error n median_ms p90_ms mean_ms cv ci_low ci_high drift_rel_l2 task_value \
    peak_rss_bytes result_id idx ms; do
    grep -qx "$c" "$TMP/cols" && PASSES=$((PASSES + 1)) || { echo "FAIL schema: no column $c"; FAILS=$((FAILS + 1)); }
done
expect 0 "stored values" -- "$PY" - "$DB" "$TMP/r1.json" <<'PYEOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
r = json.load(open(sys.argv[2]))["results"][0]
row = db.execute("select model, variant, status, n, median_ms, task_value, peak_rss_bytes, id from results"
                 " where run_id = 1").fetchone()
assert row[:4] == ("fmnist-mlp", "ref", "ok", 60), row
assert row[4] == r["latency"]["median"] and row[5] == r["accuracy"]["task_metric"]["value"], row
assert row[6] == r["memory"]["peak_rss_bytes"], row
ms = [x for (x,) in db.execute("select ms from samples where result_id = ? order by idx", (row[7],))]
assert ms == r["latency"]["samples"], "samples differ"
PYEOF

# the trend: three lines, oldest first, the planted slowdown marked
expect 0 "trend" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref
grep '^20[0-9][0-9]-' "$TMP/out" >"$TMP/lines"
[ "$(wc -l <"$TMP/lines")" -eq 3 ] && PASSES=$((PASSES + 1)) || { echo "FAIL trend: not 3 lines"; cat "$TMP/out"; FAILS=$((FAILS + 1)); }
sed -n 3p "$TMP/lines" >"$TMP/line3"
contains "$TMP/line3" "REGRESSED" "trend: the planted slowdown is marked"
contains "$TMP/line3" "x1.200" "trend: its ratio"
sed -n 1p "$TMP/lines" >"$TMP/line1"
grep -q 'REGRESSED\|x[0-9]' "$TMP/line1" && { echo "FAIL trend: the first run has nothing to compare with"; FAILS=$((FAILS + 1)); } || PASSES=$((PASSES + 1))
# run 2 against run 1 is a real A/A pair: usually same, but a busy machine may
# really slow one run down, so it is shown, not asserted
sed -n 2p "$TMP/lines" | grep -q REGRESSED && echo "note: run 2 marked against run 1 (a busy machine?): $(sed -n 2p "$TMP/lines")"
# the variant is matched by its canonical spelling, the model by name too
expect 0 "trend by model name" -- "$EDGEBENCH" history trend --db "$DB" --model fmnist-mlp --variant ref --threshold 30
# the planted x1.2 slowdown (run 3) is under 30%; the A/A pair (run 2) is
# two real measurements, which a busy machine may set 30% apart: not asserted
grep '^20[0-9][0-9]-' "$TMP/out" | sed -n 3p | grep -q REGRESSED &&
    { echo "FAIL --threshold 30 still marks the planted x1.2 slowdown"; FAILS=$((FAILS + 1)); } || PASSES=$((PASSES + 1))

# the plot
expect 0 "trend --plot" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref --plot "$TMP/t.png"
[ "$(head -c 8 "$TMP/t.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL plot: not a PNG"; FAILS=$((FAILS + 1)); }
[ -z "$(ls "$TMP" | grep '\.tmp\.')" ] && PASSES=$((PASSES + 1)) || { echo "FAIL plot: temporary file left"; FAILS=$((FAILS + 1)); }
PATH=/nonexistent expect 75 "no gnuplot" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref --plot "$TMP/u.png"
contains "$TMP/err" "gnuplot not found" "no gnuplot: says so"
contains "$TMP/out" "REGRESSED" "no gnuplot: the table is still printed"
expect 2 "plot into a missing folder" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref --plot "$TMP/no/t.png"
contains "$TMP/err" "cannot write" "plot folder: says so"

# a run whose model crashed is a line of its own; the next run is compared
# with the last one that ran
EB_TEST_FAULT=crash:fmnist-mlp/ref expect 3 "a crashing run" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 5 --min-time 0 -o "$TMP/crash.json"
expect 0 "add it" -- "$EDGEBENCH" history add "$TMP/crash.json" --db "$DB"
expect 0 "trend with a crash" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref
contains "$TMP/out" "crashed" "crash: shown"
[ "$(grep -c '^20[0-9][0-9]-' "$TMP/out")" -eq 4 ] && PASSES=$((PASSES + 1)) || { echo "FAIL crash: not 4 lines"; FAILS=$((FAILS + 1)); }
grep '^20[0-9][0-9]-' "$TMP/out" | tail -1 >"$TMP/last"
contains "$TMP/last" "REGRESSED" "crash: the slow run is still compared with the last that ran"

# the same model from another machine: the trend asks which one
"$PY" - "$TMP/r1.json" "$TMP/board.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["device"]["hostname"] = "board-7"
json.dump(d, open(sys.argv[2], "w"))
PYEOF
HOST=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["device"]["hostname"])' "$TMP/r1.json")
expect 0 "add a run from another host" -- "$EDGEBENCH" history add "$TMP/board.json" --db "$DB"
expect 2 "two hosts, none chosen" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref
contains "$TMP/err" "choose one with --host" "two hosts: says how to choose"
expect 0 "--host board-7" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref --host board-7
[ "$(grep -c '^20[0-9][0-9]-' "$TMP/out")" -eq 1 ] && PASSES=$((PASSES + 1)) || { echo "FAIL --host: not 1 line"; FAILS=$((FAILS + 1)); }
expect 0 "--host of this machine" -- "$EDGEBENCH" history trend --db "$DB" --model zoo:fmnist-mlp --variant ref --host "$HOST"
[ "$(grep -c '^20[0-9][0-9]-' "$TMP/out")" -eq 4 ] && PASSES=$((PASSES + 1)) || { echo "FAIL --host: not 4 lines"; FAILS=$((FAILS + 1)); }

# bad input
expect 2 "bad db path" -- "$EDGEBENCH" history add "$TMP/r1.json" --db "$TMP/no/such/dir/h.sqlite"
contains "$TMP/err" "no/such/dir/h.sqlite: cannot open the history database" "bad db path: named"
echo "not a database, just text" >"$TMP/text.sqlite"
expect 2 "not a database" -- "$EDGEBENCH" history add "$TMP/r1.json" --db "$TMP/text.sqlite"
contains "$TMP/err" "text.sqlite: not an SQLite database" "not a database: named"
"$PY" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("create table t (x)")' "$TMP/foreign.sqlite"
expect 2 "another application's database" -- "$EDGEBENCH" history add "$TMP/r1.json" --db "$TMP/foreign.sqlite"
contains "$TMP/err" "not an edgebench history" "foreign db: says so"
expect 2 "trend on a missing db" -- "$EDGEBENCH" history trend --db "$TMP/missing.sqlite" --model m --variant ref
[ ! -e "$TMP/missing.sqlite" ] && PASSES=$((PASSES + 1)) || { echo "FAIL trend created a database"; FAILS=$((FAILS + 1)); }
expect 2 "nothing matches" -- "$EDGEBENCH" history trend --db "$DB" --model nope --variant ref
contains "$TMP/err" "it holds: fmnist-mlp ref" "nothing matches: says what is there"
expect 2 "a sweep is not one variant" -- "$EDGEBENCH" history trend --db "$DB" --model nope --variant 'cpu:threads={1,2}'
echo '{"x": 1}' >"$TMP/other.json"
expect 2 "one bad file among good ones" -- "$EDGEBENCH" history add "$TMP/r1.json" "$TMP/other.json" --db "$TMP/new.sqlite"
contains "$TMP/err" "other.json" "bad file: named"
[ ! -e "$TMP/new.sqlite" ] && PASSES=$((PASSES + 1)) || { echo "FAIL a database was made for nothing"; FAILS=$((FAILS + 1)); }
expect 2 "add without --db" -- "$EDGEBENCH" history add "$TMP/r1.json"
expect 2 "unknown subcommand" -- "$EDGEBENCH" history frob
expect 2 "no subcommand" -- "$EDGEBENCH" history
expect 0 "--help" -- "$EDGEBENCH" history --help
contains "$TMP/out" "trend" "help: describes trend"

# model identity: two different models both called net.onnx are not one
# model's history, and a model changed in place is not compared across
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
mkdir -p "$TMP/na" "$TMP/nb" "$TMP/nm"
cp "$DATA/test_Conv2d/model.onnx" "$TMP/na/net.onnx"
cp "$DATA/test_Linear/model.onnx" "$TMP/nb/net.onnx"
NDB=$TMP/nets.sqlite
expect 0 "run a/net" -- "$EDGEBENCH" run "$TMP/na/net.onnx" -n 5 -o "$TMP/na.json"
expect 0 "run b/net" -- "$EDGEBENCH" run "$TMP/nb/net.onnx" -n 5 -o "$TMP/nb.json"
expect 0 "add both nets" -- "$EDGEBENCH" history add "$TMP/na.json" "$TMP/nb.json" --db "$NDB"
expect 2 "trend of 'net': two models" -- "$EDGEBENCH" history trend --db "$NDB" --model net --variant ref
contains "$TMP/err" "names several models" "two nets: the reason"
expect 0 "trend of one net by its path" -- "$EDGEBENCH" history trend --db "$NDB" --model "$TMP/na/net.onnx" --variant ref
cp "$DATA/test_Conv2d/model.onnx" "$TMP/nm/net.onnx"
expect 0 "run m/net" -- "$EDGEBENCH" run "$TMP/nm/net.onnx" -n 5 -o "$TMP/nm1.json"
cp "$DATA/test_Linear/model.onnx" "$TMP/nm/net.onnx"
"$EDGEBENCH" run "$TMP/nm/net.onnx" -n 5 -o "$TMP/nm2.json" >/dev/null 2>&1
# (the changed model's samples x1000, a run later: a regression if it were the same model)
"$PY" - "$TMP/nm2.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["run"]["start_time"] = d["run"]["start_time"][:11] + "23:59:59Z"
for r in d["results"]:
    r["latency"]["samples"] = [s * 1000 for s in r["latency"]["samples"]]
json.dump(d, open(sys.argv[1], "w"))
PYEOF
expect 0 "add m/net twice" -- "$EDGEBENCH" history add "$TMP/nm1.json" "$TMP/nm2.json" --db "$TMP/nm.sqlite"
expect 0 "trend across a model change" -- "$EDGEBENCH" history trend --db "$TMP/nm.sqlite" --model net --variant ref
contains "$TMP/out" "model changed" "model change: marked"
contains "$TMP/out" "0 regressions" "model change: not a regression"

finish
