# test_report.sh - `edgebench report`: bad usage, bad input files and an
# unwritable folder exit 2; a report rendered from a real sweep plus a
# SYNTHETIC second file (made here with python from the real one: the ref
# results copied as ref:threads=2 and ref:threads=4 with every sample
# divided by 1.8 and 3.1, because this machine's runners give no real
# thread scaling to draw) has every plot as a real PNG and well-formed SVG,
# a self-contained index.html and the markdown tables; the thread-scaling
# and Pareto plots carry the numbers computed here independently; JSON
# Lines input works; names from the inputs are escaped everywhere; without
# gnuplot, or with one that fails, the exit status is 75 and the tables
# are still written.
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx
PY=/usr/bin/python3

# ---- failure paths first ----
expect 0 "--help" -- "$EDGEBENCH" report --help
contains "$TMP/out" "usage: edgebench report RESULTS... -o DIR" "help text"
expect 2 "bad flag" -- "$EDGEBENCH" report --bogus x.json -o "$TMP/rep"
contains "$TMP/err" "edgebench report: unknown option '--bogus' (see edgebench report --help)" "one line on a bad flag"
expect 2 "no -o" -- "$EDGEBENCH" report x.json
contains "$TMP/err" "-o DIR is required" "says -o is missing"
expect 2 "no result files" -- "$EDGEBENCH" report -o "$TMP/rep"
contains "$TMP/err" "no result files" "says files are missing"
expect 2 "missing file" -- "$EDGEBENCH" report "$TMP/nope.json" -o "$TMP/rep"
contains "$TMP/err" "nope.json" "names the missing file"
printf '{"schema_version": 1, "results": [{"model": "m", "status": "ok"}]}' >"$TMP/novariant.json"
expect 2 "result without a variant" -- "$EDGEBENCH" report "$TMP/novariant.json" -o "$TMP/rep"
contains "$TMP/err" "novariant.json: a result lacks model, variant or a known status" "the loader's message"
printf '{"schema_version": 1, "results": [' >"$TMP/truncated.json"
expect 2 "truncated file" -- "$EDGEBENCH" report "$TMP/truncated.json" -o "$TMP/rep"
contains "$TMP/err" "truncated.json" "names the truncated file"
[ ! -e "$TMP/rep" ] && PASSES=$((PASSES + 1)) || { echo "FAIL bad input created the report folder"; FAILS=$((FAILS + 1)); }

# ---- a real sweep (ref and, where built, the cpu runner) ----
expect 0 "run" -- "$EDGEBENCH" run zoo:fmnist-mlp "$A" -v ref -v cpu -n 20 --min-time 0 -o "$TMP/r.json"
expect 2 "folder under a file" -- "$EDGEBENCH" report "$TMP/r.json" -o /dev/null/rep
contains "$TMP/err" "/dev/null/rep: cannot write the report there" "says the folder is not writable"
expect 2 "folder is a file" -- "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/r.json"

# SYNTHETIC: not a measurement.  Copies of the real ref results, relabelled
# as threads=2 and 4 with samples (and so every order statistic and the
# CI) divided by 1.8 and 3.1, plus the unchanged ref results, so that
# (model, ref) appears in both files and must be labelled by start time.
"$PY" - "$TMP/r.json" "$TMP/synthetic.json" <<'PYEOF'
import copy, json, sys
d = json.load(open(sys.argv[1]))
d["run"]["start_time"] = "2000-01-01T00:00:00Z"
d["run"]["command_line"] = ["SYNTHETIC", "test_report.sh: ref results copied as threads=2,4 with samples divided by 1.8, 3.1"]
out = []
for r in d["results"]:
    if r["variant"]["spec"] != "ref" or r["status"] != "ok":
        continue
    out.append(r)
    for threads, speedup in ((2, 1.8), (4, 3.1)):
        c = copy.deepcopy(r)
        c["variant"]["threads"] = threads
        c["variant"]["spec"] = "ref:threads=%d" % threads
        c["baseline"] = False
        c["accuracy"]["drift"] = {"available": False, "reason": "synthetic copy"}
        L = c["latency"]
        L["samples"] = [s / speedup for s in L["samples"]]
        for k in ("min", "median", "mean", "p90", "p99", "max", "stddev"):
            if L[k] is not None:  # null: too few samples for it
                L[k] /= speedup
        if L.get("median_ci95"):
            L["median_ci95"]["low"] /= speedup
            L["median_ci95"]["high"] /= speedup
        out.append(c)
d["results"] = out
json.dump(d, open(sys.argv[2], "w"), indent=1)
PYEOF

R=$TMP/report
expect 0 "report from two files" -- "$EDGEBENCH" report "$TMP/r.json" "$TMP/synthetic.json" -o "$R"
contains "$TMP/out" "wrote $R/index.html" "says what it wrote"

expect 0 "files are what they claim" -- "$PY" - "$R" <<'PYEOF'
import os, re, sys, xml.etree.ElementTree as ET
R = sys.argv[1]
plots = ["latency", "memory", "thread_scaling", "accuracy_fmnist-mlp", "accuracy_test_Conv2d",
         "latency_dist_fmnist-mlp", "latency_dist_test_Conv2d"]
for p in plots:
    for ext in ("gp", "dat"):
        assert os.path.getsize(os.path.join(R, p + "." + ext)) > 0, (p, ext)
    with open(os.path.join(R, p + ".png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", p + ".png is not a PNG"
    root = ET.parse(os.path.join(R, p + ".svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", (p, root.tag)
# every result has an energy figure now (measured where a meter exists, else
# estimated): plotted, unless every figure is an op-count estimate (relative
# only: a CPU without a TDP row and no meter), which the report says instead
md = open(os.path.join(R, "report.md"), encoding="utf-8").read()
energy_plotted = "no figure in joules to plot" not in md
if energy_plotted:
    with open(os.path.join(R, "energy.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", "energy.png is not a PNG"
html = open(os.path.join(R, "index.html"), encoding="utf-8").read()
assert html.count("<svg") == len(plots) + energy_plotted, html.count("<svg")  # + energy
xmlns = ('xmlns="http://www.w3.org/2000/svg"', 'xmlns:xlink="http://www.w3.org/1999/xlink"')
rest = html
for x in xmlns:
    rest = rest.replace(x, "")
assert not re.search(r"https?://", rest), re.search(r".{60}https?://.{60}", rest).group(0)
assert "<script" not in html and "<link" not in html and "<img" not in html
# ids of the inlined plots are prefixed, so none collides
ids = re.findall(r'\sid=[\'"]([^\'"]+)', html)
assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
assert "energy per inference: measured for " in html
assert "ref @ 2000-01-01T00:00:00Z" in html, "legend does not label the duplicate by start time"
assert "SYNTHETIC" in html, "the synthetic file's provenance is not shown"
md = open(os.path.join(R, "report.md"), encoding="utf-8").read()
assert "| model | variant | file | median ms | p90 ms | CV |" in md
assert "thread_scaling.png" in md and ("energy.png" in md or not energy_plotted)
PYEOF

# the numbers behind two plots, against values computed here
expect 0 "thread scaling shows the planted speedups" -- "$PY" - "$R/thread_scaling.dat" <<'PYEOF'
import sys
blocks, cur = [], []
for line in open(sys.argv[1]):
    if line.startswith("#"):
        if cur: blocks.append(cur)
        cur = [line.strip()]
    elif line.strip():
        cur.append([float(x) for x in line.split()])
blocks.append(cur)
synthetic = [b for b in blocks if "ref @ 2000-01-01T00:00:00Z" in b[0]]
assert len(synthetic) == 2, [b[0] for b in blocks]  # fmnist-mlp and test_Conv2d
for b in synthetic:
    pts = dict((int(t), s) for t, s in b[1:])
    assert set(pts) == {1, 2, 4}, pts
    for t, want in ((1, 1.0), (2, 1.8), (4, 3.1)):
        assert abs(pts[t] - want) < 1e-6, (b[0], t, pts[t])
PYEOF

expect 0 "Pareto front matches an independent computation" -- "$PY" - "$R" "$TMP/r.json" "$TMP/synthetic.json" <<'PYEOF'
import json, re, sys
R, files = sys.argv[1], sys.argv[2:]
docs = [json.load(open(f)) for f in files]
for model in ("fmnist-mlp", "test_Conv2d"):
    pts = []
    for d in docs:
        for r in d["results"]:
            if r["model"] != model or r["status"] != "ok":
                continue
            acc = r["accuracy"]
            if model == "fmnist-mlp":
                v = acc["task_metric"]["value"] * 100
            elif r["baseline"]:
                v = -0.0
            elif acc["drift"].get("available"):
                v = -acc["drift"]["rel_l2"]
            else:
                continue
            pts.append((r["latency"]["median"], v))
    front = [p for p in pts if not any(q[0] <= p[0] and q[1] >= p[1] and q != p for q in pts)]
    gp = open("%s/accuracy_%s.gp" % (R, model)).read()
    labels = re.findall(r"set label '[^']*' at ([^,]+),(\S+)", gp)
    got = sorted((float(x), float(y)) for x, y in labels)
    want = sorted((c, abs(v) if model != "fmnist-mlp" else v) for c, v in front)
    assert len(got) == len(want), (model, got, want)
    for g, w in zip(got, want):
        assert abs(g[0] - w[0]) <= 1e-7 * w[0] and abs(g[1] - w[1]) <= 1e-7 * max(1, abs(w[1])), (model, got, want)
PYEOF

# one file: nothing at several thread counts, so no scaling plot, and the
# page and report.md say why
expect 0 "report from one file" -- "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/one"
contains "$TMP/one/report.md" "Thread scaling: not plotted: no model and variant was run at more than one thread count" "report.md says why there is no scaling plot"
contains "$TMP/one/index.html" "no model and variant was run at more than one thread count" "the page says why"
[ ! -e "$TMP/one/thread_scaling.png" ] && PASSES=$((PASSES + 1)) || { echo "FAIL scaling plotted from one thread count"; FAILS=$((FAILS + 1)); }

# JSON Lines (written beside r.json by run): same results, no document
expect 0 "report from JSON Lines" -- "$EDGEBENCH" report "$TMP/r.jsonl" -o "$TMP/jsonl"
contains "$TMP/jsonl/report.md" "not recorded (JSON Lines input)" "provenance says what JSON Lines lacks"
contains "$TMP/jsonl/report.md" "| fmnist-mlp | ref |" "the table has the results"

# without gnuplot: exit 75, the tables and scripts are still there
expect 75 "no gnuplot on PATH" -- env PATH=/nonexistent "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/nognuplot"
contains "$TMP/err" "gnuplot not found" "says gnuplot is missing"
contains "$TMP/nognuplot/report.md" "Plots not drawn: gnuplot not found" "report.md says the plots are missing"
contains "$TMP/nognuplot/index.html" "Plots not drawn" "the page says the plots are missing"
[ -s "$TMP/nognuplot/latency.gp" ] && [ ! -e "$TMP/nognuplot/latency.png" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL scripts without gnuplot"; FAILS=$((FAILS + 1)); }

# a gnuplot that fails, and one that draws nothing: exit 75, naming the script
mkdir -p "$TMP/badbin" "$TMP/lazybin"
printf '#!/bin/sh\necho "line 7: boom" >&2\nexit 1\n' >"$TMP/badbin/gnuplot"
printf '#!/bin/sh\nexit 0\n' >"$TMP/lazybin/gnuplot"
chmod +x "$TMP/badbin/gnuplot" "$TMP/lazybin/gnuplot"
expect 75 "gnuplot fails" -- env PATH="$TMP/badbin:$PATH" "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/badgp"
contains "$TMP/err" "gnuplot failed on $TMP/badgp/latency.gp: line 7: boom" "names the script and gnuplot's error"
contains "$TMP/badgp/index.html" "Not drawn: gnuplot failed" "the page says why"
expect 75 "gnuplot draws nothing" -- env PATH="$TMP/lazybin:$PATH" "$EDGEBENCH" report "$TMP/r.json" -o "$TMP/lazygp"
contains "$TMP/err" "wrote no PNG" "says what is missing"

# names from the inputs are text everywhere: HTML, markdown, gnuplot
"$PY" - "$TMP/r.json" "$TMP/hostile.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["model"] == "test_Conv2d":
        r["model"] = "x<img src=y>'\"|&m"
json.dump(d, open(sys.argv[2], "w"))
PYEOF
expect 0 "report with hostile names" -- "$EDGEBENCH" report "$TMP/hostile.json" -o "$TMP/hostile"
expect 0 "hostile names escaped" -- "$PY" - "$TMP/hostile" <<'PYEOF'
import glob, os, sys, xml.etree.ElementTree as ET
R = sys.argv[1]
html = open(os.path.join(R, "index.html"), encoding="utf-8").read()
assert "<img" not in html, "unescaped markup in the page"
assert "x&lt;img src=y&gt;&#39;&quot;|&amp;m" in html
md = open(os.path.join(R, "report.md"), encoding="utf-8").read()
assert "| x&lt;img src=y&gt;'\"\\|&m |" in md, md
assert os.path.exists(os.path.join(R, "accuracy_x_img_src_y_____m.png"))
for f in glob.glob(os.path.join(R, "*.svg")):
    ET.parse(f)
PYEOF

# --no-plots: tables only, exit 0
expect 0 "--no-plots" -- "$EDGEBENCH" report --no-plots "$TMP/r.json" -o "$TMP/noplots"
[ ! -e "$TMP/noplots/latency.png" ] && [ -s "$TMP/noplots/index.html" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL --no-plots"; FAILS=$((FAILS + 1)); }

# two different models both called net.onnx stay two models, told apart
mkdir -p "$TMP/na" "$TMP/nb"
cp "$A" "$TMP/na/net.onnx"
cp "$DATA/test_Linear/model.onnx" "$TMP/nb/net.onnx"
expect 0 "run two nets" -- "$EDGEBENCH" run "$TMP/na/net.onnx" "$TMP/nb/net.onnx" -n 3 -o "$TMP/nets.json"
# (without gnuplot, exit 75, for speed: the tables are written all the same)
expect 75 "report two nets" -- env PATH=/nonexistent "$EDGEBENCH" report "$TMP/nets.json" -o "$TMP/nets-rep"
contains "$TMP/nets-rep/report.md" "| na/net |" "two nets: the first by its folder"
contains "$TMP/nets-rep/report.md" "| nb/net |" "two nets: the second by its folder"

finish
