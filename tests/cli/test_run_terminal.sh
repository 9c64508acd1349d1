# test_run_terminal.sh - what `edgebench run` shows while it works: the
# table (units, columns, legend), the progress line on a terminal (under
# `script`, which gives the run a pseudo-terminal) and never in logs, and
# Ctrl-C (SIGINT): exit 130, the finished results and the interrupted one
# written, and a line that says so.  Hangs come from the test-only
# EB_TEST_FAULT switch, so nothing depends on how fast this machine is.
. "$(dirname "$0")/lib.sh"
DATA=/usr/share/libonnx-testdata/data/pytorch-converted
A=$DATA/test_Conv2d/model.onnx
B=$DATA/test_Linear/model.onnx
C=$DATA/test_ReLU/model.onnx
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

# the table: sub-millisecond medians in µs or ns, never "0.000"; the new columns
expect 0 "table run" -- "$EDGEBENCH" run "$B" -v 'ref;cpu' -n 5
contains "$TMP/out" "× ref" "the relative column"
contains "$TMP/out" "fallbacks" "the fallback column"
cp "$TMP/out" "$TMP/table"
expect 0 "medians have units, not 0.000" -- "$PY" - "$TMP/table" <<'PYEOF'
import re, sys
rows = open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]
rows = [r for r in rows if r.startswith("test_Linear")]
assert len(rows) == 2, rows
for r in rows:
    assert "0.000" not in r, r
    assert re.search(r"\d (ns|µs|ms|s) ", r), r
assert "×1.00" in rows[0], rows[0]
PYEOF

# no progress line when stderr is not a terminal: logs stay clean
expect 0 "run into a log" -- "$EDGEBENCH" run "$A" -n 3
if grep -q "ETA" "$TMP/err" || tr -d '\n' <"$TMP/err" | grep -q "$(printf '\r')"; then
    echo "FAIL progress was written to a non-terminal stderr"
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi

# on a terminal: elapsed time and ETA, refreshed at least once a second
# (a variant that hangs for its 4 s timeout is redrawn at least 3 times)
if command -v script >/dev/null 2>&1; then
    EB_TEST_FAULT=hang:test_Linear/ref script -q -c \
        "'$EDGEBENCH' run '$A' '$B' -n 3 --timeout 4" /dev/null </dev/null >"$TMP/tty" 2>&1
    contains "$TMP/tty" "[1/2] test_Conv2d ref: " "progress names the variant"
    contains "$TMP/tty" "ETA" "progress shows an ETA"
    expect 0 "progress redraws while a variant runs" -- "$PY" - "$TMP/tty" <<'PYEOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
draws = re.findall(r"\[2/2\] test_Linear ref: [a-z-]+[^,]*, ([0-9.]+) s, ETA \S+ \| run ([0-9.]+) s", text)
elapsed = sorted({float(e) for e, _ in draws})
assert len(elapsed) >= 3, draws
assert elapsed[-1] >= 2.0, elapsed
PYEOF
else
    echo "SKIP progress on a terminal: script (bsdutils) is not installed"
fi

# Ctrl-C: the variant in flight (a hang) is stopped and recorded as
# interrupted, the finished ones are kept, the ones not started are not
expect 0 "SIGINT stops the run" -- "$PY" - "$EDGEBENCH" "$A" "$B" "$C" "$TMP/int.json" <<'PYEOF'
import os, signal, subprocess, sys, time
eb, a, b, c, out = sys.argv[1:]
env = dict(os.environ, EB_TEST_FAULT="hang:test_Linear/ref", EB_TEST_PROGRESS="1")
# SIGINT as a terminal would leave it (a shell's background job ignores it)
p = subprocess.Popen([eb, "run", a, b, c, "-n", "3", "--min-time", "0", "-o", out], env=env, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
try:
    # the progress line names the hanging variant once its process is started
    err = b""
    os.set_blocking(p.stderr.fileno(), False)
    deadline = time.time() + 60
    while b"[2/3] test_Linear" not in err and time.time() < deadline:
        chunk = p.stderr.read()
        err += chunk or b""
        time.sleep(0.05)
    assert b"[2/3] test_Linear" in err, err
    p.send_signal(signal.SIGINT)
    out_text, rest = p.communicate(timeout=30)
    err += rest or b""
finally:
    if p.poll() is None:
        p.kill()
open(out + ".stdout", "wb").write(out_text)
open(out + ".stderr", "wb").write(err)
assert p.returncode == 130, (p.returncode, err)
PYEOF
contains "$TMP/int.json.stderr" "edgebench: interrupted; 2 results written to $TMP/int.json" "the interrupt line"
contains "$TMP/int.json.stdout" "interrupted: stopped by Ctrl-C" "the table shows the interrupted variant"
expect 0 "interrupted file matches the schema" -- "$PY" - "$TMP/int.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
r = doc["results"]
assert [(x["model"], x["status"]) for x in r] == [("test_Conv2d", "ok"), ("test_Linear", "interrupted")], r
assert "Ctrl-C" in r[1]["error"]
assert r[0]["latency"]["n"] == 3
lines = [json.loads(l) for l in open(sys.argv[1][:-5] + ".jsonl")]
assert [l["status"] for l in lines] == ["ok", "interrupted"], lines
PYEOF
# an interrupted variant is not a regression
expect 0 "run a base" -- "$EDGEBENCH" run "$A" "$B" -n 5 --min-time 0 -o "$TMP/base.json"
expect 0 "compare with the interrupted run" -- "$EDGEBENCH" compare "$TMP/base.json" "$TMP/int.json"
contains "$TMP/out" "interrupted" "compare names the status"

finish
