# test_run_errors.sh - the command line's traps (issue 9 items 8, 10, 11,
# 12): where -o writes (never a rename over a device), --format and the
# extension, a bad model among good ones, typos in runners, models and
# options, and input that used to be accepted silently.  Every refusal is
# exit 2 before any variant runs (no result file appears).
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx
R=$DATA/test_ReLU/model.onnx
PY=/usr/bin/python3
FAST="-n 3 --min-time 0 --eval 0"

fail() { echo "FAIL $1"; FAILS=$((FAILS + 1)); }
pass() { PASSES=$((PASSES + 1)); }
# lines FILE N DESC: FILE has exactly N lines
lines() { [ "$(wc -l <"$1")" -eq "$2" ] && pass || { fail "$3: $(wc -l <"$1") lines, expected $2"; head -3 "$1"; }; }

# ---- item 8: where -o writes ------------------------------------------------

# a character device is written into, not replaced by a regular file.  As
# root a private null device stands in for /dev/null (so that a broken
# build cannot replace the real one); otherwise /dev/null itself.
if mknod "$TMP/null" c 1 3 2>/dev/null; then DEV=$TMP/null; else DEV=/dev/null; fi
expect 0 "-o a character device" -- "$EDGEBENCH" run "$A" $FAST -o "$DEV"
[ -c "$DEV" ] && pass || fail "-o $DEV replaced the device with a $(stat -c %F "$DEV")"
[ -e "$DEV.jsonl" ] && fail "-o $DEV wrote $DEV.jsonl" || pass

# a FIFO gets the document through it, and stays a FIFO
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/from-fifo.json" &
reader=$!
expect 0 "-o a FIFO" -- timeout 60 "$EDGEBENCH" run "$A" $FAST -o "$TMP/fifo"
sleep 0.2
kill $reader 2>/dev/null && fail "-o FIFO: nothing was written into the FIFO"
wait $reader 2>/dev/null
[ -p "$TMP/fifo" ] && pass || fail "-o FIFO: replaced by a $(stat -c %F "$TMP/fifo")"
expect 0 "-o FIFO: the reader got the document" -- "$PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["results"]' "$TMP/from-fifo.json"

# -o -: the document on stdout, the table on stderr
expect 0 "-o -" -- "$EDGEBENCH" run "$A" $FAST -o -
cp "$TMP/out" "$TMP/stdout.json"
contains "$TMP/err" "test_Conv2d" "-o -: the table on stderr"
expect 0 "-o -: stdout is the JSON document" -- "$PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["schema_version"] == 1' "$TMP/stdout.json"

# --format without -o: that format on stdout
expect 0 "--format csv without -o" -- "$EDGEBENCH" run "$A" $FAST --format csv
contains "$TMP/out" "model,variant,runner" "--format csv: CSV on stdout"
lines "$TMP/out" 2 "--format csv: header and one row on stdout"
expect 0 "--format jsonl without -o" -- "$EDGEBENCH" run "$A" $FAST --format jsonl
lines "$TMP/out" 1 "--format jsonl: one record on stdout"

# the format follows the extension; a contradicting --format is refused
expect 0 "-o x.csv" -- "$EDGEBENCH" run "$A" $FAST -o "$TMP/x.csv"
contains "$TMP/x.csv" "model,variant,runner" "-o x.csv is CSV"
expect 0 "-o x.md" -- "$EDGEBENCH" run "$A" $FAST -o "$TMP/x.md"
contains "$TMP/x.md" "| test_Conv2d |" "-o x.md is markdown"
expect 2 "-o y.csv --format json" -- "$EDGEBENCH" run "$A" $FAST -o "$TMP/y.csv" --format json
contains "$TMP/err" "y.csv names csv but --format is json" "the mismatch is explained"
[ -e "$TMP/y.csv" ] || [ -e "$TMP/y.csv.jsonl" ] && fail "a refused -o left a file" || pass

# a directory and an unwritable folder: exit 2 before any variant runs
mkdir "$TMP/dir"
expect 2 "-o a directory" -- "$EDGEBENCH" run "$A" $FAST -o "$TMP/dir"
contains "$TMP/err" "is a directory" "-o directory: the reason"
[ -e "$TMP/dir.jsonl" ] && fail "-o directory: $TMP/dir.jsonl was created" || pass
[ -s "$TMP/out" ] && fail "-o directory: a variant ran (stdout: $(head -2 "$TMP/out"))" || pass
expect 2 "-o in a missing folder" -- "$EDGEBENCH" run "$A" $FAST -o "$TMP/no/such/r.json"
[ -s "$TMP/out" ] && fail "-o missing folder: a variant ran" || pass

# ---- item 10: one bad model does not kill the run ---------------------------

# an op the suite does not know (Relu renamed Relq, same length), and a
# file cut in half
"$PY" - "$R" "$TMP" <<'PYEOF'
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"Relu") == 1
open(sys.argv[2] + "/bad_op.onnx", "wb").write(b.replace(b"Relu", b"Relq"))
open(sys.argv[2] + "/broken.onnx", "wb").write(b[: len(b) // 2])
PYEOF
expect 3 "a model with an unknown op and a broken one among good ones" -- \
    "$EDGEBENCH" run "$TMP/bad_op.onnx" "$A" "$TMP/broken.onnx" $FAST -v ref -v cpu -o "$TMP/bad.json"
contains "$TMP/err" "bad_op" "the bad model is named on stderr"
expect 0 "bad models: results for every model" -- "$PY" - "$TMP/bad.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
got = [(x["model"], x["variant"]["spec"], x["status"]) for x in r]
assert got == [("bad_op", "ref", "unsupported"), ("bad_op", "cpu", "unsupported"),
               ("test_Conv2d", "ref", "ok"), ("test_Conv2d", "cpu", "ok"),
               ("broken", "ref", "failed"), ("broken", "cpu", "failed")], got
assert "Relq" in r[0]["error"], r[0]["error"]
assert "broken.onnx" in r[4]["error"], r[4]["error"]
assert all(len(x["model_sha256"]) == 64 for x in r)
PYEOF
expect 0 "bad models: the file matches the schema" -- "$PY" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$TMP/bad.json" reports/results-schema.json

# ---- item 11: typos are usage errors ------------------------------------------

expect 2 "-v cpuu" -- "$EDGEBENCH" run "$A" $FAST -v cpuu
contains "$TMP/err" "did you mean 'cpu'?" "-v cpuu: the suggestion"
[ -s "$TMP/out" ] && fail "-v cpuu: a variant ran" || pass
expect 2 "-v a name far from any runner" -- "$EDGEBENCH" run "$A" $FAST -v 'ref;tensorrt'
contains "$TMP/err" "no runner named 'tensorrt'" "unknown runner named"
# a runner this version knows but this binary lacks is a result, not a typo
# (the first optional backend this build lacks, as the conformance driver
# lists the built ones)
MISSING=
for r in opencl cuda; do
    "$BUILD/tests/test_onnx_node" --list-runners | grep -qx "$r" || { MISSING=$r; break; }
done
if [ -n "$MISSING" ]; then
    expect 3 "-v $MISSING alone (nothing ran)" -- "$EDGEBENCH" run "$A" $FAST -v "$MISSING"
    contains "$TMP/out" "unsupported: runner '$MISSING' is not built" "$MISSING: unsupported with the reason"
    expect 0 "-v ref -v $MISSING (ref ran)" -- "$EDGEBENCH" run "$A" $FAST -v ref -v "$MISSING"
else
    skip "a runner not built in" "this build has every optional backend (opencl, cuda)"
fi
# a run where no variant ran at all
expect 3 "only unsupported variants" -- "$EDGEBENCH" run "$A" $FAST -v 'ref:threads=2'
# a zoo model's name without zoo:
EB_ABS=$(cd "$(dirname "$EDGEBENCH")" && pwd)/$(basename "$EDGEBENCH")
(cd "$TMP" && "$EB_ABS" run fmnist-cnn $FAST >"$TMP/out" 2>"$TMP/err")
[ $? -eq 2 ] && pass || fail "run fmnist-cnn: not exit 2"
contains "$TMP/err" "did you mean 'zoo:fmnist-cnn'?" "run fmnist-cnn: the zoo suggestion"
expect 2 "zoo:fmnist-cn" -- "$EDGEBENCH" run zoo:fmnist-cn $FAST
contains "$TMP/err" "did you mean 'zoo:fmnist-cnn'?" "zoo:fmnist-cn: the suggestion"
expect 2 "a directory as a model" -- "$EDGEBENCH" run "$TMP/dir" $FAST
contains "$TMP/err" "is a directory" "directory model: the reason"

# ---- item 12: silently accepted input -----------------------------------------

expect 2 "--dim that no model has" -- "$EDGEBENCH" run zoo:fmnist-mlp $FAST --dim seq=8
contains "$TMP/err" "no model has a symbolic dimension named 'seq'" "--dim: the reason"
expect 2 "group without int4" -- "$EDGEBENCH" run "$A" $FAST -v cpu:group=64
contains "$TMP/err" "int4 group size" "group without int4: the reason"
expect 2 "--eval above the test set" -- "$EDGEBENCH" run zoo:fmnist-mlp -n 3 --eval 10001
contains "$TMP/err" "has 10000 images" "--eval: the test set size"
EB_TEST_FAULT=hang:test_Conv2d/ref expect 3 "--timeout 1.5" -- "$EDGEBENCH" run "$A" $FAST --timeout 1.5
contains "$TMP/out" "killed after the 1.5 s timeout" "--timeout 1.5 is reported as 1.5 s"

# threads above the usable CPUs: warned on stderr and recorded
CPUS=$("$PY" -c 'import os; print(len(os.sched_getaffinity(0)))')
T=$((CPUS + 1))
expect 0 "threads above the CPUs" -- "$EDGEBENCH" run "$A" $FAST -v "cpu:threads=$T" -o "$TMP/thr.json"
contains "$TMP/err" "$T threads on $CPUS usable CPU" "threads: the warning"
expect 0 "threads: the warning is in the result" -- "$PY" - "$TMP/thr.json" "$T" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
w = [x for x in r if x["variant"]["threads"] == int(sys.argv[2])][0]["warnings"]
assert len(w) == 1 and "sched_getaffinity" in w[0], w
PYEOF

# compare -o and report's files go through the same atomic writer
expect 0 "compare -o a character device" -- "$EDGEBENCH" compare "$TMP/thr.json" "$TMP/thr.json" -o "$DEV"
[ -c "$DEV" ] && pass || fail "compare -o $DEV replaced the device with a $(stat -c %F "$DEV")"

# an unknown option: one line, for every command
for cmd in run inspect models info report compare "history add" "history trend"; do
    expect 2 "$cmd --foo" -- "$EDGEBENCH" $cmd --foo
    lines "$TMP/err" 1 "$cmd --foo: one line"
    contains "$TMP/err" "edgebench $cmd: unknown option '--foo' (see edgebench $cmd --help)" "$cmd --foo: the line"
done
expect 2 "a misspelt option" -- "$EDGEBENCH" run "$A" --formt csv
contains "$TMP/err" "did you mean '--format'?" "misspelt option: the suggestion"
expect 2 "an option without its value" -- "$EDGEBENCH" run "$A" -o
contains "$TMP/err" "option '-o' needs a value" "missing value: named"
lines "$TMP/err" 1 "missing value: one line"

finish
