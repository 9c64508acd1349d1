# test_counters.sh - what every result records besides time, from the
# outside: software events (perf or getrusage, named), preempted samples,
# hardware counters (PAPI, else perf_event_open) or the reason, a stub
# libpapi's known counts with IPC and DRAM bytes derived, bytes by memory
# level, CPU frequency and thermal zones
# from a fake sysfs tree (EB_SYSFS_ROOT) and, without one, the reason;
# the result files match the schema; `info` lists the sources.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}
# field FILE EXPR: prints EXPR evaluated on result 0 (r) of FILE
field() {
    "$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print($2)" "$1"
}

# every CPU's cpufreq and two thermal zones
ROOT="$TMP/sysfs"
n=$(getconf _NPROCESSORS_CONF)
i=0
while [ "$i" -lt "$n" ]; do
    d="$ROOT/sys/devices/system/cpu/cpu$i/cpufreq"
    mkdir -p "$d"
    echo 2400000 >"$d/scaling_cur_freq"
    echo performance >"$d/scaling_governor"
    i=$((i + 1))
done
for z in 0 1; do
    mkdir -p "$ROOT/sys/class/thermal/thermal_zone$z"
    echo "zone$z" >"$ROOT/sys/class/thermal/thermal_zone$z/type"
    echo 42000 >"$ROOT/sys/class/thermal/thermal_zone$z/temp"
done

expect 0 "run with a fake sysfs" -- env EB_SYSFS_ROOT="$ROOT" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 20 --eval 0 -o "$TMP/f.json"
expect 0 "the result file matches the schema" -- validate "$TMP/f.json"
field "$TMP/f.json" "r['frequency']['available'], r['frequency']['median_mhz'], r['frequency']['governor'], r['frequency']['throttled']" >"$TMP/fq"
contains "$TMP/fq" "True 2400 performance False" "frequency from the fake tree, not throttled"
field "$TMP/f.json" "[(z['type'], z['start_c'], z['end_c']) for z in r['thermal']['zones']]" >"$TMP/th"
contains "$TMP/th" "[('zone0', 42, 42), ('zone1', 42, 42)]" "both zones at start and end"
field "$TMP/f.json" "r['counters']['software']['source'] in ('perf_event_open', 'getrusage'), r['counters']['software']['runs'] == r['latency']['n'], r['counters']['preemption']['samples'] == r['latency']['n']" >"$TMP/sw"
contains "$TMP/sw" "True True True" "software events and preemption cover every timed sample"
field "$TMP/f.json" "all(0 <= i < r['latency']['n'] and i % r['counters']['preemption']['window'] == 0 for i in r['counters']['preemption']['indices']) and r['counters']['preemption']['preempted_samples'] >= len(r['counters']['preemption']['indices'])" >"$TMP/pre"
contains "$TMP/pre" "True" "preempted indices are the first samples of windows"
field "$TMP/f.json" "(lambda p: p['windows'] == -(-r['latency']['n'] // p['window']) and p['preempted_windows'] <= p['windows'])(r['counters']['preemption'])" >"$TMP/win"
contains "$TMP/win" "True" "the windows cover every sample"
field "$TMP/f.json" "r['counters']['hardware']['available'] or r['counters']['hardware']['reason'].startswith(('perf_event_open(', 'PAPI'))" >"$TMP/hw"
contains "$TMP/hw" "True" "hardware counters, or PAPI's or the errno reason"
field "$TMP/f.json" "(lambda b: b['available'] and sum(b['per_inference'].values()) == r['cost']['bytes_moved'])(r['bytes_by_level'])" >"$TMP/lv"
contains "$TMP/lv" "True" "bytes by level add up to the cost model's bytes moved"

# a stub libpapi with known counts per read (tests/stubs/papi_stub.c): PAPI is
# the source, IPC 3000/2000, DRAM bytes = LLC misses x line (per inference: both
# divided by the runs, so equal to rounding), and DRAM by level from them
STUB="$BUILD/tests/libpapi_stub.so"
if [ -f "$STUB" ]; then
    expect 0 "run on the stub libpapi" -- env EB_PAPI_LIB="$STUB" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 20 --eval 0 -o "$TMP/p.json"
    expect 0 "that file matches the schema" -- validate "$TMP/p.json"
    field "$TMP/p.json" "(lambda h: (h['available'], h['source'], h['ipc'], abs(h['dram_bytes']['per_inference'] - h['per_inference']['cache_misses'] * h['dram_bytes']['line_bytes']) <= 1e-9 * h['dram_bytes']['per_inference']))(r['counters']['hardware'])" >"$TMP/ph"
    contains "$TMP/ph" "(True, 'PAPI 7.0', 1.5, True)" "PAPI's counts, IPC and derived DRAM bytes"
    field "$TMP/p.json" "(lambda b, h: (b['dram_source'], abs(b['per_inference']['DRAM'] - h['dram_bytes']['per_inference']) <= 1e-9 * h['dram_bytes']['per_inference']))(r['bytes_by_level'], r['counters']['hardware'])" >"$TMP/pd"
    contains "$TMP/pd" "('counters', True)" "DRAM bytes by level from the counters"
    expect 0 "info on the stub" -- env EB_PAPI_LIB="$STUB" "$EDGEBENCH" info
    contains "$TMP/out" "                hardware: PAPI 7.0" "info: PAPI the source"
    expect 0 "info without libpapi" -- env EB_PAPI_LIB=/nonexistent/libpapi.so "$EDGEBENCH" info
    contains "$TMP/out" "hardware: perf_event_open" "info: perf_event_open where PAPI is absent"
    contains "$TMP/out" "PAPI not used (/nonexistent/libpapi.so cannot be loaded" "info: and why not PAPI"
else
    skip "the stub libpapi" "$STUB is not built (no papi.h at build time)"
    expect 0 "info without PAPI built in" -- "$EDGEBENCH" info
    contains "$TMP/out" "hardware: perf_event_open" "info: perf_event_open where PAPI is absent"
    contains "$TMP/out" "PAPI not used (PAPI not built in" "info: and why not PAPI"
fi

# no cpufreq, no thermal zones: the reason names the path
mkdir -p "$TMP/empty"
expect 0 "run with an empty sysfs" -- env EB_SYSFS_ROOT="$TMP/empty" "$EDGEBENCH" run zoo:fmnist-mlp -v cpu -n 5 --eval 0 -o "$TMP/e.json"
expect 0 "that file matches the schema too" -- validate "$TMP/e.json"
field "$TMP/e.json" "r['frequency']['available'], r['frequency']['reason']" >"$TMP/nf"
contains "$TMP/nf" "False $TMP/empty/sys/devices/system/cpu/cpu" "no cpufreq: where it looked"
contains "$TMP/nf" "scaling_cur_freq: No such file or directory" "and the errno"

# info lists the sources; a fake cache hierarchy for the memory levels
C="$ROOT/sys/devices/system/cpu/cpu0/cache"
for x in "0 1 Data 48K" "1 2 Unified 1024K" "2 3 Unified 32768K"; do
    set -- $x
    mkdir -p "$C/index$1"
    echo "$2" >"$C/index$1/level"
    echo "$3" >"$C/index$1/type"
    echo "$4" >"$C/index$1/size"
    echo 64 >"$C/index$1/coherency_line_size"
done
expect 0 "info" -- env EB_SYSFS_ROOT="$ROOT" "$EDGEBENCH" info
contains "$TMP/out" "memory levels:  L1 48 KiB, L2 1024 KiB, LLC 32768 KiB (sysfs), line 64 B (sysfs L3 coherency_line_size)" "info: the cache sizes bytes by level use"
contains "$TMP/out" "counters:       software: " "info: software events"
contains "$TMP/out" "                hardware: " "info: hardware counters"
contains "$TMP/out" "cpu frequency:  cpu" "info: cpufreq from the fake tree"
contains "$TMP/out" "thermal:        2 zones: zone0 42.0 C, zone1 42.0 C" "info: thermal zones"
finish
