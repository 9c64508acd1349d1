# test_if_inline.sh - If whose condition shape inference knows is replaced
# by the branch it takes (models/graph_inline.c).  tests/data/if (made by
# scripts/make_if_cases.py): a condition folded from Shape -> Gather ->
# Equal, a branch reading outer-scope values (input, initialiser, node
# output), returning one directly, with its own initialiser and a nested If;
# it must match numpy's outputs on ref and cpu, and inspect must show no If
# left.  An If whose condition depends on input values is refused with a
# message that says so.
. "$(dirname "$0")/lib.sh"
CONF=./$BUILD/tests/test_onnx_node
DATA=tests/data/if

for r in ref cpu; do
    expect 0 "$r runs the inlined If" -- "$CONF" --runner "$r" --case "$DATA/if_shape_cond"
    contains "$TMP/out" "$r runner): 1 passed, 0 failed, 0 skipped" "the inlined If matches numpy on $r"
done
expect 0 "inspect the folded If" -- "$EDGEBENCH" inspect "$DATA/if_shape_cond/model.onnx"
contains "$TMP/out" "Identity x3" "the branches' outputs become Identity nodes (two from the If, one from the nested If)"
if grep -q " If x" "$TMP/out"; then
    echo "FAIL an If is left after inference:"; grep " If x" "$TMP/out"; FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
expect 2 "inspect the run-time If" -- "$EDGEBENCH" inspect "$DATA/if_runtime_cond.onnx"
contains "$TMP/err" "node 3 'runtime_if' (If): If: node 'runtime_if': If with a condition known only at run time is not supported" "the run-time condition is refused by name"

DATA_NODE=/usr/share/libonnx-testdata/data/node
if [ ! -d "$DATA_NODE/test_if" ]; then
    skip "ONNX If vectors" "the ONNX test vectors are not installed ($DATA_NODE)"
else
    expect 0 "ONNX If vectors" -- "$CONF" -v test_if test_if_seq test_if_opt
    contains "$TMP/out" "PASS node/test_if" "test_if (its condition is a bound input) passes"
    contains "$TMP/out" "SKIP node/test_if_seq: [SequenceConstruct] op not implemented" "ops inside branches are named"
fi
finish
