#!/bin/sh
# test_malformed.sh - the malformed corpus: over a thousand broken models
# and result files, generated here from the zoo and tests/data/results/
# (tests/fuzz/malformed.py says how), each through inspect and run -v ref
# or report, compare and history add.  Every command must exit cleanly
# with a message, within 1 s of CPU time and a 2 GiB address space; a
# failure names the file.  Prints the count and the slowest clean exit.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if ! "$PY" -c 'import onnx' 2>/dev/null; then
    skip "malformed corpus" "the onnx Python package is missing (Debian python3-onnx; scripts/deps.sh installs it)"
    finish
    exit
fi
expect 0 "malformed corpus generated" -- "$PY" tests/fuzz/malformed.py gen "$TMP/corpus"
cat "$TMP/out"
n=$(($(ls "$TMP/corpus/models" | wc -l) + $(ls "$TMP/corpus/results" | wc -l)))
if [ "$n" -lt 1000 ]; then
    echo "FAIL the corpus has $n files, fewer than 1000"
    FAILS=$((FAILS + 1))
fi
expect 0 "every malformed file exits cleanly" -- "$PY" tests/fuzz/malformed.py check "$EDGEBENCH" "$TMP/corpus" 2
cat "$TMP/out"
finish
