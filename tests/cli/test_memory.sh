# test_memory.sh - `edgebench run`'s memory figures from the outside: the
# peak of a single-variant run agrees within 5% with /usr/bin/time -v's
# "Maximum resident set size" for the same run (time reports the largest
# process of the run, here the variant's, which loads the model and keeps
# it); the default --eval gives the same figures as --eval 0 (the test set
# is not in them); --no-isolate still runs.  The model (32 MiB of Gemm
# weights) is written here by a few lines of protobuf encoding.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export PYTHONPATH="$(dirname "$0")"  # onnx_pb.py
SCHEMA=reports/results-schema.json

# gemm PATH K N: x [1, K] -> Gemm(W [K, N]) -> y, W filled with a pattern
"$PY" - "$TMP/big.onnx" 64 131072 <<'PYEOF'
import struct, sys
from onnx_pb import field, s, value_info, model
path, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pattern = b"".join(struct.pack("<f", 0.001 * (i + 1)) for i in range(97))
raw = (pattern * (k * n // 97 + 1))[: 4 * k * n]
tensor = field(1, 0, k) + field(1, 0, n) + field(2, 0, 1) + s(8, "w") + field(9, 2, raw)
node = s(1, "x") + s(1, "w") + s(2, "y") + s(3, "gemm") + s(4, "Gemm")
graph = field(1, 2, node) + s(2, "big") + field(5, 2, tensor) + field(11, 2, value_info("x", [1, k])) + \
    field(12, 2, value_info("y"))
open(path, "wb").write(model(graph, "test_memory.sh"))
PYEOF

# field FILE KEY: results[0].memory[KEY]
field() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["memory"][sys.argv[2]])' "$1" "$2"; }

validate() {
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}

# under AddressSanitizer (make test SANITIZE=1) resident sizes carry ASan's
# redzones, quarantine and shadow maps: the exact comparisons skip
if grep -q __asan_init "$EDGEBENCH" 2>/dev/null; then ASAN=yes; else ASAN=; fi

if [ -n "$ASAN" ]; then
    skip "time -v agreement" "an AddressSanitizer build: resident sizes are ASan's"
elif [ -x /usr/bin/time ]; then
    expect 0 "single variant under time -v" -- /usr/bin/time -v -o "$TMP/time.txt" \
        "$EDGEBENCH" run "$TMP/big.onnx" -v ref --eval 0 -n 3 -o "$TMP/big.json"
    expect 0 "the result matches the schema" -- validate "$TMP/big.json"
    expect 0 "peak agrees with time -v within 5%" -- "$PY" - "$TMP/big.json" "$TMP/time.txt" <<'PYEOF'
import json, re, sys
mem = json.load(open(sys.argv[1]))["results"][0]["memory"]
kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1))
ours, theirs = mem["peak_rss_bytes"], kb * 1024
print("peak_rss_bytes", ours, "time -v", theirs)
assert abs(ours - theirs) <= 0.05 * theirs, (ours, theirs)
# the parts: the weights are resident before prepare; ref adds little
assert mem["rss_before_prepare_bytes"] - mem["rss_start_bytes"] >= mem["weight_bytes"], mem
assert mem["peak_growth_bytes"] is not None and mem["peak_growth_bytes"] < mem["weight_bytes"], mem
PYEOF
else
    echo "SKIP: /usr/bin/time not installed (Debian package time): the time -v agreement is not checked"
fi

# the test set (10000 Fashion-MNIST images) is read after the figures
if [ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    expect 0 "fmnist-mlp --eval 0" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref --eval 0 -n 3 -o "$TMP/e0.json"
    expect 0 "fmnist-mlp default --eval" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref -n 3 -o "$TMP/e1.json"
    expect 0 "the same figures with and without evaluation" -- "$PY" - "$TMP/e0.json" "$TMP/e1.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p))["results"][0] for p in sys.argv[1:3])
assert b["accuracy"]["task_metric"]["count"] == 1000, b["accuracy"]
test_set = 10000 * 28 * 28  # bytes of the images alone
for k in ("peak_rss_bytes", "rss_before_prepare_bytes"):
    print(k, a["memory"][k], b["memory"][k])
    assert abs(a["memory"][k] - b["memory"][k]) < test_set / 4, (k, a["memory"], b["memory"])
PYEOF
else
    echo "SKIP: Fashion-MNIST test set not installed (Debian package dataset-fashion-mnist)"
fi

# the harness's own sample buffer is not the variant's memory: 10 samples
# or a second of them (tens of thousands for this model) grow the same
if [ -n "$ASAN" ]; then
    skip "samples left out of the growth" "an AddressSanitizer build: resident sizes are ASan's"
else
expect 0 "cpu, 10 samples" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu --eval 0 -n 10 --min-time 0 -o "$TMP/s10.json"
expect 0 "cpu, 2 s of samples" -- "$EDGEBENCH" run zoo:fmnist-mlp -v cpu --eval 0 -n 10 --min-time 2 -o "$TMP/s2.json"
expect 0 "peak growth does not count the samples" -- "$PY" - "$TMP/s10.json" "$TMP/s2.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p))["results"][-1] for p in sys.argv[1:3])
ga, gb = a["memory"]["peak_growth_bytes"], b["memory"]["peak_growth_bytes"]
n = b["latency"]["n"]
print("growth", ga, gb, "samples", a["latency"]["n"], n)
assert n > 10000, n  # enough samples that their 8 bytes each would show
# counted, they would add n * 8 bytes (and the statistics' copies more);
# a quarter of that leaves room for a few pages of noise
assert abs(gb - ga) < n * 8 / 4, (ga, gb, n)
PYEOF
fi

expect 0 "--no-isolate still runs" -- "$EDGEBENCH" run "$TMP/big.onnx" -v ref --eval 0 -n 2 --no-isolate -o "$TMP/ni.json"
[ "$(field "$TMP/ni.json" peak_rss_source)" = VmHWM ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL --no-isolate has no VmHWM peak"; FAILS=$((FAILS + 1)); }

finish
