# test_save_model.sh - `edgebench run --save-model DIR`: each variant is
# written as DIR/MODEL/VARIANT.onnx, the result names the file, and the file
# run again gives the same outputs as the variant (here uncompressed, so
# bit-identical).  onnx.checker validates it where python3-onnx is installed.
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx
IN=$DATA/test_Conv2d/test_data_set_0
PY=/usr/bin/python3

expect 0 "run with --save-model" -- "$EDGEBENCH" run "$A" -n 2 --min-time 0 --inputs "$IN" \
    --save-model "$TMP/models" --save-outputs "$TMP/out1" -o "$TMP/r.json"
expect 0 "the saved file exists" -- test -s "$TMP/models/test_Conv2d/ref.onnx"
expect 0 "the result names it and matches the schema" -- "$PY" - "$TMP/r.json" reports/results-schema.json "$TMP/models/test_Conv2d/ref.onnx" <<'PYEOF'
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
assert d["results"][0]["saved_model"] == sys.argv[3], d["results"][0].get("saved_model")
PYEOF
expect 0 "the saved model runs" -- "$EDGEBENCH" run "$TMP/models/test_Conv2d/ref.onnx" -n 2 --min-time 0 --inputs "$IN" \
    --save-outputs "$TMP/out2"
expect 0 "and gives the same outputs" -- cmp "$TMP/out1/test_Conv2d/ref/output_0.pb" "$TMP/out2/ref/ref/output_0.pb"
expect 0 "without --save-model the field is absent" -- "$EDGEBENCH" run "$A" -n 2 --min-time 0 -o "$TMP/r2.json"
expect 0 "no saved_model key" -- "$PY" -c "import json,sys; assert 'saved_model' not in json.load(open(sys.argv[1]))['results'][0]" "$TMP/r2.json"
expect 2 "an unusable --save-model folder" -- "$EDGEBENCH" run "$A" -n 2 --save-model /proc/edgebench-no/x

# python3-onnx is a test dependency (scripts/deps.sh): without it this fails
expect 0 "python3-onnx is installed" -- "$PY" -c "import onnx"
if "$PY" -c "import onnx" 2>/dev/null; then
    expect 0 "onnx.checker accepts the saved file" -- "$PY" -c "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" \
        "$TMP/models/test_Conv2d/ref.onnx"
    # the QDQ lowerings test_onnx_export writes (int8 dynamic/static, f16, CSR, N:M, int4)
    mkdir -p "$TMP/unit"
    expect 0 "test_onnx_export writes its files" -- env TMPDIR="$TMP/unit" "$BUILD/tests/test_onnx_export"
    for f in "$TMP"/unit/*/*.onnx; do
        if "$PY" -c "import onnx,sys; m=onnx.load(sys.argv[1]); sys.exit(m.ir_version > onnx.IR_VERSION)" "$f"; then
            expect 0 "onnx.checker accepts $(basename "$f")" -- "$PY" -c \
                "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$f"
        else
            skip "onnx.checker on $(basename "$f")" "its IR version (opset 21 for int4 blocks) is newer than this python3-onnx knows"
        fi
    done
    # one value read by two quantized layers (a residual block's input and
    # its downsampling): each reader gets its own Q/DQ nodes and names
    expect 0 "a shared-input model is built" -- "$PY" - "$TMP/shared" <<'PYEOF'
import os, sys, numpy as np, onnx
from onnx import helper as h, numpy_helper as nh
d = sys.argv[1]; os.makedirs(d + "/in", exist_ok=True)
rng = np.random.default_rng(3)
w1, w2 = (nh.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), n) for n in ("w1", "w2"))
g = h.make_graph([h.make_node("Relu", ["x"], ["r"], name="relu"),
                  h.make_node("Conv", ["r", "w1"], ["a"], name="c1", pads=[1, 1, 1, 1]),
                  h.make_node("Conv", ["r", "w2"], ["b"], name="c2", pads=[1, 1, 1, 1]),
                  h.make_node("Add", ["a", "b"], ["y"], name="add")], "shared",
                 [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
                 [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4, 8, 8])], [w1, w2])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), d + "/shared.onnx")
x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
open(d + "/in/input_0.pb", "wb").write(nh.from_array(x, "x").SerializeToString())
PYEOF
    expect 0 "its int8 variants are saved" -- "$EDGEBENCH" run "$TMP/shared/shared.onnx" -v 'ref:quant={int8,int8-static}' \
        -n 1 --min-time 0 --inputs "$TMP/shared/in" --save-model "$TMP/shared/out" -o "$TMP/shared/r.json"
    for q in int8 int8-static; do
        expect 0 "onnx.checker accepts the shared-input $q file" -- "$PY" -c \
            "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); n=[x.name for x in m.graph.node if x.name]; assert len(n) == len(set(n)), n" \
            "$TMP/shared/out/shared/ref:quant=$q.onnx"
    done
fi
finish
