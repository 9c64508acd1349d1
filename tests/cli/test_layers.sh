# test_layers.sh - scripts/check_layers.sh (`make check-layers`): it draws
# the layer graph from the includes and fails, naming file:line, on an
# include against the data flow; and in this tree models/ and
# reference_kernels/ (and runners/) include nothing above them.
. "$(dirname "$0")/lib.sh"

# a tree with one forbidden edge
mkdir -p "$TMP/bad/models" "$TMP/bad/reference_kernels" "$TMP/bad/runners" "$TMP/bad/bench" "$TMP/bad/reports"
printf '#include "models/graph.h"\n' >"$TMP/bad/reference_kernels/ref.c"
printf '/* x */\n#include "reference_kernels/ref.h"\n' >"$TMP/bad/models/shape.c"
expect 1 "a models -> reference_kernels include fails" -- sh scripts/check_layers.sh "$TMP/bad"
contains "$TMP/out" 'models/shape.c:2: includes "reference_kernels/ref.h" (models -> reference_kernels is forbidden)' \
    "the forbidden include is named by file:line"
contains "$TMP/out" "reference_kernels -> models" "the graph lists the allowed edge"

# the same tree without it passes, graph printed
rm "$TMP/bad/models/shape.c"
expect 0 "a tree without forbidden includes passes" -- sh scripts/check_layers.sh "$TMP/bad"
contains "$TMP/out" "no forbidden include" "says so"

# this tree: nothing in models, reference_kernels or runners includes upward
sh scripts/check_layers.sh >"$TMP/graph" 2>&1
if grep -E '\((models|reference_kernels|runners) -> [a-z_]+ is forbidden\)' "$TMP/graph" >"$TMP/upward"; then
    echo "FAIL forbidden includes from the lower layers:"; sed 's/^/  /' "$TMP/upward"
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
contains "$TMP/graph" "layer graph" "the tree's layer graph is printed"

finish
