#!/bin/sh
# test_fuzz_regress.sh - every input a fuzzer once crashed on
# (tests/fuzz/regress/<target>/, minimised; see tests/fuzz/fuzz.mk) goes
# through the normal build and must pass cleanly:
#   - the target's own function, in the plain program
#     $BUILD/tests/fuzz_replay_<target> (tests/fuzz/replay.c): exit 0;
#   - the commands that read such a file: a model through `edgebench
#     inspect` and `edgebench run -v ref`, a result file through `edgebench
#     report` and `edgebench compare`: exit 0, or 2/3 with a message
#     (a line starting "edgebench" on stderr, or run's status column:
#     "failed: ...", "timeout: ..."), never by a signal or a hang.
. "$(dirname "$0")/lib.sh"

REAL=tests/data/results/student.json
# run's message for a variant that did not finish is its row's status
STATUS_RE='(failed|timeout|crashed|unsupported|interrupted):'

# clean DESC CMD...: runs CMD; a signal (status > 128), a hang (60 s:
# timeout's 124) or a silent failure fails
clean() {
    desc=$1
    shift
    timeout 60 "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -gt 128 ] || { [ "$got" -ne 0 ] && [ "$got" -ne 1 ] && [ "$got" -ne 2 ] && [ "$got" -ne 3 ]; }; then
        echo "FAIL $desc: exit $got (a signal, a hang or an unexpected status)"
        tail -3 "$TMP/err" | sed 's/^/  stderr: /'
        FAILS=$((FAILS + 1))
    elif [ "$got" -ne 0 ] && ! grep -q '^edgebench' "$TMP/err" && ! grep -qE "$STATUS_RE" "$TMP/out"; then
        echo "FAIL $desc: exit $got without a message"
        FAILS=$((FAILS + 1))
    else
        PASSES=$((PASSES + 1))
    fi
}

n=0
for t in onnx results idx; do
    for f in tests/fuzz/regress/$t/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        expect 0 "$f: fuzz_replay_$t" -- timeout 60 "./$BUILD/tests/fuzz_replay_$t" "$f"
        case $t in
        onnx)
            cp "$f" "$TMP/model.onnx"
            clean "$f: inspect" "$EDGEBENCH" inspect "$TMP/model.onnx"
            clean "$f: run -v ref" "$EDGEBENCH" run "$TMP/model.onnx" -v ref -n 1 --warmup 0 --min-time 0 --timeout 5 \
                --eval 0 -o "$TMP/r.json"
            ;;
        results)
            clean "$f: report" "$EDGEBENCH" report "$f" --no-plots -o "$TMP/rep"
            clean "$f: compare" "$EDGEBENCH" compare "$REAL" "$f"
            clean "$f: compare (as base)" "$EDGEBENCH" compare "$f" "$REAL"
            ;;
        esac
    done
done
echo "fuzz regressions: $n inputs"
[ "$n" -gt 0 ] || { echo "FAIL no inputs under tests/fuzz/regress/"; FAILS=$((FAILS + 1)); }
finish
