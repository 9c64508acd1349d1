#!/bin/sh
# bench_int8.sh - the compressed variants on the cpu runner end to end,
# batch 1, each printed as a ratio measured side by side in one run:
#  - int8 (dynamic and static) against the suite's own fp32 on
#    mobilenet_v2, resnet18 and the encoder, at 1 and 2 threads, and
#    against ONNX Runtime running the same int8 model exported as QDQ
#    (--save-model);
#  - int8 against fp32 on every zoo model;
#  - prune=channel:0.5 against the unpruned resnet18.
#
#   sh bench/perf/bench_int8.sh EDGEBENCH MODEL_DIR ORT_DIR [RUNS]
#
# Static int8 calibrates on the model's test_data_set_0 inputs (the
# architecture models have random weights and no dataset).
set -eu
EB=$1 MODELS=$2 ORT=$3 RUNS=${4:-20}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/eb-int8-XXXXXX")
trap 'rm -rf "$OUT"' EXIT
cp "$(dirname "$0")/ort_peer.js" "$ORT/"

echo "int8 end to end: speedup = fp32 ms / int8 ms (target >= 2); ORT/eb = ONNX Runtime on the QDQ export / edgebench int8 (target >= 1)"
printf '%-14s %-12s %7s %10s %10s %8s %10s %8s\n' model quant threads "fp32 ms" "int8 ms" speedup "ORT ms" "ORT/eb"
for m in mobilenet_v2 resnet18 bert; do
    f=$MODELS/$m/model.onnx
    [ -f "$f" ] || { echo "$m: $f missing (make zoo-large)"; continue; }
    "$EB" run "$f" -v 'cpu:threads={1,2}' -v 'cpu:quant={int8,int8-static},threads={1,2}' \
        --inputs "$MODELS/$m/test_data_set_0" -n "$RUNS" --warmup 3 --save-model "$OUT/sm-$m" \
        -o "$OUT/$m.json" >/dev/null 2>"$OUT/$m.err" || { echo "$m: $(tail -1 "$OUT/$m.err")"; continue; }
    for q in int8 int8-static; do
        for t in 1 2; do
            saved=$(ls "$OUT/sm-$m"/*/"cpu:quant=$q.onnx" 2>/dev/null | head -1)
            if [ -n "$saved" ] && node "$ORT/ort_peer.js" "$saved" $t "$RUNS" 3 >"$OUT/$m-$q-ort$t.json" 2>"$OUT/ort.err"; then :
            else echo "{\"error\": \"${saved:+ONNX Runtime: }$(tail -1 "$OUT/ort.err" 2>/dev/null | tr -d '"\\')${saved:-no QDQ file saved}\"}" >"$OUT/$m-$q-ort$t.json"; fi
        done
    done
    "$PY" - "$OUT" "$m" <<'PYEOF'
import json, sys
out, m = sys.argv[1], sys.argv[2]
res = {(r["variant"]["quant"], r["variant"]["threads"]): r for r in json.load(open(f"{out}/{m}.json"))["results"]}
for q in ("int8", "int8-static"):
    for t in (1, 2):
        f, r = res.get(("none", t)), res.get((q, t))
        if not f or not r or f["status"] != "ok" or r["status"] != "ok":
            bad = r if r and r["status"] != "ok" else f
            print(f"{m:<14} {q:<12} {t:>7} {bad['status'] if bad else 'missing'}: {bad['error'] if bad else ''}")
            continue
        fm, qm = f["latency"]["median"], r["latency"]["median"]
        o = json.load(open(f"{out}/{m}-{q}-ort{t}.json"))
        ort = f'{o["median_ms"]:>10.2f} {o["median_ms"] / qm:>8.2f}' if "median_ms" in o else f'unavailable: {o["error"]}'
        fb = f'  (fallbacks: {r["reference_fallbacks"]})' if r.get("reference_fallbacks") else ""
        print(f"{m:<14} {q:<12} {t:>7} {fm:>10.2f} {qm:>10.2f} {fm / qm:>8.2f} {ort}{fb}")
PYEOF
done

echo
echo "int8 on the zoo models, 1 thread: fp32 ms / int8 ms (target >= 1: never slower)"
printf '%-18s %10s %12s %8s %12s %8s\n' model "fp32 ms" "int8 ms" ratio "static ms" ratio
for m in $("$EB" models 2>/dev/null | awk '/^zoo/ {z=1; next} /^$/ {z=0} z && NF > 1 && $1 != "name" && $1 !~ /:$/ {print $1}'); do
    "$EB" run "zoo:$m" -v cpu -v 'cpu:quant={int8,int8-static}' -n "$RUNS" --warmup 3 --eval 0 -o "$OUT/z-$m.json" \
        >/dev/null 2>"$OUT/z.err" || { echo "$m: $(tail -1 "$OUT/z.err")"; continue; }
    "$PY" - "$OUT/z-$m.json" "$m" <<'PYEOF'
import json, sys
res = {r["variant"]["quant"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {q: r["latency"]["median"] if r["status"] == "ok" else None for q, r in res.items()}
f = med.get("none")
cells = []
for q in ("int8", "int8-static"):
    v = med.get(q)
    cells.append(f"{v:>12.3f} {f / v:>8.2f}" if f and v else f"{'failed':>12} {'-':>8}")
print(f"{sys.argv[2]:<18} {f:>10.3f} " + " ".join(cells))
PYEOF
done

echo
f=$MODELS/resnet18/model.onnx
if [ -f "$f" ]; then
    "$EB" run "$f" -v cpu -v 'cpu:prune=channel:0.5' -n "$RUNS" --warmup 3 -o "$OUT/ch.json" >/dev/null 2>"$OUT/ch.err" &&
    "$PY" - "$OUT/ch.json" <<'PYEOF' || echo "channel pruning: $(tail -1 "$OUT/ch.err")"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
d, p = r[0]["latency"]["median"], r[1]["latency"]["median"]
print(f"prune=channel:0.5 on resnet18, 1 thread: {d:.2f} ms dense, {p:.2f} ms pruned, speedup {d / p:.2f} (target >= 1.6)")
PYEOF
fi
