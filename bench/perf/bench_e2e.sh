#!/bin/sh
# bench_e2e.sh - end to end, fp32, batch 1: the cpu runner against ONNX
# Runtime (CPU, npm onnxruntime-node) on the same ONNX files, at 1 and 2
# threads, measured side by side in one run and printed as ratios.
#
#   sh bench/perf/bench_e2e.sh EDGEBENCH MODEL_DIR ORT_DIR [RUNS]
#
# MODEL_DIR holds NAME/model.onnx (scripts/export_arch.py); ORT_DIR has
# node_modules/onnxruntime-node (make bench installs it there).  ONNX
# Runtime is a benchmark-time peer only, never a dependency of edgebench.
set -eu
EB=$1 MODELS=$2 ORT=$3 RUNS=${4:-20}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/eb-bench-XXXXXX")
trap 'rm -rf "$OUT"' EXIT
cp "$(dirname "$0")/ort_peer.js" "$ORT/ort_peer.js"

printf '%-14s %7s %12s %12s %10s %12s\n' model threads "edgebench ms" "ORT ms" "ORT/eb" "t2/t1 (eb)"
for m in mobilenet_v2 resnet18 bert; do
    f=$MODELS/$m/model.onnx
    [ -f "$f" ] || { echo "$m: $f missing (make zoo-large)"; continue; }
    "$EB" run "$f" -v 'cpu:threads={1,2}' -n "$RUNS" --warmup 3 -o "$OUT/$m.json" >/dev/null
    for t in 1 2; do
        node "$ORT/ort_peer.js" "$f" $t "$RUNS" 3 >"$OUT/$m-ort$t.json"
    done
    "$PY" - "$OUT/$m.json" "$OUT/$m-ort1.json" "$OUT/$m-ort2.json" "$m" <<'PYEOF'
import json, sys
eb = {r["variant"]["threads"]: r for r in json.load(open(sys.argv[1]))["results"]}
ort = {t: json.load(open(sys.argv[1 + t])) for t in (1, 2)}
for t in (1, 2):
    r = eb[t]
    if r["status"] != "ok":
        print(f"{sys.argv[4]:<14} {t:>7} {r['status']}: {r['error']}")
        continue
    e, o = r["latency"]["median"], ort[t]["median_ms"]
    scale = f'{eb[2]["latency"]["median"] / eb[1]["latency"]["median"]:.2f}' if t == 2 and eb[1]["status"] == "ok" else ""
    print(f"{sys.argv[4]:<14} {t:>7} {e:>12.2f} {o:>12.2f} {o / e:>10.2f} {scale:>12}")
PYEOF
done
echo "ORT/eb >= 1: edgebench's cpu runner is at least as fast as ONNX Runtime; t2/t1 <= 0.6 is the scaling target"
