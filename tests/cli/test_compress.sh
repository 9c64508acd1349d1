# test_compress.sh - compression variants as a run sees them: the sweep of
# issue 11's "done when" (fmnist-cnn over pruning x quantization on ref and
# cpu) records every cell with its bytes, top-1 and what the transforms
# did layer by layer; cpu says which layers ran on the reference kernels
# (the int8 ones) and runs the weight-only formats on its own kernels;
# bad settings exit 2 with one line.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DATA=/usr/share/libonnx-testdata/data/pytorch-converted

expect 0 "prune x quant sweep on ref and cpu" -- "$EDGEBENCH" run zoo:fmnist-cnn \
    -v 'ref:prune={none,0.5,2:4,channel:0.3},quant={none,fp16,int8,int8-static,int4}' \
    -v 'cpu:prune={0.9,2:4},quant={int8,int4}' -n 1 --warmup 0 --min-time 0 --eval 200 --calib 8 -o "$TMP/c.json"
expect 0 "every cell ran and says what it stored" -- "$PY" - "$TMP/c.json" <<'PYEOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
r = {x["variant"]["spec"]: x for x in res}
assert len(r) == 24, sorted(r)
base = r["ref"]
assert base["compression"] is None
for spec, x in r.items():
    if spec == "ref:prune=channel:0.3,quant=int4":  # the pruned widths leave no reduction group 32 divides
        assert x["status"] == "unsupported" and "group=32 divides the reduction length of no layer" in x["error"], x
        continue
    assert x["status"] == "ok", (spec, x["status"], x["error"])
    if spec == "ref":
        continue
    c = x["compression"]
    assert c and c["layers"], spec
    assert x["accuracy"]["task_metric"]["count"] == 200, spec
    storages = {l["storage"] for l in c["layers"]}
    if "quant=" in spec:
        assert c["bytes_after"] < c["bytes_before"], (spec, c["bytes_before"], c["bytes_after"])
        assert ("f16" if "fp16" in spec else "quant") in storages, (spec, storages)
    if "quant=int8" in spec:
        acts = {l.get("activations") for l in c["layers"] if l["storage"] == "quant"}
        assert acts == {"static" if "static" in spec else "dynamic"}, (spec, acts)
    if "prune=channel" in spec:  # the graph really shrinks; the first layer (skip) and the last (output) keep theirs
        assert x["cost"]["params"] < base["cost"]["params"] and x["cost"]["macs"] < base["cost"]["macs"], spec
        shrunk = [l for l in c["layers"] if l.get("channels_after", 0) < l.get("channels_before", 0)]
        assert [l["node"] for l in shrunk] == ["/conv2/Conv", "/fc1/Gemm"], (spec, c["layers"])
        assert "skip" in c["layers"][0]["note"] and "graph output" in c["layers"][-1]["note"], spec
    elif "prune=" in spec:
        assert x["cost"]["macs_nonzero"] < x["cost"]["macs"], spec
        assert x["cost"]["flops_nonzero"] == x["cost"]["flops"] - 2 * (x["cost"]["macs"] - x["cost"]["macs_nonzero"]), spec
        # first and last kept dense by default, and they say why
        assert "prune-skip" in c["layers"][0].get("note", "") and "prune-skip" in c["layers"][-1].get("note", ""), spec
    assert len({l["node"] for l in c["layers"]}) == len(c["layers"]), (spec, "one entry per layer")
    if spec.startswith("cpu:"):  # every format on cpu's own kernels (int8 ones bit-exact per layer)
        assert not x["reference_fallbacks"], (spec, x["reference_fallbacks"])
st = r["ref:quant=int8-static"]["compression"]
assert st["calib_inputs"] == 8 and "training" in st["calib_source"], st
PYEOF

expect 0 "a pre-compressed weight in a skip list stays fp32" -- "$EDGEBENCH" run zoo:fmnist-cnn \
    -v 'ref:quant=int8,quant-skip=first|/fc2/Gemm' -n 1 --warmup 0 --min-time 0 --eval 0 -o "$TMP/s.json"
expect 0 "quant-skip kept those layers dense" -- "$PY" - "$TMP/s.json" <<'PYEOF'
import json, sys
x = json.load(open(sys.argv[1]))["results"][0]
layers = {l["node"]: l for l in x["compression"]["layers"]}
assert layers["/conv1/Conv"]["storage"] == "dense" and layers["/fc2/Gemm"]["storage"] == "dense", layers
assert layers["/conv2/Conv"]["storage"] == "quant", layers
PYEOF

expect 2 "a fraction outside (0,1)" -- "$EDGEBENCH" run zoo:fmnist-cnn -v ref:prune=1.5 -n 1
contains "$TMP/err" "prune fraction must be 0 < F < 1" "names the rule"
expect 2 "N:M with N >= M" -- "$EDGEBENCH" run zoo:fmnist-cnn -v ref:prune=4:4 -n 1
contains "$TMP/err" "N:M needs integers 0 < N < M" "names the rule"
expect 2 "a group that divides no reduction" -- "$EDGEBENCH" run zoo:fmnist-cnn -v ref:quant=int4,group=7 -n 1
contains "$TMP/err" "group=7 divides the reduction length of no layer" "names the group and a layer"
expect 0 "the default group fitting no layer of a model: unsupported, the sweep goes on" -- "$EDGEBENCH" run \
    zoo:fmnist-student zoo:fmnist-mlp -v ref:quant=int4 -n 1 --warmup 0 --min-time 0 --eval 0 -o "$TMP/g.json"
expect 0 "fmnist-student (reductions 9, 72, 784) is unsupported, fmnist-mlp ran" -- "$PY" - "$TMP/g.json" <<'PYEOF'
import json, sys
r = {x["model"]: x for x in json.load(open(sys.argv[1]))["results"] if x["variant"]["spec"] == "ref:quant=int4"}
assert r["fmnist-student"]["status"] == "unsupported" and "group=32 divides the reduction length of no layer" in r["fmnist-student"]["error"], r["fmnist-student"]
assert r["fmnist-mlp"]["status"] == "ok", r["fmnist-mlp"]
PYEOF
expect 2 "int8-static without calibration data" -- "$EDGEBENCH" run "$DATA/test_Linear/model.onnx" \
    -v ref:quant=int8-static -n 1
contains "$TMP/err" "quant=int8-static needs calibration data" "says what is missing"
expect 2 "a skip list naming no layer" -- "$EDGEBENCH" run zoo:fmnist-cnn -v 'ref:quant=int8,quant-skip=nope' -n 1
contains "$TMP/err" "no Conv, Gemm or MatMul layer with a constant weight is named 'nope'" "names the bad name"
finish
