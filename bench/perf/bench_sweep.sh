#!/bin/sh
# bench_sweep.sh - the model sweep: edgebench's cpu runner against ONNX
# Runtime (CPU, npm onnxruntime-node) on every model of a folder the suite
# was not tuned on (scripts/export_sweep.py, `make zoo-sweep`), fp32,
# batch 1, at 1 and 2 threads, one table row per model, then how the set
# stands against issue 13's targets.
#
#   sh bench/perf/bench_sweep.sh EDGEBENCH SWEEP_DIR ORT_DIR [MIN_S]
#
# SWEEP_DIR holds NAME/model.onnx and NAME/test_data_set_0/{input,output}_0.pb
# (PyTorch's output).  Each point is at least 5 timed runs and MIN_S seconds
# of them (default 1), after 2 warm-up runs.  edgebench's timed runs use the
# test data's input (--inputs), so its outputs are checked against PyTorch's
# and against ONNX Runtime's on the same input (ort_agree.js); ONNX Runtime's
# timed runs use seeded random inputs (ort_peer.js), which do not change the
# work done.  A model that edgebench or ONNX Runtime cannot load or run gets
# its status and error in its row; the sweep goes on.  The numbers are one
# run on this machine.
set -eu
EB=$1 MODELS=$2 ORT=$3 MIN_S=${4:-1}
RUNS=5 WARMUP=2
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/eb-sweep-XXXXXX")
trap 'rm -rf "$OUT"' EXIT
cp "$(dirname "$0")/ort_peer.js" "$(dirname "$0")/ort_agree.js" "$ORT/"

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
[ -n "$CPU" ] || CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
echo "model sweep: $MODELS, $(date -u '+%Y-%m-%d %H:%M UTC'), CPU: ${CPU:-unknown} ($(nproc) CPUs available)," \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "each point: >= $RUNS timed runs and >= ${MIN_S} s of them, median ms; eb = edgebench cpu, ORT = ONNX Runtime" \
    "$(node -p 'require(process.argv[1]).version' "$(cd "$ORT" && pwd)/node_modules/onnxruntime-node/package.json" 2>/dev/null || echo '(version unknown)')"

"$PY" "$(dirname "$0")/sweep_table.py" header
: >"$OUT/rows.jsonl"
for f in "$MODELS"/*/model.onnx; do
    [ -f "$f" ] || continue
    d=$(dirname "$f")
    m=$(basename "$d")
    data=$d/test_data_set_0
    # edgebench: both thread counts in one call, on the test data's input
    "$EB" run "$f" -v 'cpu:threads={1,2}' -n $RUNS --warmup $WARMUP --min-time "$MIN_S" --timeout 300 \
        --inputs "$data" --save-outputs "$OUT/eb-$m" -o "$OUT/$m.json" >/dev/null 2>"$OUT/$m.err" || true
    for t in 1 2; do
        node "$ORT/ort_peer.js" "$f" $t $RUNS $WARMUP "$MIN_S" >"$OUT/$m-ort$t.json" 2>"$OUT/$m-ort$t.err" || true
    done
    # ONNX Runtime's output on PyTorch's input, raw, for the agreement check
    spec=$("$PY" - "$data/input_0.pb" "$OUT/$m-in.raw" <<'PYEOF'
import sys, numpy as np, onnx, onnx.numpy_helper as nh
t = onnx.TensorProto(); t.ParseFromString(open(sys.argv[1], "rb").read())
x = nh.to_array(t)
x.tofile(sys.argv[2])
print(("int64:" if x.dtype == np.int64 else "") + ",".join(str(d) for d in x.shape))
PYEOF
) || spec=""
    [ -z "$spec" ] || node "$ORT/ort_agree.js" "$f" "$OUT/$m-in.raw" "$spec" "$OUT/$m-ort.raw" 2>"$OUT/$m-agree.err" || true
    if "$PY" "$(dirname "$0")/sweep_table.py" row "$m" "$OUT" "$data/output_0.pb" >"$OUT/row.json" 2>"$OUT/row.err"; then
        cat "$OUT/row.json" >>"$OUT/rows.jsonl"
        "$PY" "$(dirname "$0")/sweep_table.py" print <"$OUT/row.json"
    else
        echo "$m: its row could not be made: $(tail -1 "$OUT/row.err")"
    fi
done
"$PY" "$(dirname "$0")/sweep_table.py" summary <"$OUT/rows.jsonl"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown);" \
    "these are one run on this machine: on a shared or loaded machine ratios move between runs"
