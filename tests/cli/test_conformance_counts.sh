# test_conformance_counts.sh - the conformance driver's honest counts
# (issue 10): a case passes on a runner's own kernels only when its plan
# ran no op on the reference kernels (eb_plan_info.fallbacks), and the
# summary says how many did; --list-runners names every runner built in
# (what `make conformance` loops over).
. "$(dirname "$0")/lib.sh"
CONF=./$BUILD/tests/test_onnx_node
DATA=/usr/share/libonnx-testdata/data

expect 0 "--list-runners" -- "$CONF" --list-runners
contains "$TMP/out" "ref" "ref is listed"
contains "$TMP/out" "cpu" "cpu is listed"

if [ ! -d "$DATA/node/test_relu" ] || [ ! -d "$DATA/node/test_reduce_sum_keepdims_example" ]; then
    skip "conformance counts" "the ONNX test vectors are not installed ($DATA; make deps installs libonnx-testdata)"
else
    # Relu has a cpu kernel; ReduceSum runs on the reference kernels (a
    # fallback): one of the two passes is cpu's own
    expect 0 "cpu on a kernel and a fallback" -- "$CONF" --runner cpu -v test_relu test_reduce_sum_keepdims_example
    contains "$TMP/out" "cpu runner): 1 of the 2 passing cases ran entirely on its own kernels, 1 ran at least one op on the reference kernels" "the cpu count excludes the fallback"
    contains "$TMP/out" "PASS node/test_reduce_sum_keepdims_example (on reference kernels: ReduceSum x1)" "-v names the fallback"
    contains "$TMP/out" "  ReduceSum                  1" "fallbacks are counted by op"
    expect 0 "ref on the same cases" -- "$CONF" --runner ref test_relu test_reduce_sum_keepdims_example
    contains "$TMP/out" "ref runner): 2 of the 2 passing cases ran entirely on its own kernels" "ref's kernels are its own"
fi

finish
