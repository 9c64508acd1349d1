#!/bin/sh
# gpu_check.sh - everything the cuda runner needs checked on a real GPU, in
# one short run (plan: under 10 minutes) on an H100 / H200 machine that has
# only a bare copy of this tree and no network:
#   1. the machine and the dependencies: what is missing is named (nothing
#      is installed; the build's own deps step, which would call apt-get,
#      is marked done when the build's own needs are met);
#   2. the build with CUDA=yes (cudart static: no toolkit library linked);
#   3. test_cuda (GEMM in each math mode, conv / pool / attention graphs,
#      the zoo's top-1 against ref);
#   4. ONNX conformance on the cuda runner;
#   5. the zoo on ref and cuda variants (accuracy, latency, fallbacks);
#   6. the GEMM bench, own kernels against cuBLAS at 4096^2, fp32 and TF32
#      (target: >= 70% of cuBLAS);
#   7. mobilenet_v2, resnet18 and the encoder (models/cache, `make
#      zoo-large`; exported here when absent and torch is present): checked
#      against PyTorch's own output, then timed on cuda variants against
#      PyTorch eager and torch.compile on the same GPU (target: resnet18 and
#      the encoder no slower than eager).
# Each section has a header and a time limit, and a section that cannot run
# says why and the script goes on.  Without a GPU every GPU part says
# "skipped" with CUDA's reason, which makes the script its own dry run.
#
#   sh scripts/gpu_check.sh 2>&1 | tee gpu_check.log
# Environment: CUDA=yes|auto (default yes), BUILD (default build),
# MODEL_CACHE (default models/cache, else build/arch where that has them),
# PYTHON (default: the first of python3, /usr/bin/python3, python that
# imports torch), JOBS.
set -u
cd "$(dirname "$0")/.." || exit 1
T0=$(date +%s)
BUILD=${BUILD:-build}
# the large models: make zoo-large's folder, else the CLI tests' export
CACHE=${MODEL_CACHE:-models/cache}
[ -z "${MODEL_CACHE:-}" ] && [ ! -f "$CACHE/resnet18/model.onnx" ] && [ -f build/arch/resnet18/model.onnx ] && CACHE=build/arch
# the first python that has torch (PyTorch may live in a venv, or in Debian's python3)
if [ -z "${PYTHON:-}" ]; then
    for PY in python3 /usr/bin/python3 python; do "$PY" -c 'import torch' >/dev/null 2>&1 && break; done
    command -v "$PY" >/dev/null 2>&1 || PY=python3
else
    PY=$PYTHON
fi
CUDA=${CUDA:-yes}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-XXXXXX")
EB=./$BUILD/edgebench
LARGE="mobilenet_v2 resnet18 bert"
[ -x /usr/local/cuda/bin/nvcc ] && case ":$PATH:" in *:/usr/local/cuda/bin:*) ;; *) PATH=$PATH:/usr/local/cuda/bin ;; esac

section() { printf '\n==== %s  [t+%ds] ====\n' "$1" $(($(date +%s) - T0)); }
# lim SECONDS CMD...: CMD with a time limit, saying so when it was hit
lim() {
    s=$1; shift
    timeout "$s" "$@"
    rc=$?
    [ $rc -eq 124 ] && echo "  (stopped at the ${s}s limit of this section)"
    return $rc
}

section "1. machine"
date -u
uname -srm
echo "cores: $JOBS; python: $PY; large models: $CACHE"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,compute_cap --format=csv,noheader
else
    echo "nvidia-smi: not found (no NVIDIA driver on this machine?)"
fi
command -v nvcc >/dev/null 2>&1 && nvcc --version | tail -2 || echo "nvcc: not found"

section "1. dependencies"
MISSING_BUILD=""
MISSING_OPT=""
# have KIND:WHAT HINT CRITICAL: KIND pc (pkg-config module), cmd, file, py (python module)
have() {
    what=${1#*:}
    case $1 in
    pc:*) pkg-config --exists "$what" 2>/dev/null ;;
    cmd:*) command -v "$what" >/dev/null 2>&1 ;;
    file:*) [ -e "$what" ] ;;
    py:*) "$PY" -c "import $what" >/dev/null 2>&1 ;;
    esac
    ok=$?
    printf '  %-58s %s\n' "$1 ($2)" "$([ $ok -eq 0 ] && echo ok || echo MISSING)"
    if [ $ok -ne 0 ]; then
        if [ "$3" = build ]; then MISSING_BUILD="$MISSING_BUILD $2"; else MISSING_OPT="$MISSING_OPT $2"; fi
    fi
}
have cmd:cc "a C compiler" build
have cmd:make "make" build
have cmd:nvcc "CUDA toolkit (nvcc)" build
have cmd:pkg-config "pkg-config" build
have pc:libprotobuf-c "libprotobuf-c-dev" build
have cmd:protoc-c "protobuf-c-compiler" build
have file:/usr/include/onnx/onnx.proto "libonnx-dev" build
have pc:libcjson "libcjson-dev" build
have pc:zlib "zlib1g-dev" build
have pc:libcrypto "libssl-dev" build
have pc:sqlite3 "libsqlite3-dev" build
have pc:cmocka "libcmocka-dev: test_cuda" tests
have file:/usr/share/libonnx-testdata/data/node "libonnx-testdata: conformance" tests
have file:/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz "dataset-fashion-mnist: zoo accuracy" tests
have cmd:"$PY" "python3" peers
have py:torch "PyTorch: the peer timings" peers
have py:torchvision "torchvision: mobilenet_v2, resnet18" peers
have py:onnx "python onnx: exporting the large models" peers
echo "missing for the build:${MISSING_BUILD:- nothing}"
echo "missing for tests and peers:${MISSING_OPT:- nothing} (those parts say so and are skipped)"
if [ -n "$MISSING_BUILD" ]; then
    echo "cannot build: install$MISSING_BUILD (Debian package names), then rerun"
    exit 1
fi
# `make`'s deps step (scripts/deps.sh) would try apt-get for optional tools; the
# build's own needs are met (above), and this machine has no network
mkdir -p "$BUILD" && touch "$BUILD/deps.stamp"

section "2. build (CUDA=$CUDA, $JOBS jobs)"
TARGETS="$BUILD/edgebench $BUILD/bench_cuda_gemm $BUILD/tests/test_onnx_node"
pkg-config --exists cmocka 2>/dev/null && TARGETS="$TARGETS $BUILD/tests/test_cuda"
if ! lim 240 make --no-print-directory CUDA="$CUDA" BUILD="$BUILD" -j"$JOBS" $TARGETS >"$OUT/build.log" 2>&1; then
    tail -30 "$OUT/build.log"
    echo "build FAILED (log above)"
    exit 1
fi
grep -E '^edgebench:' "$OUT/build.log" | sort -u
echo "libraries the binary needs (cudart is linked statically; only the driver, libcuda, is loaded at run time):"
ldd "$EB" | sed 's/^/  /'
"$EB" info 2>&1 | sed -n '/^runners:/,$p'

section "3. test_cuda (kernels and graphs against the reference kernels)"
if [ -x "$BUILD/tests/test_cuda" ]; then
    lim 120 "./$BUILD/tests/test_cuda" 2>&1 | grep -vE '^\[ (RUN|      OK) '
else
    echo "skipped: test_cuda not built (libcmocka-dev missing)"
fi

section "4. ONNX conformance on cuda"
if [ -d /usr/share/libonnx-testdata/data/node ]; then
    lim 120 "./$BUILD/tests/test_onnx_node" --runner cuda >"$OUT/conf.log" 2>&1
    grep -E '^conformance|passed, .* failed' "$OUT/conf.log"
    echo "failures (first 30):"
    grep -E '^FAIL|^  FAIL' "$OUT/conf.log" | head -30
    echo "skip reasons (first 15):"
    sed -n '/^skipped, by op/,/^conformance/p' "$OUT/conf.log" | head -16
else
    echo "skipped: libonnx-testdata is not installed"
fi

section "5. zoo: ref and cuda variants (accuracy on 1000 test images, latency, fallbacks)"
lim 150 "$EB" run -v ref -v cuda -v 'cuda:math=tf32' -v 'cuda:math=bf16' -v 'cuda:quant=fp16' -v 'cuda:gemm=cublas' \
    --eval 1000 -n 20 --min-time 0 --warmup 3 -o "$OUT/zoo.json" 2>&1 | grep -v '^ *$'

section "6. GEMM: own kernels against cuBLAS at 4096^2"
lim 90 "./$BUILD/bench_cuda_gemm" 4096

section "7. large models: mobilenet_v2, resnet18, encoder"
missing=""
for m in $LARGE; do [ -f "$CACHE/$m/model.onnx" ] || missing="$missing $m"; done
if [ -n "$missing" ]; then
    if "$PY" -c 'import torch, torchvision, onnx' >/dev/null 2>&1; then
        echo "exporting$missing to $CACHE (scripts/export_arch.py)"
        lim 150 "$PY" scripts/export_arch.py "$CACHE" $missing 2>&1 | grep -vi warning | tail -8
    else
        echo "skipped: $CACHE lacks$missing and $PY cannot import torch, torchvision and onnx to export them"
    fi
fi
CASES=""
for m in $LARGE; do [ -f "$CACHE/$m/model.onnx" ] && CASES="$CASES --case $CACHE/$m"; done
if [ -n "$CASES" ]; then
    echo "-- each model on cuda against PyTorch's own output (its test_data_set_0):"
    lim 90 "./$BUILD/tests/test_onnx_node" --runner cuda --case $CASES 2>&1 | tail -6
    echo "-- edgebench, batch 1, end to end (host copies included):"
    for m in $LARGE; do
        [ -f "$CACHE/$m/model.onnx" ] || continue
        lim 90 "$EB" run "$CACHE/$m/model.onnx" -v cuda -v 'cuda:math=tf32' -v 'cuda:gemm=cublas' \
            -v 'cuda:gemm=cublas,math=tf32' --inputs "$CACHE/$m/test_data_set_0" -n 50 --warmup 5 --min-time 0 \
            -o "$OUT/$m.json" 2>&1 | grep -v '^ *$'
    done
    echo "-- PyTorch on the same GPU:"
    lim 150 "$PY" bench/perf/torch_gpu.py --json "$OUT/torch.json" $LARGE 2>&1 | grep -vi warning
    lim 90 "$PY" bench/perf/torch_gpu.py --tf32 --runs 30 --json "$OUT/torch_tf32.json" resnet18 bert 2>&1 | grep -vi warning
    echo "-- side by side (median ms; eager/cuda >= 1: edgebench no slower than PyTorch eager):"
    "$PY" - "$OUT" $LARGE <<'PYEOF' || echo "  (no comparison: a run above failed)"
import json, os, sys
out, models = sys.argv[1], sys.argv[2:]
def load(p):
    return json.load(open(p)) if os.path.exists(p) else {}
t32, tt = load(os.path.join(out, "torch.json")), load(os.path.join(out, "torch_tf32.json"))
print(f"  {'model':13s} {'variant':28s} {'edgebench':>10s} {'eager':>9s} {'compile':>9s} {'eager/eb':>9s}")
for m in models:
    res = load(os.path.join(out, m + ".json")).get("results", [])
    for r in res:
        spec = r["variant"]["spec"]
        peer = tt.get(m, {}) if "tf32" in spec else t32.get(m, {})
        eb = (r.get("latency") or {}).get("median")
        if r["status"] != "ok" or eb is None:
            print(f"  {m:13s} {spec:28s} {r['status']}: {r.get('error') or ''}")
            continue
        e, c = peer.get("eager"), peer.get("compile")
        f = lambda v: f"{v:9.3f}" if v else "        -"
        print(f"  {m:13s} {spec:28s} {eb:10.3f} {f(e)} {f(c)} {f(e / eb if e else None)}")
PYEOF
else
    echo "skipped: no large model in $CACHE (make zoo-large on a machine with torch, then copy $CACHE here)"
fi

section "done"
echo "total $(($(date +%s) - T0)) s; raw results in $OUT"
