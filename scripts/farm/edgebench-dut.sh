#!/bin/sh
# edgebench-dut.sh - runs an edgebench bundle on the device under test, for
# the farm engines that put a shell on the device (LAVA's test shell, a
# self-hosted GitHub Actions runner, a Jenkins agent):
#
#   edgebench-dut.sh BUNDLE.tar.gz OUT_DIR [RUN ARGS...]
#
# unpacks the bundle (edgebench-VERSION-TARGET.tar.gz: bin/edgebench,
# manifest.json, SHA256SUMS) into OUT_DIR/bundle, checks every file against
# SHA256SUMS, runs `bin/edgebench run RUN ARGS... --out-dir OUT_DIR/results`
# with its output in OUT_DIR/run.log, and reads the contract's last stdout
# line, `EDGEBENCH_DONE rc=N results=PATH sha256=HEX`, checking that the
# results file has that SHA-256.  It prints one line,
#
#   rc=N results=PATH sha256=HEX verdict=pass|partial|fail|infra
#
# (pass: rc 0; partial: rc 3, some variant failed; fail: any other rc the
# run gave; infra: the bundle was bad, the run never reached its last line,
# or its results file is missing or not the one the line names), and exits
# with the run's rc, or 75 for infra, the exit status farm engines retry on.
set -u
[ $# -ge 2 ] || { echo "usage: edgebench-dut.sh BUNDLE.tar.gz OUT_DIR [RUN ARGS...]" >&2; exit 2; }
BUNDLE=$1 OUT=$2
shift 2

infra() {
    echo "edgebench-dut: $*" >&2
    echo "rc=75 results= sha256= verdict=infra"
    exit 75
}

mkdir -p "$OUT/bundle" "$OUT/results" || infra "cannot create $OUT"
tar -xzf "$BUNDLE" -C "$OUT/bundle" || infra "cannot unpack $BUNDLE"
# the bundle's top folder (edgebench-VERSION-TARGET/) or its root
ROOT=$(dirname "$(find "$OUT/bundle" -name SHA256SUMS -type f | head -n 1)")
[ -f "$ROOT/SHA256SUMS" ] && [ -f "$ROOT/manifest.json" ] || infra "$BUNDLE has no SHA256SUMS or manifest.json"
(cd "$ROOT" && sha256sum --quiet -c SHA256SUMS) >&2 || infra "$BUNDLE: files do not match SHA256SUMS"
[ -x "$ROOT/bin/edgebench" ] || infra "$BUNDLE has no executable bin/edgebench"

"$ROOT/bin/edgebench" run "$@" --out-dir "$OUT/results" >"$OUT/run.log" 2>"$OUT/run.err"
code=$?
last=$(tail -n 1 "$OUT/run.log")
case "$last" in
"EDGEBENCH_DONE rc="*" results="*" sha256="*) ;;
*) infra "the run (exit $code) did not end with an EDGEBENCH_DONE line; see $OUT/run.log and $OUT/run.err" ;;
esac
rc=$(echo "$last" | sed -n 's/.* rc=\([0-9]*\) .*/\1/p')
results=$(echo "$last" | sed -n 's/.* results=\(.*\) sha256=.*/\1/p')
sha=$(echo "$last" | sed -n 's/.* sha256=\([0-9a-f]*\)$/\1/p')
[ "$rc" = "$code" ] || echo "edgebench-dut: the line says rc=$rc, the exit status was $code" >&2
verdict=fail
case "$rc" in 0) verdict=pass ;; 3) verdict=partial ;; esac
if [ -n "$results" ] && [ -f "$results" ]; then
    got=$(sha256sum "$results" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || infra "$results has SHA-256 $got, the line says $sha"
elif [ "$rc" = 0 ] || [ "$rc" = 3 ]; then
    infra "the run says rc=$rc but its results file '$results' is missing"
fi
echo "rc=$rc results=$results sha256=$sha verdict=$verdict"
exit "$rc"
