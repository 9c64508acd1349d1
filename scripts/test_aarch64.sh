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
# Then the command-line tests, tests/cli/*.sh, as `make cli-test` runs them
# on the host, with EDGEBENCH and BUILD pointing at the aarch64 build through
# qemu-aarch64 (scripts/qemu_build.sh: binfmt_misc need not be registered).
# The few that cannot work under qemu-user are skipped with their reason
# (QEMU_SKIP below); each test's pass/skip/fail line and time are logged in
# $B/logs/cli-*.log and summed at the end.
#
# Environment: AARCH64_BUILD (build folder, default build-aarch64), JOBS
# (parallel compiles, default 2), TEST_TIMEOUT (seconds one program may run
# under qemu, default 900: test_cpu_runner takes ~100 s), V=1,
# AARCH64_PARTS (default "units cli": the cmocka/conformance/run part and
# the CLI tests; one of them alone to run only it), CLI_TESTS (a space-
# separated subset of tests/cli/*.sh, default all).
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
PARTS=${AARCH64_PARTS:-units cli}
# what the CLI tests use from $BUILD besides the binary: the layer
# libraries, the fuzz replayers and the man page (lowdown runs on the host)
cli_targets=""
case " $PARTS " in *" cli "*)
    cli_targets="$B/libeb_models.a $B/libeb_ref.a $B/libeb_runners.a $B/libeb_reports.a $B/libeb_bench.a"
    cli_targets="$cli_targets $B/tests/fuzz_replay_onnx $B/tests/fuzz_replay_results $B/tests/fuzz_replay_idx $B/edgebench.1"
    ;;
esac
make $silent --no-print-directory -j"$JOBS" BUILD="$B" CC="$CROSS_CC" SANITIZE=0 OPENCL=no CUDA=no \
    "$B/edgebench" $units "$B/tests/test_onnx_node" $cli_targets
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
case " $PARTS " in *" units "*) ;; *) units="" ;; esac
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
neon_ok=0
if [ -n "$units" ]; then
neon_ok=$(grep -c '^\[       OK \] gemm_neon__' "$glog" || true)
neon_skip=$(grep -c '^\[  SKIPPED \] gemm_neon__' "$glog" || true)
if [ "$neon_ok" -lt 4 ] || [ "$neon_skip" != 0 ] || ! grep -q '^\[       OK \] isa_detect__aarch64__picks_neon' "$glog"; then
    echo "test-aarch64: test_gemm did not run the NEON kernel ($neon_ok gemm_neon__ tests passed, $neon_skip skipped)" >&2
    bad="$bad neon"
fi
fi

conf=""
for r in $([ -n "$units" ] && echo ref cpu); do
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
if [ -n "$units" ]; then
echo "== qemu-aarch64 $B/edgebench run zoo:fmnist-mlp -v 'ref;cpu:threads={1,2}' -n 5"
rc=0
run "$B/edgebench" run zoo:fmnist-mlp -v 'ref;cpu:threads={1,2}' -n 5 -o "$B/logs/run.json" || rc=$?
[ "$rc" = 0 ] || bad="$bad edgebench-run(exit $rc)"
fi

# the CLI tests under qemu.  All of them take longer than a test target
# should (see README); by default a subset that covers the command's paths
# (CLI_SUBSET: run, its errors, the farm contract, resume, isolation and
# signals, kills, inspect, saved models, fuzz regressions; about 4 minutes
# here), CLI_TESTS=all the whole set.
# Left out of the subset for their time alone: test_zoo (over 900 s under
# qemu), test_compress (503 s), test_malformed (over 5 min).
CLI_SUBSET='tests/cli/test_run.sh tests/cli/test_run_errors.sh tests/cli/test_run_contract.sh tests/cli/test_resume.sh
tests/cli/test_sigterm.sh tests/cli/test_processes.sh tests/cli/test_inspect.sh tests/cli/test_output_links.sh
tests/cli/test_fuzz_regress.sh tests/cli/test_save_model.sh tests/cli/test_if_inline.sh tests/cli/test_layers.sh
tests/cli/test_calibrate_energy.sh tests/cli/test_isa_leaves.sh tests/cli/test_kill.sh tests/cli/test_layer_drift.sh
tests/cli/test_report.sh tests/cli/test_provenance.sh'
# the CLI tests under qemu: QEMU_SKIP names those that cannot work there
# and why (one "name|reason" a line)
QEMU_SKIP='
lib|the helpers the tests source, not a test
test_docs|runs make install from the tree: the build system, checked by make test on the host
test_install|runs make install from the tree: the build system, checked by make test on the host
test_dist|runs make dist from the tree: the build system, checked by make test on the host
test_compare|plants a 1.2x slowdown and needs its verdict: emulated timings on a loaded host are too noisy for that
test_history|plants a 1.2x slowdown over two real runs and needs the trend to mark it: emulated timings are too noisy for that
'
cli_pass=0 cli_fail=0 cli_skip=0 cli_files=0 cli_files_skipped=0 cli_bad=""
cli_start=$(date +%s)
case " $PARTS " in *" cli "*)
    QB=$B/qemu
    sh scripts/qemu_build.sh "$B" "$QB"
    [ "${CLI_TESTS:-}" = all ] && CLI_TESTS=$(echo tests/cli/*.sh)
    for t in ${CLI_TESTS:-$CLI_SUBSET}; do
        name=${t##*/}
        name=${name%.sh}
        why=$(printf '%s\n' "$QEMU_SKIP" | sed -n "s/^$name|//p")
        if [ -n "$why" ]; then
            echo "== $t: SKIP under qemu-user: $why"
            cli_files_skipped=$((cli_files_skipped + 1))
            continue
        fi
        log=$B/logs/cli-$name.log
        echo "== $t (qemu-aarch64)"
        t0=$(date +%s)
        rc=0
        EB_TEST_QEMU=1 EDGEBENCH=./$QB/edgebench BUILD=$QB timeout -k 10 "$TEST_TIMEOUT" sh "$t" >"$log" 2>&1 || rc=$?
        t1=$(date +%s)
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
        echo "   $((t1 - t0)) s, exit $rc: ${line:-no summary line}"
        grep -E '^(FAIL|SKIP) ' "$log" | head -n 20 | sed 's/^/   /'
        cli_files=$((cli_files + 1))
        if [ -n "$line" ]; then
            set -- $line
            cli_pass=$((cli_pass + $1))
            cli_fail=$((cli_fail + $3))
            cli_skip=$((cli_skip + $5))
        fi
        [ "$rc" = 0 ] || cli_bad="$cli_bad $name(exit $rc)"
    done
    ;;
esac
cli_end=$(date +%s)
bad="$bad$cli_bad"

end=$(date +%s)
echo
echo "test-aarch64: $(qemu-aarch64 --version | head -n 1), $($CROSS_CC --version | head -n 1)"
echo "test-aarch64: unit tests, $drivers cmocka drivers: $passed passed, $failed failed, $skipped skipped"
echo "test-aarch64: NEON kernel: $neon_ok gemm_neon__ tests passed; default kernel: $(sed -n 's/.*; default \([a-z0-9]*\)$/\1/p' "$glog")"
echo "test-aarch64: ONNX conformance under qemu:$conf"
case " $PARTS " in *" cli "*)
    echo "test-aarch64: CLI tests under qemu: $cli_files files run ($cli_files_skipped skipped whole), checks $cli_pass passed, $cli_fail failed, $cli_skip skipped, $((cli_end - cli_start)) s"
    ;;
esac
echo "test-aarch64: wall time $((end - start)) s"
if [ -n "$bad" ]; then
    echo "test-aarch64: FAILED:$bad" >&2
    exit 1
fi
echo "test-aarch64: all passed"
