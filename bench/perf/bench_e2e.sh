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
cp "$(dirname "$0")/ort_peer.js" "$(dirname "$0")/ort_agree.js" "$ORT/"

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

# peer check of our compression: fmnist-cnn exported with quant=int8 (QDQ,
# --save-model) and run by ONNX Runtime, against the int8 variant as
# edgebench computes it in memory (ref, integer arithmetic), on one batch
B=16
"$EB" run zoo:fmnist-cnn -v ref:quant=int8 -n 1 --warmup 0 --eval 0 --save-model "$OUT/sm" -o "$OUT/x.json" >/dev/null 2>&1 || true
SAVED=$("$PY" -c "
import json, sys
try: r = json.load(open(sys.argv[1]))['results'][0]
except Exception as e: print('!no result file: %s' % e); sys.exit()
print(r.get('saved_model') or '!%s: %s' % (r['status'], r['error']))" "$OUT/x.json")
case $SAVED in
'!'*) echo "int8 export agreement (ONNX Runtime vs edgebench ref): unavailable: the int8 variant was not exported (${SAVED#!})" ;;
*)
    mkdir -p "$OUT/in"
    "$PY" - "$OUT/in" $B <<'PYEOF'
import sys, numpy as np, onnx.numpy_helper as nh
x = np.random.default_rng(1).random((int(sys.argv[2]), 1, 28, 28), dtype=np.float32)
x.tofile(sys.argv[1] + "/x.f32")
open(sys.argv[1] + "/input_0.pb", "wb").write(nh.from_array(x, "input").SerializeToString())
PYEOF
    if ! node "$ORT/ort_agree.js" "$SAVED" "$OUT/in/x.f32" "$B,1,28,28" "$OUT/ort.f32"; then
        echo "int8 export agreement: unavailable: ONNX Runtime could not run $SAVED"
    elif ! "$EB" run zoo:fmnist-cnn -v ref:quant=int8 -n 1 --warmup 0 --batch $B --inputs "$OUT/in" --save-outputs "$OUT/eb" >/dev/null 2>"$OUT/eb.err"; then
        echo "int8 export agreement: unavailable: edgebench could not run the int8 variant: $(tail -1 "$OUT/eb.err")"
    else
        "$PY" - "$OUT/ort.f32" "$OUT/eb/fmnist-cnn/ref:quant=int8/output_0.pb" $B <<'PYEOF'
import sys, numpy as np, onnx, onnx.numpy_helper as nh
o = np.fromfile(sys.argv[1], dtype=np.float32).reshape(int(sys.argv[3]), -1)
t = onnx.TensorProto(); t.ParseFromString(open(sys.argv[2], "rb").read())
e = nh.to_array(t).reshape(o.shape)
agree = (o.argmax(1) == e.argmax(1)).mean() * 100
print(f"int8 export agreement, fmnist-cnn, batch {o.shape[0]}: the exported QDQ file in ONNX Runtime against the "
      f"in-memory int8 variant on edgebench ref: max |diff| = {np.abs(o - e).max():.3g}, top-1 agreement {agree:.1f}%")
PYEOF
    fi ;;
esac
