# test_arch_models.sh - torchvision mobilenet_v2 and resnet18 and a
# BERT-style encoder, exported by scripts/export_arch.py with PyTorch's
# outputs: `inspect` must describe them and the ref runner must reproduce
# PyTorch's outputs.  Skipped, visibly (a SKIP line with the reason, counted
# in the final line), where the models are not exported and Debian's
# python3-torch is not installed (the export needs it; nothing else in the
# suite does).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
ARCH=$BUILD/arch
have_models=yes
for m in mobilenet_v2 resnet18 bert; do
    [ -f "$ARCH/$m/model.onnx" ] || have_models=
done
# what scripts/export_arch.py imports (a bare `import onnx` also succeeds on
# a leftover /usr/lib/python3/dist-packages/onnx folder without the module)
if [ -z "$have_models" ] && ! why=$("$PY" -c "import torch, torchvision; from onnx import numpy_helper" 2>&1); then
    why=$(printf '%s\n' "$why" | tail -1)
    skip "whole architecture models" "$ARCH/{mobilenet_v2,resnet18,bert} are not exported, and $PY cannot export them (python3-torch, python3-torchvision, python3-onnx: $why)"
    finish
    exit $?
fi
for m in mobilenet_v2 resnet18 bert; do
    [ -f "$ARCH/$m/model.onnx" ] || "$PY" scripts/export_arch.py "$ARCH" "$m" >/dev/null 2>&1 ||
        { echo "FAIL export of $m"; FAILS=$((FAILS + 1)); }
done
expect 0 "inspect mobilenet_v2" -- "$EDGEBENCH" inspect "$ARCH/mobilenet_v2/model.onnx"
contains "$TMP/out" "unsupported ops: none" "mobilenet_v2 is fully supported"
contains "$TMP/out" "output                   f32[1,1000]" "mobilenet_v2 output shape"
expect 0 "inspect resnet18" -- "$EDGEBENCH" inspect "$ARCH/resnet18/model.onnx"
expect 0 "inspect bert" -- "$EDGEBENCH" inspect "$ARCH/bert/model.onnx"
contains "$TMP/out" "output                   f32[1,128,256]" "bert output shape"
# params are the weight values the file stores, each tensor once: the
# exporter folds each BatchNorm into its conv (torchvision's 3.50 M and
# 11.69 M count gamma and beta apart) and shares identical initialisers
# (the zero biases of freshly initialised BatchNorms) through Identity
# nodes, which must not count them again
for m in mobilenet_v2 resnet18 bert; do
    expect 0 "inspect --json $m" -- "$EDGEBENCH" inspect --json "$ARCH/$m/model.onnx"
    cp "$TMP/out" "$TMP/$m.json"
    expect 0 "$m: params are the stored weight values" -- "$PY" - "$TMP/$m.json" "$ARCH/$m/model.onnx" <<'PYEOF'
import json, math, sys, onnx
from onnx import TensorProto
WEIGHT = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.INT8, TensorProto.UINT8}
m = onnx.load(sys.argv[2])
# read as a weight: not as an operator's setting (Clip's bounds, Pad's
# fill value, Pow's exponent), as edgebench's cost model
SETTING = {"Clip": {1, 2}, "Pad": {2}, "Pow": {1}}
read = {i for n in m.graph.node for k, i in enumerate(n.input) if k not in SETTING.get(n.op_type, ())}
stored = sum(math.prod(t.dims) for t in m.graph.initializer if t.data_type in WEIGHT and t.name in read)
for n in m.graph.node:  # Constant nodes store tensors too
    if n.op_type == "Constant" and n.output[0] in read:
        for a in n.attribute:
            if a.name == "value" and a.t.data_type in WEIGHT:
                stored += math.prod(a.t.dims)
            elif a.name == "value_float":
                stored += 1
            elif a.name == "value_floats":
                stored += len(a.floats)
got = json.load(open(sys.argv[1]))["cost"]["params"]
print(f"{sys.argv[2]}: inspect {got:,} params, the file stores {stored:,}")
assert got == stored, (got, stored)
PYEOF
    cat "$TMP/out"
done
expect 0 "ref reproduces PyTorch on the three models" -- \
    "$BUILD/tests/test_onnx_node" --case "$ARCH/mobilenet_v2" --case "$ARCH/resnet18" --case "$ARCH/bert"
contains "$TMP/out" "3 passed, 0 failed" "all three match PyTorch"
finish
