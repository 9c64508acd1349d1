# test_quant_model.sh - a model quantized outside edgebench runs: the tiny
# model scripts/make_quant_model.py writes (every ONNX quantization op, in
# QOperator and QDQ style, f32 input; and the same with an already
# quantized u8 input) runs on ref and on cpu, whose reference fallback
# takes the quantization ops and says so.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
GEN=scripts/make_quant_model.py

for kind in f32 u8; do
    M=$TMP/quant_$kind.onnx
    if [ "$kind" = u8 ]; then arg=u8; else arg=; fi
    expect 0 "$kind: the generator writes the model" -- "$PY" "$GEN" "$M" $arg || continue
    expect 0 "$kind: inspect knows every op" -- "$EDGEBENCH" inspect "$M"
    contains "$TMP/out" "unsupported ops: none" "$kind: no unsupported op"
    contains "$TMP/out" "QLinearConv x1" "$kind: QLinearConv is listed"
    expect 0 "$kind: runs on ref and cpu" -- "$EDGEBENCH" run "$M" -v ref -v cpu -n 3 --min-time 0 -o "$TMP/r_$kind.json"
    expect 0 "$kind: both ok, cpu on the reference fallback" -- "$PY" - "$TMP/r_$kind.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert [x["variant"]["spec"] for x in r] == ["ref", "cpu"], r
assert all(x["status"] == "ok" for x in r), [(x["status"], x["error"]) for x in r]
fb = r[1]["reference_fallbacks"]
for op in ["QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger", "DynamicQuantizeLinear", "DequantizeLinear"]:
    assert op in fb, fb
# every op has a cost rule: three 3x3 convolutions of 2 -> 3 channels on 5x5
# (QLinearConv, ConvInteger, the QDQ Conv) and two [1,75] x [75,4] products
assert r[0]["cost"]["macs"] == 3 * (3 * 25) * (2 * 9) + 2 * 4 * 75, r[0]["cost"]
PYEOF
done

# a broken grid: the generator's model with a zero scale fails at load, naming
# the scale (run records the variant as failed and exits 3, as for any
# model that does not load)
"$PY" - "$GEN" "$TMP/zero.onnx" <<'PYEOF'
import importlib.util, struct, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
data = gen.model(False)
# xs (0.02 as f32) is the first scale stored; make it 0
needle = struct.pack("<f", 0.02)
assert data.count(needle) == 1
open(sys.argv[2], "wb").write(data.replace(needle, struct.pack("<f", 0.0)))
PYEOF
expect 3 "zero scale: the variant is recorded as failed" -- "$EDGEBENCH" run "$TMP/zero.onnx" -v ref -n 1 --min-time 0
contains "$TMP/err" "QuantizeLinear: the scale of y is 0 at 0; a scale must be positive and finite" "the message names the scale"

finish
