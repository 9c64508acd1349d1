# test_run_contract.sh - what `edgebench run` promises a device farm
# (bench/farm_contract.h): --out-dir puts every file under one folder
# (created with its parents; -o and --save-outputs relative to it; an
# absolute path outside refused), --deadline stops starting variants, ends
# the one in flight and writes valid partial results with exit 3, and the
# last stdout line is `EDGEBENCH_DONE rc=N results=PATH sha256=HEX` on
# every exit path (ok, usage error, bad model, partial, environment 75).
# Last, strace -f lists every path the run creates, opens for writing,
# renames or removes, from a cwd that is neither the out dir nor $TMPDIR:
# each must be in one of those two (or the process's own /proc entries).
# The variant that hangs is the test-only EB_TEST_FAULT switch, so the
# deadline does not depend on this machine's speed.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
RUN="run zoo:fmnist-mlp -n 3 --min-time 0 --eval 0"

# done_line RC RESULTS DESC: the last stdout line ($TMP/out) is the
# EDGEBENCH_DONE line with rc=RC and results=RESULTS ("-": none), and its
# sha256 is the file's
done_line() {
    last=$(tail -n 1 "$TMP/out")
    if [ "$2" = - ]; then
        want="EDGEBENCH_DONE rc=$1 results=- sha256=-"
    else
        want="EDGEBENCH_DONE rc=$1 results=$2 sha256=$(sha256sum "$2" 2>/dev/null | cut -d' ' -f1)"
    fi
    if [ "$last" = "$want" ]; then
        PASSES=$((PASSES + 1))
    else
        echo "FAIL $3: last stdout line '$last', expected '$want'"
        FAILS=$((FAILS + 1))
    fi
}

# --out-dir, missing with its parents: the results and their journal inside
D=$TMP/farm/a/b
expect 0 "run --out-dir (created)" -- "$EDGEBENCH" $RUN -v 'ref;cpu' --out-dir "$D"
done_line 0 "$D/results.json" "the done line after an ok run"
[ -f "$D/results.jsonl" ] && PASSES=$((PASSES + 1)) || { echo "FAIL the records journal is not in the out dir"; FAILS=$((FAILS + 1)); }
expect 0 "results.json validates" -- "$PY" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$D/results.json" "$SCHEMA"

# -o and --save-outputs relative: inside the out dir; --format picks the default name
expect 0 "run --out-dir -o rel.csv --save-outputs so" -- "$EDGEBENCH" $RUN --out-dir "$TMP/o2" -o rel.csv --save-outputs so
done_line 0 "$TMP/o2/rel.csv" "the done line names -o inside the out dir"
[ -f "$TMP/o2/so/fmnist-mlp/ref/output_0.pb" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL --save-outputs so did not go inside the out dir"; FAILS=$((FAILS + 1)); }
expect 0 "run --out-dir --format md" -- "$EDGEBENCH" $RUN --out-dir "$TMP/o3" --format md
done_line 0 "$TMP/o3/results.md" "the default name follows --format"

# every exit path after the options: the done line, rc as the exit status
expect 2 "-o outside the out dir is refused" -- "$EDGEBENCH" $RUN --out-dir "$TMP/o4" -o "$TMP/elsewhere.json"
done_line 2 - "the done line after a refused -o"
contains "$TMP/err" "every file goes inside it" "the reason for a refused -o"
expect 2 "a bad option value" -- "$EDGEBENCH" run --out-dir "$TMP/o5" -n zero
done_line 2 - "the done line after a usage error"
expect 2 "a bad option value before --out-dir" -- "$EDGEBENCH" run -n zero --out-dir="$TMP/o5"
done_line 2 - "the done line after a usage error met before --out-dir"
expect 2 "a missing model" -- "$EDGEBENCH" run "$TMP/none.onnx" --out-dir "$TMP/o6"
done_line 2 - "the done line after a missing model"
printf 'not a model' >"$TMP/bad.onnx"
expect 3 "a broken model" -- "$EDGEBENCH" run "$TMP/bad.onnx" -n 3 --min-time 0 --out-dir "$TMP/o7"
done_line 3 "$TMP/o7/results.json" "the done line after a broken model"
expect 75 "an out dir that cannot be created" -- "$EDGEBENCH" $RUN --out-dir /proc/edgebench-no/such
done_line 75 - "the done line after an environment failure"
expect 2 "--deadline 0" -- "$EDGEBENCH" $RUN --deadline 0 --out-dir "$TMP/o8"
done_line 2 - "the done line after a bad --deadline"
expect 0 "no --out-dir: no done line" -- "$EDGEBENCH" $RUN -o "$TMP/plain.json"
if grep -q EDGEBENCH_DONE "$TMP/out"; then
    echo "FAIL a run without --out-dir printed the done line"
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi

# --deadline: cpu hangs; it is ended at the deadline, cpu:threads=2 never
# starts; both are recorded `deadline`, the file validates, exit 3, and the
# run ends near the deadline (the variant's --timeout is 100 s)
start=$(date +%s)
EB_TEST_FAULT=hang:fmnist-mlp/cpu expect 3 "--deadline ends a hanging sweep" -- \
    "$EDGEBENCH" $RUN -v 'ref;cpu;cpu:threads=2' --timeout 100 --deadline 5 --out-dir "$TMP/dl"
took=$(($(date +%s) - start))
done_line 3 "$TMP/dl/results.json" "the done line after the deadline"
if [ "$took" -le 40 ]; then PASSES=$((PASSES + 1)); else echo "FAIL --deadline 5 took $took s"; FAILS=$((FAILS + 1)); fi
expect 0 "the deadline's results" -- "$PY" -c '
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
st = {r["variant"]["spec"]: (r["status"], r["error"]) for r in d["results"]}
assert st["ref"][0] == "ok", st
assert st["cpu"][0] == "deadline" and "ended at the --deadline" in st["cpu"][1], st
assert st["cpu:threads=2"][0] == "deadline" and "not run" in st["cpu:threads=2"][1], st
' "$TMP/dl/results.json" "$SCHEMA"
# the farm's retry: --resume results.json (inside the out dir, as -o is)
# keeps ref and runs the two variants the deadline stopped
expect 0 "--resume after the deadline" -- "$EDGEBENCH" $RUN -v 'ref;cpu;cpu:threads=2' --out-dir "$TMP/dl" --resume results.json
done_line 0 "$TMP/dl/results.json" "the done line after the resumed run"
expect 0 "the resumed results" -- "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = {r["variant"]["spec"]: r["status"] for r in d["results"]}
assert st == {"ref": "ok", "cpu": "ok", "cpu:threads=2": "ok"}, st
' "$TMP/dl/results.json"
# --processes K: the same stop, through the interleaved path
EB_TEST_FAULT=hang:fmnist-mlp/cpu expect 3 "--deadline with --processes 2" -- \
    "$EDGEBENCH" $RUN -v 'ref;cpu;cpu:threads=2' --processes 2 --seed 3 --timeout 100 --deadline 5 --out-dir "$TMP/dlp"
done_line 3 "$TMP/dlp/results.json" "the done line after the deadline (--processes 2)"
expect 0 "the deadline's results (--processes 2)" -- "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = {r["variant"]["spec"]: r["status"] for r in d["results"]}
assert st.get("cpu") == "deadline", st
assert len(st) == 3, st
' "$TMP/dlp/results.json"

# no write outside the out dir and the temporary folder
if ! command -v strace >/dev/null 2>&1; then
    echo "FAIL writes traced: strace not installed (make deps installs it)"
    FAILS=$((FAILS + 1))
elif ! strace -f -qq -e trace=getpid true >/dev/null 2>&1; then
    skip "writes traced" "strace cannot trace here (ptrace not permitted)"
else
    mkdir -p "$TMP/cwd" "$TMP/tmpdir"
    # LeakSanitizer stops the world with ptrace, which a traced process
    # cannot: under make test SANITIZE=1 the traced run checks no leaks
    # (every other run of the tests does)
    grep -q __asan_init "$EDGEBENCH" 2>/dev/null && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    eb=$EDGEBENCH
    case $eb in /*) ;; *) eb=$(pwd)/$eb ;; esac
    expect 0 "the traced run" -- sh -c 'cd "$1/cwd" && TMPDIR="$1/tmpdir" strace -f -qq -y -o "$1/trace.log" -e trace=%file \
        "$2" run zoo:fmnist-mlp -v "ref;cpu" -n 3 --min-time 0 --eval 20 --out-dir ../traced --save-outputs so --save-model sm -o r.json' \
        sh "$TMP" "$eb"
    expect 0 "every write is in the out dir or the temporary folder" -- "$PY" - "$TMP/trace.log" "$TMP/cwd" \
        "$TMP/traced" "$TMP/tmpdir" <<'PYEOF'
import os, re, sys
log, cwd, outd, tmpd = sys.argv[1:]
outd, tmpd = os.path.realpath(outd), os.path.realpath(tmpd)
allowed = (outd + "/", tmpd + "/", "/proc/self/", "/dev/null")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
# calls whose path arguments are all written: (name, indexes of (dirfd, path) or path)
calls = {"mkdir": [0], "mkdirat": [(0, 1)], "rename": [0, 1], "renameat": [(0, 1), (2, 3)],
         "renameat2": [(0, 1), (2, 3)], "unlink": [0], "unlinkat": [(0, 1)], "rmdir": [0],
         "link": [1], "linkat": [(2, 3)], "symlink": [1], "symlinkat": [(1, 2)], "creat": [0],
         "truncate": [0], "mknod": [0], "mknodat": [(0, 1)], "chmod": [0], "fchmodat": [(0, 1)],
         "chown": [0], "fchownat": [(0, 1)], "utimensat": [(0, 1)]}
def args_of(s):
    out = []
    for m in re.finditer(r'\s*(\d+<[^>]*>|"(?:[^"\\]|\\.)*"|[^,]+)\s*(?:,|$)', s):
        out.append(m.group(1))
    return out
def path_of(dirfd, p):
    p = p.strip('"')
    if p.startswith("/"):
        return os.path.normpath(p)
    m = re.match(r"\d+<(.*)>$", dirfd or "")
    base = m.group(1) if m else cwd
    return os.path.normpath(os.path.join(base, p))
bad, seen = [], 0
for line in open(log):
    m = re.match(r"(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)", line.strip())
    if not m or int(m.group(4)) < 0:
        continue
    pid, name, rest = m.group(1), m.group(2), m.group(3)
    a = args_of(rest)
    paths = []
    if name in ("open", "openat"):
        flags = a[2] if name == "openat" else a[1]
        if any(f in flags for f in WRITE_FLAGS):
            paths.append(path_of(a[0] if name == "openat" else None, a[1] if name == "openat" else a[0]))
    elif name in calls:
        for ix in calls[name]:
            if isinstance(ix, tuple):
                paths.append(path_of(a[ix[0]], a[ix[1]]))
            else:
                paths.append(path_of(None, a[ix]))
    for p in paths:
        seen += 1
        q = re.sub(r"^/proc/%s/" % pid, "/proc/self/", p)
        q = re.sub(r"^/proc/\d+/", "/proc/self/", q)
        if not (q.startswith(allowed) or q in (outd, tmpd)):
            bad.append((name, p))
print("%d written paths traced" % seen)
assert seen >= 6, "too few writes traced: is the trace parsed?"
assert not bad, "written outside the out dir and the temporary folder: %s" % sorted(set(bad))[:10]
PYEOF
    cat "$TMP/out"
    [ -f "$TMP/traced/r.json" ] && [ -d "$TMP/traced/sm" ] && [ -z "$(ls -A "$TMP/cwd")" ] && PASSES=$((PASSES + 1)) ||
        { echo "FAIL the traced run's files are not where --out-dir puts them"; FAILS=$((FAILS + 1)); }
fi

finish
