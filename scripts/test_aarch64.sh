#!/bin/sh
# test_aarch64.sh - `make test-aarch64`: cross-builds all of edgebench for
# aarch64 with Debian's gcc-aarch64-linux-gnu into build-aarch64/ and runs
# its tests under qemu-aarch64 (qemu-user): every cmocka driver, the ONNX
# conformance runner with --runner ref and --runner cpu, and one forked
# `edgebench run` of a zoo model.  It fails unless test_gemm ran the NEON
# kernel (its gemm_neon__* tests, not skipped).
#
# What it needs, `deps.sh` and `deps.sh aarch64` install first: the host's
# tools (protoc-c, onnx.proto, the test data) and the cross compiler,
# qemu-user and the arm64 builds of the -dev packages, through Debian
# multiarch.  pkg-config reads the arm64 .pc files (PKG_CONFIG_LIBDIR).
#
# The binaries run on libc6:arm64 (/lib/ld-linux-aarch64.so.1, libraries
# from /usr/lib/aarch64-linux-gnu), not with `-L /usr/aarch64-linux-gnu`:
# that tree's ld.so comes from libc6-arm64-cross, a different glibc build
# than the libc.so.6 of libc6:arm64 that qemu then finds through the host's
# ld.so.cache, and the mix hangs in the first pthread_create.
#
# Environment: AARCH64_BUILD (build folder, default build-aarch64), JOBS
# (parallel compiles, default 2), TEST_TIMEOUT (seconds one program may run
# under qemu, default 900: test_cpu_runner takes ~100 s), V=1.
set -eu

B=${AARCH64_BUILD:-build-aarch64}
JOBS=${JOBS:-2}
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
CROSS_CC=aarch64-linux-gnu-gcc

start=$(date +%s)
cd "$(dirname "$0")/.."

sh scripts/deps.sh
sh scripts/deps.sh aarch64
# both deps runs are done; the Makefile's own deps step would check the
# host's modules with the arm64 pkg-config path below
mkdir -p "$B"
touch "$B/deps.stamp"

export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR QEMU_LD_PREFIX

units=""
for src in tests/test_*.c; do
    case $src in tests/test_util.c | tests/test_graph_builder.c) continue ;; esac
    name=${src#tests/}
    units="$units $B/tests/${name%.c}"
done
echo "test-aarch64: building into $B/ with $CROSS_CC"
# its own -j: a parent make's jobserver is not passed down (the Makefile's
# recipe names no $(MAKE), so that `make -n` does not run this script); -s
# keeps make's "is up to date" lines out, V=1 (from the environment) is kept
unset MAKEFLAGS MFLAGS
silent=-s
[ "${V:-0}" = 1 ] && silent=
# shellcheck disable=SC2086
# the GPU runners are not cross-built: no arm64 OpenCL or CUDA SDK here
make $silent --no-print-directory -j"$JOBS" BUILD="$B" CC="$CROSS_CC" SANITIZE=0 OPENCL=no CUDA=no \
    "$B/edgebench" $units "$B/tests/test_onnx_node"
if ! aarch64-linux-gnu-readelf -h "$B/edgebench" | grep -q 'Machine:.*AArch64'; then
    echo "test-aarch64: $B/edgebench is not an AArch64 binary" >&2
    exit 1
fi

# one program under qemu, ended (exit 124) if it runs past TEST_TIMEOUT
run() {
    timeout -k 10 "$TEST_TIMEOUT" qemu-aarch64 "$@"
}

mkdir -p "$B/logs"
passed=0 failed=0 skipped=0 drivers=0
bad=""
for t in $units; do
    name=${t##*/}
    log=$B/logs/$name.log
    echo "== qemu-aarch64 $t"
    { r=0; run "$t" 2>&1 || r=$?; echo $r >"$log.rc"; } | tee "$log"
    rc=$(cat "$log.rc")
    drivers=$((drivers + 1))
    n_run=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$log")
    n_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log")
    n_skip=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log")
    if [ -z "$n_run" ]; then
        echo "test-aarch64: $name: exit status $rc, no cmocka summary" >&2
        bad="$bad $name"
        continue
    fi
    passed=$((passed + ${n_pass:-0}))
    skipped=$((skipped + ${n_skip:-0}))
    n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log")
    failed=$((failed + ${n_fail:-0}))
    [ "$rc" = 0 ] || bad="$bad $name(exit $rc)"
done

# the NEON kernel, not a fallback, is what test_gemm checked
glog=$B/logs/test_gemm.log
neon_ok=$(grep -c '^\[       OK \] gemm_neon__' "$glog" || true)
neon_skip=$(grep -c '^\[  SKIPPED \] gemm_neon__' "$glog" || true)
if [ "$neon_ok" -lt 4 ] || [ "$neon_skip" != 0 ] || ! grep -q '^\[       OK \] isa_detect__aarch64__picks_neon' "$glog"; then
    echo "test-aarch64: test_gemm did not run the NEON kernel ($neon_ok gemm_neon__ tests passed, $neon_skip skipped)" >&2
    bad="$bad neon"
fi

conf=""
for r in ref cpu; do
    log=$B/logs/conformance-$r.log
    echo "== qemu-aarch64 $B/tests/test_onnx_node --runner $r"
    rc=0
    run "$B/tests/test_onnx_node" --runner "$r" >"$log" 2>&1 || rc=$?
    tail -n 3 "$log"
    line=$(grep "^conformance ($r runner):" "$log" || true)
    [ "$rc" = 0 ] && [ -n "$line" ] || bad="$bad conformance-$r"
    conf="$conf
  $line"
done

# the command, one zoo model, each variant in its own forked process
echo "== qemu-aarch64 $B/edgebench run zoo:fmnist-mlp -v 'ref;cpu:threads={1,2}' -n 5"
rc=0
run "$B/edgebench" run zoo:fmnist-mlp -v 'ref;cpu:threads={1,2}' -n 5 -o "$B/logs/run.json" || rc=$?
[ "$rc" = 0 ] || bad="$bad edgebench-run(exit $rc)"

end=$(date +%s)
echo
echo "test-aarch64: $(qemu-aarch64 --version | head -n 1), $($CROSS_CC --version | head -n 1)"
echo "test-aarch64: unit tests, $drivers cmocka drivers: $passed passed, $failed failed, $skipped skipped"
echo "test-aarch64: NEON kernel: $neon_ok gemm_neon__ tests passed; default kernel: $(sed -n 's/.*; default \([a-z0-9]*\)$/\1/p' "$glog")"
echo "test-aarch64: ONNX conformance under qemu:$conf"
echo "test-aarch64: wall time $((end - start)) s"
if [ -n "$bad" ]; then
    echo "test-aarch64: FAILED:$bad" >&2
    exit 1
fi
echo "test-aarch64: all passed"
