# test_sigterm.sh - SIGTERM (what a service manager, `timeout` or `kill`
# sends) stops `edgebench run` as Ctrl-C does: the variant in flight is
# recorded as interrupted (naming SIGTERM), the finished ones are kept, the
# final file is valid, exit 130.  Sent to the sweep alone and to its whole
# process group.  The variant in flight hangs (the test-only EB_TEST_FAULT
# switch), so nothing depends on this machine's speed.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

for target in sweep group; do
    expect 0 "SIGTERM to the $target stops the run" -- "$PY" - "$EDGEBENCH" "$TMP/$target.json" "$target" <<'PYEOF'
import os, signal, subprocess, sys, time
eb, out, target = sys.argv[1:]
env = dict(os.environ, EB_TEST_FAULT="hang:fmnist-mlp/cpu", EB_TEST_PROGRESS="1")
p = subprocess.Popen([eb, "run", "zoo:fmnist-mlp", "-v", "ref;cpu;cpu:threads=2", "-n", "3", "--min-time", "0",
                      "--eval", "0", "-o", out], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     start_new_session=True)
try:
    err = b""
    os.set_blocking(p.stderr.fileno(), False)
    deadline = time.time() + 60
    while b"[2/3] fmnist-mlp cpu" not in err and time.time() < deadline:
        err += p.stderr.read() or b""
        time.sleep(0.05)
    assert b"[2/3] fmnist-mlp cpu" in err, err
    time.sleep(0.3)  # the hanging variant's process is up
    if target == "group":
        os.killpg(p.pid, signal.SIGTERM)
    else:
        p.send_signal(signal.SIGTERM)
    text, rest = p.communicate(timeout=30)
    err += rest or b""
finally:
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
open(out + ".stderr", "wb").write(err)
assert p.returncode == 130, (p.returncode, err[-400:])
PYEOF
    contains "$TMP/$target.json.stderr" "interrupted; 2 results written to $TMP/$target.json" "the interrupt line ($target)"
    expect 0 "the final file is valid: ok, then interrupted by SIGTERM ($target)" -- "$PY" - "$TMP/$target.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
r = doc["results"]
assert [(x["variant"]["spec"], x["status"]) for x in r] == [("ref", "ok"), ("cpu", "interrupted")], r
assert "SIGTERM" in r[1]["error"], r[1]["error"]
lines = [json.loads(l) for l in open(sys.argv[1][:-5] + ".jsonl")]
assert [l["status"] for l in lines] == ["ok", "interrupted"], lines
PYEOF
done

finish
