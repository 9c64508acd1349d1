# test_zoo.sh - the trained zoo: `edgebench models` lists it, and on the full
# Fashion-MNIST test set the ref runner's top-1 accuracy equals what PyTorch
# measured at export (manifest) within 0.1 percentage point, so that the
# importer, the kernels or the preprocessing can never drift silently.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
MANIFEST=models/zoo/manifest.json

expect 0 "models" -- "$EDGEBENCH" models --cache "$BUILD/arch"
# every model of the manifest, however many (it grows: students, variants)
ZOO_NAMES=$("$PY" -c 'import json, sys; print(" ".join(m["name"] for m in json.load(open(sys.argv[1]))["models"]))' "$MANIFEST")
[ -n "$ZOO_NAMES" ] || { echo "FAIL no model names read from $MANIFEST"; FAILS=$((FAILS + 1)); }
for m in $ZOO_NAMES; do
    contains "$TMP/out" "$m" "models lists $m"
done
contains "$TMP/out" "mobilenet_v2" "models lists the architecture models"
expect 0 "inspect an embedded model" -- "$EDGEBENCH" inspect zoo:fmnist-cnn
contains "$TMP/out" "unsupported ops: none" "zoo models are fully supported"
expect 2 "an unknown zoo name" -- "$EDGEBENCH" inspect zoo:nope
contains "$TMP/err" "no such model in the zoo" "unknown zoo name is explained"

# the default set is the zoo; every image of the test set
# generous timeout: under ASan the 10,000 images take minutes
expect 0 "ref on the full test set" -- "$EDGEBENCH" run -v ref --eval all -n 1 --min-time 0 --warmup 0 --timeout 1800 -o "$TMP/zoo.json"
expect 0 "accuracy matches PyTorch within 0.1 pp" -- "$PY" - "$TMP/zoo.json" "$MANIFEST" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
# the default set: the image models (the text decoders are --scenario generate's, test_generate.sh)
manifest = {m["name"]: m for m in json.load(open(sys.argv[2]))["models"] if m["task"] != "text-generation"}
seen = set()
for r in doc["results"]:
    t = r["accuracy"]["task_metric"]
    ref = manifest[r["model"]]["pytorch_accuracy"]
    assert t["count"] == 10000, (r["model"], t)
    diff = abs(t["value"] - ref) * 100
    print(f'{r["model"]}: edgebench {t["value"]*100:.2f}%  PyTorch {ref*100:.2f}%  diff {diff:.3f} pp')
    assert diff <= 0.1, r["model"]
    seen.add(r["model"])
assert seen == set(manifest), seen
PYEOF
cat "$TMP/out"

# a copy of a zoo file is recognised by its SHA-256 and gets its metric
cp models/zoo/fmnist-mlp.onnx "$TMP/copy.onnx"
expect 0 "a zoo file by path" -- "$EDGEBENCH" run "$TMP/copy.onnx" --eval 200 -n 2 --min-time 0 -o "$TMP/copy.json"
expect 0 "task metric for a copy" -- "$PY" - "$TMP/copy.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))["results"][0]["accuracy"]["task_metric"]
assert t["count"] == 200 and 0.7 < t["value"] <= 1 and t["delta_vs_baseline"] == 0, t
PYEOF
finish
