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
# torchvision counts 3.50 M and 11.69 M; the exporter folds each BatchNorm
# into its conv (gamma and beta become one bias per channel), so the
# deployed graphs hold a little less
contains "$TMP/out" "params: 3.49 M" "mobilenet_v2 has 3.49 M deployed params"
contains "$TMP/out" "output                   f32[1,1000]" "mobilenet_v2 output shape"
expect 0 "inspect resnet18" -- "$EDGEBENCH" inspect "$ARCH/resnet18/model.onnx"
contains "$TMP/out" "params: 11.68 M" "resnet18 has 11.68 M deployed params"
expect 0 "inspect bert" -- "$EDGEBENCH" inspect "$ARCH/bert/model.onnx"
contains "$TMP/out" "output                   f32[1,128,256]" "bert output shape"
expect 0 "ref reproduces PyTorch on the three models" -- \
    "$BUILD/tests/test_onnx_node" --case "$ARCH/mobilenet_v2" --case "$ARCH/resnet18" --case "$ARCH/bert"
contains "$TMP/out" "3 passed, 0 failed" "all three match PyTorch"
finish
