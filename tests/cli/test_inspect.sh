# test_inspect.sh - `edgebench inspect` and `edgebench run` from the command
# line: good models, bad files and bad flags, each with its exit status.
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data
CONV=$DATA/pytorch-converted/test_Conv2d/model.onnx

expect 0 "help" -- "$EDGEBENCH" --help
contains "$TMP/out" "inspect" "help lists inspect"
expect 2 "no command" -- "$EDGEBENCH"
expect 2 "unknown command" -- "$EDGEBENCH" frobnicate
contains "$TMP/err" "edgebench: unknown command 'frobnicate'" "unknown command is named"
expect 0 "inspect --help" -- "$EDGEBENCH" inspect --help
expect 2 "inspect without a model" -- "$EDGEBENCH" inspect
expect 2 "inspect with a bad flag" -- "$EDGEBENCH" inspect --frob "$CONV"
expect 2 "inspect --batch 0" -- "$EDGEBENCH" inspect --batch 0 "$CONV"
contains "$TMP/err" "--batch" "bad --batch is named"

expect 0 "inspect a Conv2d model" -- "$EDGEBENCH" inspect --nodes "$CONV"
contains "$TMP/out" "Conv x1" "ops are listed"
contains "$TMP/out" "unsupported ops: none" "no unsupported op"
contains "$TMP/out" "params:" "params are shown"
contains "$TMP/out" "MACs:" "MACs are shown"

# --json: exact integers (not doubles such as 1.43e+07), per node and in
# total, and the ops whose FLOPs are not counted listed, never taken as 0
expect 0 "inspect --json" -- "$EDGEBENCH" inspect --json zoo:fmnist-cnn
cp "$TMP/out" "$TMP/cnn.json"
expect 0 "inspect --json: integers, per node and in total, and uncounted" -- /usr/bin/python3 - "$TMP/cnn.json" <<'PYEOF'
import json, re, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
assert not re.search(r"[0-9][eE][+-]?[0-9]", text), "a number in exponent form"
keys = ("params", "macs", "flops", "weight_bytes")
c = d["cost"]
for k in keys + ("bytes_moved", "activation_bytes", "activation_total"):
    assert type(c[k]) is int and c[k] >= 0, (k, c[k])
assert c["params"] > 0 and c["flops"] >= 2 * c["macs"] > 0, c
assert c["uncounted"] == [], c["uncounted"]
assert len(d["nodes"]) == d["n_nodes"] > 0
for n in d["nodes"]:
    assert all(type(n[k]) is int for k in keys) and n["uncounted"] is False, n
# FLOPs add up; params are the stored tensors (no weight is shared here)
assert sum(n["flops"] for n in d["nodes"]) == c["flops"] and sum(n["macs"] for n in d["nodes"]) == c["macs"]
assert sum(n["params"] for n in d["nodes"]) == c["params"]
assert sum(n["weight_bytes"] for n in d["nodes"]) == c["weight_bytes"]
PYEOF
expect 0 "inspect: exact params in the text" -- "$EDGEBENCH" inspect zoo:fmnist-cnn
params=$(/usr/bin/python3 -c 'import json,sys; print(format(json.load(open(sys.argv[1]))["cost"]["params"], ","))' "$TMP/cnn.json")
contains "$TMP/out" "params: $params (" "the text gives the exact count"
expect 2 "inspect --json, unsupported op" -- "$EDGEBENCH" inspect --json "$DATA/node/test_det_2d/model.onnx"
cp "$TMP/out" "$TMP/det.json"
expect 0 "inspect --json, unsupported op: listed, cost null with the reason" -- /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["unsupported_ops"] == [{"op": "Det", "count": 1}], d["unsupported_ops"]
assert d["cost"] is None and d["cost_reason"], d' "$TMP/det.json"

# bad files: one line naming the file and the problem, exit 2
expect 2 "missing file" -- "$EDGEBENCH" inspect "$TMP/nope.onnx"
contains "$TMP/err" "edgebench: $TMP/nope.onnx: No such file" "missing file is named"
: >"$TMP/empty.onnx"
expect 2 "empty file" -- "$EDGEBENCH" inspect "$TMP/empty.onnx"
contains "$TMP/err" "empty file" "empty file is reported"
echo "just some text, not protobuf" >"$TMP/text.onnx"
expect 2 "text file" -- "$EDGEBENCH" inspect "$TMP/text.onnx"
contains "$TMP/err" "not an ONNX model" "text file is reported"
size=$(stat -c %s "$CONV")
head -c $((size / 2)) "$CONV" >"$TMP/truncated.onnx"
expect 2 "truncated file" -- "$EDGEBENCH" inspect "$TMP/truncated.onnx"
contains "$TMP/err" "$TMP/truncated.onnx" "truncated file is named"
expect 2 "a folder" -- "$EDGEBENCH" inspect "$TMP"
# a model with an op the suite lacks: inspect shows it, exits 2
expect 2 "unsupported op" -- "$EDGEBENCH" inspect "$DATA/node/test_det_2d/model.onnx"
contains "$TMP/out" "unsupported ops: Det" "unsupported op is listed"
contains "$TMP/err" "op 'Det' is not supported" "unsupported op is the error"

expect 0 "run on ref" -- "$EDGEBENCH" run "$CONV" -v ref -n 3 --min-time 0
contains "$TMP/out" "median" "run prints a latency"
# a runner this version knows but this binary lacks is a result, not an
# error (it may exist elsewhere); a name no version knows is a typo
# (the first of the optional backends this build lacks, as the conformance
# driver lists the built ones)
MISSING=
for r in opencl cuda; do
    "$BUILD/tests/test_onnx_node" --list-runners | grep -qx "$r" || { MISSING=$r; break; }
done
if [ -n "$MISSING" ]; then
    expect 0 "run with a runner not built in" -- "$EDGEBENCH" run "$CONV" -v ref -v "$MISSING" -n 3
    contains "$TMP/out" "unsupported: runner '$MISSING' is not built into this binary (built: ref" "missing runner is named"
else
    skip "a runner not built in" "this build has every optional backend (opencl, cuda)"
fi
expect 2 "run with an unknown runner" -- "$EDGEBENCH" run "$CONV" -v warp9
contains "$TMP/err" "no runner named 'warp9'" "unknown runner is named"
expect 2 "run -n 0" -- "$EDGEBENCH" run "$CONV" -n 0
# a file that exists but does not load is a result (failed), not bad usage
expect 3 "run a truncated file" -- "$EDGEBENCH" run "$TMP/truncated.onnx"
contains "$TMP/out" "failed:" "truncated file: recorded as failed"
finish
