# test_bench_sweep.sh - bench/perf/bench_sweep.sh, make bench's model sweep,
# on a folder of three tiny models: one that runs, one whose file is not
# ONNX (edgebench and ONNX Runtime both refuse it: its row must say why and
# the sweep go on), and one whose stored PyTorch output is wrong (the
# agreement check must flag it).  ONNX Runtime is replaced by a stand-in
# module (a Relu in JavaScript) so that the test needs neither the network
# nor `make bench`'s install; the sweep's own logic is what is tested.
# node and python3-onnx come with `make deps` (scripts/deps.sh): without
# them the test fails, saying which is missing.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if ! command -v node >/dev/null 2>&1; then
    echo "FAIL model sweep: node is not installed (make deps installs nodejs)"
    FAILS=$((FAILS + 1))
    finish
    exit $?
fi
if ! why=$("$PY" -c "import numpy, onnx.helper, onnx.numpy_helper" 2>&1); then
    echo "FAIL model sweep: $PY cannot import onnx and numpy (make deps installs python3-onnx): $(printf '%s\n' "$why" | tail -1)"
    FAILS=$((FAILS + 1))
    finish
    exit $?
fi

S=$TMP/sweep
"$PY" - "$S" <<'PYEOF'
import os, sys, numpy as np, onnx
from onnx import helper, numpy_helper as nh, TensorProto as T
root = sys.argv[1]
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu",
                      [helper.make_tensor_value_info("x", T.FLOAT, [1, 8])],
                      [helper.make_tensor_value_info("y", T.FLOAT, [1, 8])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(1, 8)
for name, y, model in (("relu", np.maximum(x, 0), m.SerializeToString()),
                       ("wrongref", np.maximum(x, 0) + 1, m.SerializeToString()),
                       ("zbroken", np.maximum(x, 0), b"garbage, not a protobuf\xff\xff\xff")):
    d = os.path.join(root, name, "test_data_set_0")
    os.makedirs(d)
    open(os.path.join(root, name, "model.onnx"), "wb").write(model)
    open(os.path.join(d, "input_0.pb"), "wb").write(nh.from_array(x, "x").SerializeToString())
    open(os.path.join(d, "output_0.pb"), "wb").write(nh.from_array(y, "y").SerializeToString())
PYEOF

# the stand-in for onnxruntime-node: the calls ort_peer.js and ort_agree.js
# make, computing a Relu; it refuses the file that is not ONNX
O=$TMP/ort/node_modules/onnxruntime-node
mkdir -p "$O"
echo '{"name": "onnxruntime-node", "version": "0.0.0-standin", "main": "index.js"}' >"$O/package.json"
cat >"$O/index.js" <<'JSEOF'
'use strict';
const fs = require('fs');
class Tensor { constructor(type, data, dims) { this.type = type; this.data = data; this.dims = dims; } }
const InferenceSession = {
  async create(path) {
    if (fs.readFileSync(path).subarray(0, 7).toString() === 'garbage') throw new Error('stand-in: not an ONNX file');
    return {
      inputNames: ['x'], outputNames: ['y'],
      inputMetadata: [{ name: 'x', type: 'float32', shape: [1, 8] }],
      async run(feeds) {
        return { y: new Tensor('float32', Float32Array.from(feeds.x.data, (v) => Math.max(v, 0)), [1, 8]) };
      },
    };
  },
};
module.exports = { Tensor, InferenceSession };
JSEOF

expect 0 "the sweep runs to its end" -- sh bench/perf/bench_sweep.sh "$EDGEBENCH" "$S" "$TMP/ort" 0.05
cp "$TMP/out" "$TMP/sweep.txt"
contains "$TMP/sweep.txt" "ONNX Runtime 0.0.0-standin" "the peer's version is printed"
contains "$TMP/sweep.txt" "CPU: " "the CPU model is recorded"
contains "$TMP/sweep.txt" " UTC" "the date is recorded"
# the header, then one row per model
grep -E '^model ' "$TMP/sweep.txt" | tr -s ' ' >"$TMP/rows" || true
contains "$TMP/rows" "model eb t1 ORT" "the table's header"
grep -E '^relu ' "$TMP/sweep.txt" >"$TMP/relu" || true
contains "$TMP/relu" " ok" "the Relu model runs, agrees and is ok"
contains "$TMP/relu" " 0 " "its reference-fallback count"
grep -E '^wrongref ' "$TMP/sweep.txt" >"$TMP/wrongref" || true
contains "$TMP/wrongref" "eb differs from PyTorch" "a wrong output is flagged"
grep -E '^zbroken ' "$TMP/sweep.txt" >"$TMP/zbroken" || true
contains "$TMP/zbroken" "stand-in: not an ONNX file" "ONNX Runtime's refusal is in the row"
contains "$TMP/zbroken" "eb" "edgebench's refusal is in the row"
contains "$TMP/sweep.txt" "models: 3, ran on edgebench: 2, could not run: 1 (zbroken)" "the summary counts the failure"
contains "$TMP/sweep.txt" "t1: geomean eb/ORT" "the 1-thread geometric mean"
contains "$TMP/sweep.txt" "t2: geomean eb/ORT" "the 2-thread geometric mean"
contains "$TMP/sweep.txt" "(target <= 1:" "against the target"
contains "$TMP/sweep.txt" "models with reference fallbacks: 0" "the fallback count"
contains "$TMP/sweep.txt" "not known for the models that did not run: zbroken" "a model that did not run cannot meet the 0-fallback target"
contains "$TMP/sweep.txt" "with t2/t1 > 0.6" "the scaling line"
contains "$TMP/sweep.txt" "agrees with ONNX Runtime on 2 of 2 models checked" "the agreement line"
contains "$TMP/sweep.txt" "one run on this machine" "the note on one run"

# a result that records fusions: the row shows them (long lists below it)
R=$TMP/row
mkdir -p "$R/eb-m/m/cpu"
cp "$S/relu/test_data_set_0/output_0.pb" "$R/eb-m/m/cpu/output_0.pb"
cat >"$R/m.json" <<'EOF'
{"results": [{"variant": {"threads": 1}, "status": "ok", "error": null, "latency": {"median": 2.0},
              "reference_fallbacks": "Pow x8, ReduceMean x16", "fusions": "LayerNorm x9, GELU x4"},
             {"variant": {"threads": 2}, "status": "ok", "error": null, "latency": {"median": 1.5},
              "reference_fallbacks": "Pow x8, ReduceMean x16", "fusions": "LayerNorm x9, GELU x4"}]}
EOF
echo '{"median_ms": 1.0}' >"$R/m-ort1.json"
echo '{"median_ms": 1.0}' >"$R/m-ort2.json"
expect 0 "a row from a result with fusions" -- sh -c "'$PY' bench/perf/sweep_table.py row m '$R' '$S/relu/test_data_set_0/output_0.pb' | '$PY' bench/perf/sweep_table.py print"
contains "$TMP/out" "fusions: LayerNorm x9, GELU x4" "the fusions are shown"
contains "$TMP/out" "fallbacks: Pow x8, ReduceMean x16" "the fallbacks are listed"
grep -E '^m ' "$TMP/out" >"$TMP/m" || true
contains "$TMP/m" " 24 " "the fallback count sums the nodes"
contains "$TMP/m" " 2.00 " "eb/ORT at 1 thread"
contains "$TMP/m" " 0.75 " "t2/t1"
# an all-zero reference output (torchvision's ViT zeroes its classifier):
# no agreement can be measured against it, and the row says so
"$PY" -c "
import sys, numpy as np, onnx.numpy_helper as nh
open(sys.argv[1], 'wb').write(nh.from_array(np.zeros((1, 8), np.float32)).SerializeToString())" "$R/zero.pb"
expect 0 "a row against an all-zero output" -- sh -c "'$PY' bench/perf/sweep_table.py row m '$R' '$R/zero.pb' | '$PY' bench/perf/sweep_table.py print"
contains "$TMP/out" "PyTorch's output is all zeros: no agreement check" "an all-zero reference is flagged"
finish
