#!/bin/sh
# edgebench-lava.sh - the steps of the LAVA test definition edgebench.yaml:
# fetches the bundle, runs it with ../edgebench-dut.sh, and reports to LAVA
# with lava-test-case:
#
#   edgebench-bundle   pass when the bundle was fetched, unpacked and its
#                      SHA256SUMS verified, and the run reached its
#                      EDGEBENCH_DONE line; fail otherwise (infrastructure)
#   edgebench-run      pass (rc 0) or fail (any other rc; rc 3 is a partial
#                      run), with the rc as its measurement
#   edgebench-results  pass when the results file exists and has the SHA-256
#                      the EDGEBENCH_DONE line gave; skip when the run wrote
#                      none
#
#   edgebench-lava.sh MODE BUNDLE OUT_DIR [RUN ARGS...]
#
# MODE local: the test shell runs on the DUT (an ssh board).  MODE adb: the
# test shell runs in a docker container on the dispatcher with the phone on
# adb ($ANDROID_SERIAL, which LAVA sets): the bundle and edgebench-dut.sh
# are pushed to /data/local/tmp/edgebench, run with `adb shell`, and the
# results pulled back into OUT_DIR.  BUNDLE is a path or an http(s) URL.
# The results file is then printed between EDGEBENCH_RESULTS_BEGIN/END
# lines, so that it is in the job's log.  Exits 0: the verdicts are the
# test cases'.
set -u
[ $# -ge 3 ] || { echo "usage: edgebench-lava.sh local|adb BUNDLE OUT_DIR [RUN ARGS...]" >&2; exit 2; }
MODE=$1 BUNDLE=$2 OUT=$3
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
DUT_SH=$HERE/../edgebench-dut.sh
mkdir -p "$OUT"

fetch() {
    case "$BUNDLE" in
    http://* | https://*)
        if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$OUT/bundle.tar.gz" "$BUNDLE"
        else wget -q -O "$OUT/bundle.tar.gz" "$BUNDLE"; fi ;;
    *) cp "$BUNDLE" "$OUT/bundle.tar.gz" ;;
    esac
}

case "$MODE" in
local)
    if fetch; then
        sh "$DUT_SH" "$OUT/bundle.tar.gz" "$OUT/dut" "$@" >"$OUT/dut.out"
    else
        echo "rc=75 results= sha256= verdict=infra" >"$OUT/dut.out"
    fi
    ;;
adb)
    S=${ANDROID_SERIAL:?adb mode needs ANDROID_SERIAL (LAVA sets it for the device)}
    R=/data/local/tmp/edgebench
    if fetch && adb -s "$S" shell "rm -rf $R && mkdir -p $R" &&
        adb -s "$S" push "$OUT/bundle.tar.gz" "$R/bundle.tar.gz" >/dev/null &&
        adb -s "$S" push "$DUT_SH" "$R/edgebench-dut.sh" >/dev/null; then
        # adb shell quotes nothing: the run's arguments go through as words
        adb -s "$S" shell "sh $R/edgebench-dut.sh $R/bundle.tar.gz $R/dut $*" | tr -d '\r' | tail -n 1 >"$OUT/dut.out"
        remote=$(sed -n 's/.* results=\([^ ]*\) .*/\1/p' "$OUT/dut.out")
        if [ -n "$remote" ] && adb -s "$S" pull "$remote" "$OUT/results.json" >/dev/null; then
            # the same line, naming the pulled copy (its digest is checked again below)
            sed -i "s| results=[^ ]* | results=$OUT/results.json |" "$OUT/dut.out"
        fi
    else
        echo "rc=75 results= sha256= verdict=infra" >"$OUT/dut.out"
    fi
    ;;
*) echo "edgebench-lava.sh: MODE is local or adb, not '$MODE'" >&2; exit 2 ;;
esac

line=$(tail -n 1 "$OUT/dut.out")
rc=$(echo "$line" | sed -n 's/^rc=\([0-9]*\) .*/\1/p')
results=$(echo "$line" | sed -n 's/.* results=\([^ ]*\) .*/\1/p')
sha=$(echo "$line" | sed -n 's/.* sha256=\([0-9a-f]*\) .*/\1/p')
verdict=$(echo "$line" | sed -n 's/.* verdict=\([a-z]*\)$/\1/p')
echo "edgebench: $line"

if [ "$verdict" = infra ] || [ -z "$verdict" ]; then
    lava-test-case edgebench-bundle --result fail
    lava-test-case edgebench-run --result skip
    lava-test-case edgebench-results --result skip
    exit 0
fi
lava-test-case edgebench-bundle --result pass
if [ "$rc" = 0 ]; then
    lava-test-case edgebench-run --result pass --measurement "$rc" --units rc
else
    lava-test-case edgebench-run --result fail --measurement "$rc" --units rc
fi
if [ -n "$results" ] && [ -f "$results" ] && [ "$(sha256sum "$results" | cut -d' ' -f1)" = "$sha" ]; then
    lava-test-case edgebench-results --result pass
    echo "EDGEBENCH_RESULTS_BEGIN $sha"
    cat "$results"
    echo "EDGEBENCH_RESULTS_END"
elif [ -z "$results" ]; then
    lava-test-case edgebench-results --result skip
else
    lava-test-case edgebench-results --result fail
fi
exit 0
