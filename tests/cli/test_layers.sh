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

# the link side (Makefile, one library per layer): a driver of a low layer
# links only its layers' libraries, highest first, so an upward call from
# them cannot resolve; a driver of every layer gets them all in order
expect 0 "make's link of test_gemm (dry run)" -- make -n -B --no-print-directory BUILD="$BUILD" "$BUILD/tests/test_gemm"
grep -E -- "-o $BUILD/tests/test_gemm " "$TMP/out" >"$TMP/link"
# (runners' kernel table names each kernel's reference twin: ref too)
contains "$TMP/link" "test_util.o $BUILD/libeb_runners.a $BUILD/libeb_ref.a $BUILD/libeb_models.a " "test_gemm links runners, ref, models"
if grep -qE "libeb_(bench|reports)\.a|libedgebench\.a" "$TMP/link"; then
    echo "FAIL test_gemm links a layer above runners or the one big archive:"; sed 's/^/  /' "$TMP/link"
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
expect 0 "make's link of test_emit (dry run)" -- make -n -B --no-print-directory BUILD="$BUILD" "$BUILD/tests/test_emit"
grep -E -- "-o $BUILD/tests/test_emit " "$TMP/out" >"$TMP/link"
contains "$TMP/link" "$BUILD/libeb_bench.a $BUILD/libeb_reports.a" "test_emit links bench, then reports"
contains "$TMP/link" "$BUILD/libeb_runners.a $BUILD/libeb_ref.a $BUILD/libeb_models.a" "... then runners, ref, models"

finish
