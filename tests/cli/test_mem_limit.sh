# test_mem_limit.sh - --mem-limit: a model whose tensors need more than the
# limit ends as a result, `failed` with the reason "out of memory", and
# exit 3, never as the OOM killer's victim; the limit used is recorded in
# run.settings; bad sizes are usage errors.  The model (one Expand of a
# [1,1] input to [16384,16384] floats: a 1 GiB output) is written here by a
# few lines of protobuf encoding; its input is not constant, so nothing is
# folded in the sweep's own process.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export PYTHONPATH="$(dirname "$0")"  # onnx_pb.py
SCHEMA=reports/results-schema.json

# expand.py PATH N: x [1,1] -> Expand(shape [N, N]) -> y
cat >"$TMP/expand.py" <<'PYEOF'
import struct, sys
from onnx_pb import field, s, value_info, model
path, n = sys.argv[1], int(sys.argv[2])
tensor = field(1, 0, 2) + field(2, 0, 7) + s(8, "shape") + field(9, 2, struct.pack("<qq", n, n))
node = s(1, "x") + s(1, "shape") + s(2, "y") + s(3, "expand") + s(4, "Expand")
graph = field(1, 2, node) + s(2, "huge_expand") + field(5, 2, tensor) + field(11, 2, value_info("x", [1, 1])) + \
    field(12, 2, value_info("y"))
open(path, "wb").write(model(graph, "test_mem_limit.sh"))
PYEOF
"$PY" "$TMP/expand.py" "$TMP/huge.onnx" 16384 # a 1 GiB output
"$PY" "$TMP/expand.py" "$TMP/mid.onnx" 8192   # 256 MiB

# under AddressSanitizer (make test SANITIZE=1) the limit is not applied
if grep -q __asan_init "$EDGEBENCH" 2>/dev/null; then
    expect 0 "ASan: the limit is recorded as not applied" -- "$EDGEBENCH" run "$TMP/huge.onnx" -v ref -n 1 \
        --min-time 0 --mem-limit 256M -o "$TMP/asan.json"
    contains "$TMP/asan.json" "AddressSanitizer" "why the limit is not applied"
    skip "out of memory under --mem-limit" "an AddressSanitizer build: its shadow maps count as data"
    finish
    exit $?
fi

expect 3 "a model over --mem-limit fails, exit 3" -- "$EDGEBENCH" run "$TMP/huge.onnx" -v 'ref;cpu' -n 1 \
    --min-time 0 --mem-limit 256M -o "$TMP/oom.json"
contains "$TMP/out" "failed: out of memory (under --mem-limit 256 MiB)" "the table says why"
expect 0 "the record: failed, out of memory, the limit in run.settings" -- "$PY" - "$TMP/oom.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
r = doc["results"]
assert [x["status"] for x in r] == ["failed", "failed"], r
for x in r:
    assert x["error"].startswith("out of memory (under --mem-limit 256 MiB)"), x["error"]
    assert not x["signal"], x  # an allocation that failed, not a process killed
s = doc["run"]["settings"]
assert s["mem_limit_bytes"] == 256 << 20, s
assert s["mem_limit"] == "256 MiB: --mem-limit 256M", s
PYEOF

# a smaller one under a limit it fits in (its output, and the baseline's copy
# of it, 512 MiB in all): measured
expect 0 "under a limit it fits in, it runs" -- "$EDGEBENCH" run "$TMP/mid.onnx" -v ref -n 1 --warmup 0 \
    --min-time 0 --mem-limit 2G -o "$TMP/fits.json"
contains "$TMP/fits.json" '"mem_limit_bytes":	2147483648' "the limit recorded"

# the default: a stated share of the usable memory, recorded
expect 0 "the default limit" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0 -o "$TMP/def.json"
contains "$TMP/def.json" "the default, 75% of the" "the default is recorded"
expect 0 "a percentage" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0 --mem-limit 50% \
    -o "$TMP/pct.json"
contains "$TMP/pct.json" "--mem-limit 50% of the" "a share is recorded"
expect 0 "none" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0 --mem-limit none \
    -o "$TMP/none.json"
contains "$TMP/none.json" '"mem_limit_bytes":	null' "no limit is null"
expect 0 "--no-isolate: not applied, and said" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0 \
    --no-isolate -o "$TMP/noiso.json"
contains "$TMP/noiso.json" "not applied: --no-isolate" "why not with --no-isolate"

# bad sizes: usage errors, before any work
for bad in 12Q -5M 0 150% 1K abc; do
    expect 2 "--mem-limit $bad is refused" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref --mem-limit "$bad"
    contains "$TMP/err" "--mem-limit" "the message names the option ($bad)"
done
expect 0 "run --help names --mem-limit" -- "$EDGEBENCH" run --help
contains "$TMP/out" "--mem-limit SIZE" "the help"

finish
