# lib.sh - helpers for the command-line tests (sourced).  Each test script
# runs $EDGEBENCH (set by `make cli-test`) and checks exit codes and output.
set -u
: "${EDGEBENCH:?set EDGEBENCH to the edgebench binary}"
: "${BUILD:=build}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/eb-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILS=0
PASSES=0
SKIPS=0

# expect CODE DESCRIPTION -- CMD...: runs CMD, captures stdout/stderr in
# $TMP/out and $TMP/err, checks the exit status.
expect() {
    want=$1; desc=$2; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $desc: exit $got, expected $want"
        sed 's/^/  stderr: /' "$TMP/err" | head -5
        FAILS=$((FAILS + 1))
        return 1
    fi
    PASSES=$((PASSES + 1))
    return 0
}

# contains FILE TEXT DESCRIPTION: FILE must contain TEXT.
contains() {
    if grep -qF -- "$2" "$1"; then
        PASSES=$((PASSES + 1))
    else
        echo "FAIL $3: '$2' not in $(basename "$1"):"
        head -5 "$1" | sed 's/^/  /'
        FAILS=$((FAILS + 1))
    fi
}

# skip WHAT REASON: WHAT cannot be checked on this machine; says so, and
# counts it in finish's line.
skip() {
    echo "SKIP $1: $2"
    SKIPS=$((SKIPS + 1))
}

finish() {
    echo "$PASSES passed, $FAILS failed, $SKIPS skipped"
    [ "$FAILS" -eq 0 ]
}
