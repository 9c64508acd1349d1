# test_cuda.sh - the cuda runner from the command line.  On a machine
# without a GPU (CI, and any without the NVIDIA driver) `edgebench run
# zoo:fmnist-cnn -v ref -v cuda` still exits 0: ref runs, and cuda is
# recorded `unsupported` with the reason (CUDA's own error text, or that the
# binary was built without the runner), never a crash or a failure.  With a
# GPU, cuda runs and its top-1 accuracy equals ref's.  gemm= and math= are
# the cuda runner's keys: the other runners record them unsupported.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

expect 0 "ref and cuda on the zoo CNN" -- "$EDGEBENCH" run zoo:fmnist-cnn -v ref -v cuda -v 'cuda:math=tf32' \
    -v 'cuda:gemm=cublas' --eval 200 -n 3 --min-time 0 -o "$TMP/r.json"
expect 0 "cuda recorded as ok (same top-1 as ref) or unsupported with a reason" -- "$PY" - "$TMP/r.json" <<'PYEOF'
import json, sys
r = {x["variant"]["spec"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert r["ref"]["status"] == "ok", r["ref"]
c = r["cuda"]
if c["status"] == "ok":
    assert c["accuracy"] == r["ref"]["accuracy"], (c["accuracy"], r["ref"]["accuracy"])
else:
    assert c["status"] == "unsupported", c["status"]
    e = c["error"]
    assert e.startswith("no CUDA device: ") or "not built into this binary" in e or "sm_" in e, e
    for s in ("cuda:math=tf32", "cuda:gemm=cublas"):
        assert r[s]["status"] == "unsupported" and r[s]["error"], r[s]
print("cuda:", c["status"], c["error"] or "")
PYEOF
cat "$TMP/out"
if grep -q '^cuda: ok' "$TMP/out"; then :; else skip "cuda timings and accuracy" "no usable CUDA device here ($(sed 's/^cuda: unsupported //' "$TMP/out"))"; fi

expect 0 "gemm= and math= on the host runners" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref:gemm=cublas' \
    -v 'cpu:math=bf16' -v cpu --eval 0 -n 3 --min-time 0 -o "$TMP/h.json"
expect 0 "refused as unsupported, naming the cuda runner" -- "$PY" - "$TMP/h.json" <<'PYEOF'
import json, sys
r = {x["variant"]["spec"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert r["cpu"]["status"] == "ok", r["cpu"]
for s in ("ref:gemm=cublas", "cpu:math=bf16"):
    assert r[s]["status"] == "unsupported", r[s]
    assert "cuda runner setting" in r[s]["error"], r[s]["error"]
PYEOF
expect 2 "a misspelt value is a usage error" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'cuda:math=fp8'
contains "$TMP/err" "math must be fp32, tf32, fp16 or bf16" "the usage error names the values"
finish
