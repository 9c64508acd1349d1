# test_distill.sh - knowledge distillation in the zoo: the student trained on
# labels only (fmnist-student) and the one distilled from fmnist-cnn
# (fmnist-student-kd) are built in, listed, smaller than their teacher,
# trained alike but for the loss, and their task accuracy is measured.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
MANIFEST=models/zoo/manifest.json

expect 0 "models" -- "$EDGEBENCH" models --cache "$BUILD/arch"
contains "$TMP/out" "fmnist-student " "models lists the labels-only student"
contains "$TMP/out" "fmnist-student-kd " "models lists the distilled student"
contains "$TMP/out" "fmnist-student-kd: distilled from fmnist-cnn (temperature" "models names the teacher"

# params as the C side counts them (edgebench inspect), against the teacher's
params() {
    "$EDGEBENCH" inspect "zoo:$1" | sed -n 's/^params: \([0-9,]*\) .*/\1/p' | tr -d ,
}
T=$(params fmnist-cnn)
for m in fmnist-student fmnist-student-kd; do
    S=$(params $m)
    if [ -n "$T" ] && [ -n "$S" ] && [ "$S" -lt "$T" ]; then
        PASSES=$((PASSES + 1))
    else
        echo "FAIL $m has fewer params than fmnist-cnn: '$S' vs '$T'"
        FAILS=$((FAILS + 1))
    fi
done

# the manifest: same seed, epochs and size; only the kd one is distilled,
# from the zoo's fmnist-cnn, at a stated temperature and alpha
expect 0 "manifest describes both students" -- "$PY" - "$MANIFEST" "$T" <<'PYEOF'
import json, sys
m = {e["name"]: e for e in json.load(open(sys.argv[1]))["models"]}
s, kd = m["fmnist-student"], m["fmnist-student-kd"]
assert s["trained"]["seed"] == kd["trained"]["seed"], (s["trained"], kd["trained"])
assert s["trained"]["epochs"] == kd["trained"]["epochs"], (s["trained"], kd["trained"])
assert s["params"] == kd["params"] < int(sys.argv[2]), (s["params"], kd["params"])
assert m["fmnist-cnn"]["params"] == int(sys.argv[2]), "manifest and inspect agree on the teacher"
assert "distilled" not in s, s
d = kd["distilled"]
assert d["teacher"] == "fmnist-cnn" and d["teacher"] in m, d
assert d["temperature"] > 0 and 0 < d["alpha"] <= 1, d
for e in (s, kd):
    assert 0 < e["pytorch_accuracy"] <= 1 and e["pytorch_correct"] == round(e["pytorch_accuracy"] * 10000), e
PYEOF
cat "$TMP/err"

# the distilled student's task accuracy is computed on 1000 test images
expect 0 "run the distilled student" -- "$EDGEBENCH" run zoo:fmnist-student-kd -v ref --eval 1000 -n 2 --min-time 0 -o "$TMP/kd.json"
expect 0 "its accuracy is measured" -- "$PY" - "$TMP/kd.json" "$MANIFEST" <<'PYEOF'
import json, sys
(r,) = json.load(open(sys.argv[1]))["results"]
kd = {e["name"]: e for e in json.load(open(sys.argv[2]))["models"]}["fmnist-student-kd"]
t = r["accuracy"]["task_metric"]
assert r["model"] == "fmnist-student-kd", r["model"]
assert t and t.get("available", True) and t["count"] == 1000, t
assert isinstance(t["value"], (int, float)) and 0 < t["value"] <= 1, t
assert t["reference_full_test_set"] == kd["pytorch_accuracy"], (t, kd["pytorch_accuracy"])
PYEOF
cat "$TMP/err"
finish
