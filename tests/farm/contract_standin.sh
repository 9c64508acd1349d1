#!/bin/bash
# contract_standin.sh - TEMPORARY, for tests/cli/test_farm.sh only: the
# run contract of issue 17 (`run --out-dir DIR`, the last stdout line
# `EDGEBENCH_DONE rc=N results=PATH sha256=HEX`) in front of an edgebench
# that predates it.  The test puts it in a hand-assembled bundle as
# bin/edgebench, beside the real binary as bin/edgebench.real, and uses it
# only when `edgebench run --help` has no --out-dir.  Delete it once the
# contract is on main.  EB_STANDIN_EXEC: a wrapper for the real binary
# (qemu-user cannot run this script itself).
here=$(dirname "$0")
if [ "${1:-}" != run ]; then exec ${EB_STANDIN_EXEC:-} "$here/edgebench.real" "$@"; fi
shift
args=() out=
while [ $# -gt 0 ]; do
    case "$1" in
    --out-dir) out=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
    esac
done
[ -n "$out" ] || exec ${EB_STANDIN_EXEC:-} "$here/edgebench.real" run "${args[@]}"
mkdir -p "$out" || exit 2
${EB_STANDIN_EXEC:-} "$here/edgebench.real" run "${args[@]}" -o "$out/results.json"
rc=$?
[ -f "$out/results.json" ] || exit $rc
echo "EDGEBENCH_DONE rc=$rc results=$out/results.json sha256=$(sha256sum <"$out/results.json" | cut -c1-64)"
exit $rc
