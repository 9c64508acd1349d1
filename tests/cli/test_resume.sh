# test_resume.sh - run --resume FILE: a sweep of 6 variants killed (SIGKILL)
# after 3 finished, then resumed, holds 6 records, and the first 3 are the
# ones the killed run wrote (same finished_at, same samples), not run again.
# The 4th variant hangs (the test-only EB_TEST_FAULT switch) so that the
# kill lands after exactly 3, whatever this machine's speed.  Also: failed
# records run again, a cut last line is skipped, a missing FILE runs all,
# a file that is not results is refused.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
V='ref;cpu:threads={1,2};cpu:opt={0,1};cpu:threads=2,opt=0'
OPTS="-n 3 --min-time 0 --eval 0"

expect 0 "a run of 6 killed after 3 finished" -- "$PY" - "$EDGEBENCH" "$V" "$TMP/x.json" <<'PYEOF'
import json, os, signal, subprocess, sys, time
eb, v, out = sys.argv[1:]
env = dict(os.environ, EB_TEST_FAULT="hang:fmnist-mlp/cpu:opt=0")
p = subprocess.Popen([eb, "run", "zoo:fmnist-mlp", "-v", v, "-n", "3", "--min-time", "0", "--eval", "0", "-o", out],
                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
jsonl = out[:-5] + ".jsonl"
deadline = time.time() + 120
def lines():
    try:
        return [l for l in open(jsonl).read().split("\n") if l]
    except FileNotFoundError:
        return []
while len(lines()) < 3 and time.time() < deadline and p.poll() is None:
    time.sleep(0.05)
p.send_signal(signal.SIGKILL)
p.wait()
assert len(lines()) == 3, lines()
assert not os.path.exists(out), "the final file of a killed run"
open(out + ".killed", "w").write("\n".join(lines()) + "\n")
PYEOF
expect 0 "resume runs the other 3" -- "$EDGEBENCH" run zoo:fmnist-mlp -v "$V" $OPTS -o "$TMP/x.json" --resume "$TMP/x.json"
contains "$TMP/err" "3 variants kept (ok or unsupported), 3 to run" "resume says what it keeps"
expect 0 "6 records, the first 3 as the killed run wrote them" -- "$PY" - "$TMP/x.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
path, schema = sys.argv[1:]
doc = json.load(open(path))
jsonschema.validate(doc, json.load(open(schema)))
r = doc["results"]
specs = [x["variant"]["spec"] for x in r]
assert specs == ["ref", "cpu", "cpu:threads=2", "cpu:opt=0", "cpu:opt=1", "cpu:threads=2,opt=0"], specs
assert all(x["status"] == "ok" for x in r), [x["status"] for x in r]
killed = [json.loads(l) for l in open(path + ".killed")]
for old, new in zip(killed, r[:3]):
    assert old["finished_at"] == new["finished_at"], (old["finished_at"], new["finished_at"])
    assert old["latency"]["samples"] == new["latency"]["samples"]
later = min(x["finished_at"] for x in r[3:])
assert all(x["finished_at"] < later for x in r[:3]), "the resumed ones are the new ones"
lines = [json.loads(l) for l in open(path[:-5] + ".jsonl")]
assert [l["variant"]["spec"] for l in lines] == specs, "the .jsonl holds all 6 too"
assert [l["finished_at"] for l in lines] == [x["finished_at"] for x in r]
PYEOF

# a failed record runs again; a complete file resumed again runs nothing
expect 3 "a run with a failed variant" -- env EB_TEST_FAULT=fail:fmnist-mlp/cpu "$EDGEBENCH" run zoo:fmnist-mlp \
    -v 'ref;cpu' $OPTS -o "$TMP/f.json"
expect 0 "resume reruns the failed one" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' $OPTS -o "$TMP/f.json" \
    --resume "$TMP/f.json"
contains "$TMP/err" "1 variant kept (ok or unsupported), 1 to run" "only the failed one runs"
expect 0 "both ok now" -- "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"]; assert [x["status"] for x in r] == ["ok", "ok"], r' "$TMP/f.json"
expect 0 "resume a complete run: nothing runs" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' $OPTS \
    -o "$TMP/f2.json" --resume "$TMP/f.json"
contains "$TMP/err" "2 variants kept (ok or unsupported), 0 to run" "nothing to run"

# a resumed run stopped (SIGTERM) before it reached a model: the kept
# records it had not reached are in the final file all the same
B=/usr/share/libonnx-testdata/data/pytorch-converted/test_Linear/model.onnx
expect 0 "two models, two variants" -- "$EDGEBENCH" run zoo:fmnist-mlp "$B" -v 'ref;cpu' $OPTS -o "$TMP/s.json"
expect 0 "the resumed run stopped in the first model" -- "$PY" - "$EDGEBENCH" "$B" "$TMP/s.json" <<'PYEOF'
import json, os, signal, subprocess, sys, time
eb, b, out = sys.argv[1:]
env = dict(os.environ, EB_TEST_FAULT="hang:fmnist-mlp/cpu:threads=2", EB_TEST_PROGRESS="1")
p = subprocess.Popen([eb, "run", "zoo:fmnist-mlp", b, "-v", "ref;cpu;cpu:threads=2", "-n", "3", "--min-time", "0", "--eval", "0",
                      "-o", out, "--resume", out], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = b""
os.set_blocking(p.stderr.fileno(), False)
deadline = time.time() + 60
while b"fmnist-mlp cpu:threads=2" not in err and time.time() < deadline:
    err += p.stderr.read() or b""
    time.sleep(0.05)
time.sleep(0.3)
p.send_signal(signal.SIGTERM)
p.communicate(timeout=30)
assert p.returncode == 130, p.returncode
r = json.load(open(out))["results"]
got = [(x["model"], x["variant"]["spec"], x["status"]) for x in r]
assert got == [("fmnist-mlp", "ref", "ok"), ("fmnist-mlp", "cpu", "ok"), ("fmnist-mlp", "cpu:threads=2", "interrupted"),
               ("test_Linear", "ref", "ok"), ("test_Linear", "cpu", "ok")], got
PYEOF

# a cut last line (a kill in the middle of a write) is skipped, with a warning
head -n 1 "$TMP/f.jsonl" >"$TMP/cut.jsonl"
tail -n 1 "$TMP/f.jsonl" | head -c 100 >>"$TMP/cut.jsonl"
expect 0 "resume from a .jsonl with a cut line" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' $OPTS \
    -o "$TMP/cut.json" --resume "$TMP/cut.jsonl"
contains "$TMP/err" "cut.jsonl:2: not a complete result record; skipped" "the cut line is named"
contains "$TMP/err" "1 variant kept" "the whole line is kept"

# -o X.csv: the records are read back from X.csv.jsonl
expect 3 "a CSV run with a failed variant" -- env EB_TEST_FAULT=fail:fmnist-mlp/cpu "$EDGEBENCH" run zoo:fmnist-mlp \
    -v 'ref;cpu' $OPTS -o "$TMP/c.csv"
expect 0 "resume a CSV run" -- "$EDGEBENCH" run zoo:fmnist-mlp -v 'ref;cpu' $OPTS -o "$TMP/c.csv" --resume "$TMP/c.csv"
contains "$TMP/err" "1 variant kept (ok or unsupported), 1 to run" "a CSV's .jsonl is read"
contains "$TMP/c.csv" '"fmnist-mlp","cpu",cpu,1,none,none,cpu,ok' "the CSV holds the rerun"

# nothing there: everything runs; not results: refused
expect 0 "resume from nothing" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref $OPTS -o "$TMP/n.json" --resume "$TMP/n.json"
contains "$TMP/err" "not there" "a missing file is said"
echo '{"hello": 1}' >"$TMP/bad.json"
expect 2 "resume from a file that is not results" -- "$EDGEBENCH" run zoo:fmnist-mlp -v ref $OPTS \
    --resume "$TMP/bad.json"
expect 0 "run --help names --resume" -- "$EDGEBENCH" run --help
contains "$TMP/out" "--resume FILE" "the help"

finish
