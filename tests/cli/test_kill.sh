# test_kill.sh - SIGKILLs at random moments (seeded: the same moments on
# every run of the test) during `edgebench run -o X.json` leave no corrupt
# final file and lose at most the variant in flight.  After each kill:
#   - X.json is absent (no run finished yet), the previous complete version,
#     or valid JSON that passes the schema;
#   - X.jsonl holds every variant that had finished: the progress line
#     (EB_TEST_PROGRESS=1, on an unbuffered stderr) names variant k when it
#     starts, after variant k-1's record was written, so k-1 records must be
#     there; only its last line may be cut (the variant in flight's record).
# EB_KILL_TEST_N kills (default 20; `make test-kill` runs 100), with
# EB_KILL_TEST_SEED (default 1).  The delays are drawn from 0 to the time a
# whole run takes here (measured first); a kill that lands after the run
# ended is not counted, and another is drawn.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
N=${EB_KILL_TEST_N:-20}
SEED=${EB_KILL_TEST_SEED:-1}
mkdir "$TMP/tmp"

expect 0 "$N SIGKILLs at random moments" -- env TMPDIR="$TMP/tmp" "$PY" - "$EDGEBENCH" "$TMP" "$SCHEMA" "$N" "$SEED" <<'PYEOF'
import glob, json, os, random, re, signal, subprocess, sys, time
import jsonschema
eb, tmp, schema_path, n, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
schema = json.load(open(schema_path))
out = os.path.join(tmp, "x.json")
jsonl = os.path.join(tmp, "x.jsonl")
err_path = os.path.join(tmp, "kill.stderr")
variants = ["ref", "cpu", "cpu:threads=2"]
cmd = [eb, "run", "zoo:fmnist-mlp", "-v", ";".join(variants), "-n", "3", "--min-time", "0", "--eval", "0", "-o", out]
env = dict(os.environ, EB_TEST_PROGRESS="1")

def start():
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(err_path, "wb"))

# the time a whole run takes here: the kills land within it
durations = []
for _ in range(2):
    t0 = time.monotonic()
    p = start()
    assert p.wait(timeout=300) == 0, open(err_path, "rb").read()[-500:]
    durations.append(time.monotonic() - t0)
span = max(durations)

rng = random.Random(seed)
kills = completed = corrupt = lost = cut = 0
problems = []
while kills < n and kills + completed < 4 * n:
    prev = open(out, "rb").read() if os.path.exists(out) else None
    delay = rng.uniform(0, span)
    p = start()
    time.sleep(delay)
    landed = p.poll() is None
    if landed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    if landed:
        kills += 1
    else:
        completed += 1
    # the final file: absent only if it never was; the previous one; or valid
    if not os.path.exists(out):
        if prev is not None:
            corrupt += 1
            problems.append("kill %d: the previous X.json is gone" % kills)
    else:
        text = open(out, "rb").read()
        if text != prev:
            try:
                jsonschema.validate(json.loads(text), schema)
            except Exception as e:
                corrupt += 1
                problems.append("kill %d after %.3f s: X.json corrupt: %s" % (kills, delay, str(e)[:200]))
    # the records: every finished variant, at most the last line cut
    begun = [int(k) for k in re.findall(rb"\[(\d+)/\d+\]", open(err_path, "rb").read())]
    must = len(variants) if not landed else max(begun, default=1) - 1
    lines = open(jsonl, "rb").read().split(b"\n") if os.path.exists(jsonl) else []
    good = 0
    for i, line in enumerate(lines):
        if not line:
            continue
        try:
            json.loads(line)
            good += 1
        except ValueError:
            if i == len(lines) - 1 and landed:
                cut += 1  # the record being written when the kill came
            else:
                corrupt += 1
                problems.append("kill %d: X.jsonl line %d does not parse" % (kills, i + 1))
    if good < must:
        lost += must - good
        problems.append("kill %d after %.3f s: %d variants finished, %d records" % (kills, delay, must, good))
leftover = glob.glob(os.path.join(tmp, "x.json*.tmp*"))
print("kills: %d (and %d runs that ended before their kill), over %.2f s runs, seed %d" % (kills, completed, span, seed))
print("corrupt final files: %d; finished variants lost: %d; cut last .jsonl lines (in flight): %d" % (corrupt, lost, cut))
print("temporary files left by killed runs (never read): %d" % len(leftover))
for p_ in problems[:10]:
    print("  " + p_)
assert kills == n, "only %d kills landed" % kills
assert corrupt == 0 and lost == 0
PYEOF
cat "$TMP/out"
finish
