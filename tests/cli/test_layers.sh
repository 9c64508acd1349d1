# test_layers.sh - scripts/check_layers.sh (`make check-layers`): it draws
# the layer graph from the includes and fails, naming file:line, on an
# include against the data flow; this tree has no forbidden include, and
# `make test` checks that.
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

# this tree: no forbidden include at all (reports owns the record, bench
# fills it), the graph printed, and the script says so
expect 0 "this tree has no forbidden include" -- sh scripts/check_layers.sh
contains "$TMP/out" "layer graph" "the tree's layer graph is printed"
contains "$TMP/out" "check-layers: no forbidden include" "and says there is none"
if grep -q "FORBIDDEN\|is forbidden" "$TMP/out"; then
    echo "FAIL forbidden includes in this tree:"; grep "FORBIDDEN\|is forbidden" "$TMP/out" | sed 's/^/  /'
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi

# `make test` runs it
if grep -Eq '^test:.*check-layers' Makefile; then
    PASSES=$((PASSES + 1))
else
    echo "FAIL make test does not run check-layers"
    FAILS=$((FAILS + 1))
fi

finish
