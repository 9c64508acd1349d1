#!/bin/sh
# run_fuzz.sh BUILD SECONDS TARGET... - runs each libFuzzer target built in
# BUILD/fuzz/ for SECONDS (make fuzz: tests/fuzz/fuzz.mk), one process,
# niced, on its growing corpus BUILD/corpus/TARGET seeded from:
#   onnx     the zoo (models/zoo/*.onnx) and the ONNX test vectors
#            (libonnx-testdata: every model.onnx)
#   results  tests/data/results/ (real `edgebench run` output)
#   idx      tests/fuzz/seeds/idx/ (slices of Fashion-MNIST, plain and gzip)
# and every earlier crasher, tests/fuzz/regress/TARGET/.  A crash, leak, UB
# report, timeout or out-of-memory stops that target, leaves the input in
# BUILD/crashes/TARGET/ and fails the script after the remaining targets.
# Prints, per target, executions and the time they took.
set -u
BUILD=$1
SECS=$2
shift 2
ONNX_DATA=${ONNX_DATA:-/usr/share/libonnx-testdata/data}
fails=""
# the libFuzzer options; -timeout: one input taking this long is a bug
# (the targets cap the work they do, fuzz_onnx.c says how)
FUZZ_OPTS="-timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1"
# a crash must not be hidden by a leak check that ASan skips
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

seed_onnx() {
    cp models/zoo/*.onnx "$1"/
    if [ -d "$ONNX_DATA" ]; then
        # model.onnx of each case, named after its folder
        find "$ONNX_DATA" -name model.onnx | while read -r m; do
            cp "$m" "$1/$(basename "$(dirname "$m")").onnx"
        done
    else
        echo "fuzz onnx: no ONNX test vectors at $ONNX_DATA (libonnx-testdata): seeded from the zoo only"
    fi
}

for t in "$@"; do
    bin=$BUILD/fuzz/fuzz_$t
    corpus=$BUILD/corpus/$t
    seeds=$BUILD/seeds/$t
    crashes=$BUILD/crashes/$t
    mkdir -p "$corpus" "$seeds" "$crashes"
    if [ ! -f "$seeds/.done" ]; then
        case $t in
        onnx) seed_onnx "$seeds" ;;
        results) cp tests/data/results/* "$seeds"/ ;;
        *) [ -d "tests/fuzz/seeds/$t" ] && cp "tests/fuzz/seeds/$t"/* "$seeds"/ ;;
        esac
        touch "$seeds/.done"
    fi
    regress=""
    [ -d "tests/fuzz/regress/$t" ] && regress="tests/fuzz/regress/$t"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    log=$BUILD/fuzz-$t.log
    echo "== fuzz $t: ${SECS}s (log: $log)"
    # shellcheck disable=SC2086
    nice "$bin" $FUZZ_OPTS $dict -max_total_time="$SECS" -artifact_prefix="$crashes/" \
        "$corpus" "$seeds" $regress >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
    echo "fuzz $t: ${execs:-?} executions in ${took:-$SECS} s, corpus $(ls "$corpus" | wc -l) inputs, exit $rc"
    if [ "$rc" -ne 0 ]; then
        grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed 's/^/  /'
        ls -t "$crashes" | head -3 | sed "s|^|  input: $crashes/|"
        fails="$fails $t"
    fi
done
if [ -n "$fails" ]; then
    echo "fuzz: crashes in:$fails (inputs in $BUILD/crashes/; minimise one with \`$BUILD/fuzz/fuzz_TARGET -minimize_crash=1 -runs=10000 FILE\`, then add it to tests/fuzz/regress/TARGET/)"
    exit 1
fi
echo "fuzz: no crashes"
