# test_noise.sh - the noise controls from the outside: --pin (refused when
# not a list or not online; recorded when given), --cooldown (recorded, the
# wait at least as long), the speed sentinel (a forced slowdown through the
# simulated clock EB_TEST_SENTINEL_MS is flagged in the record and the
# table; a steady simulated machine is not), the environment checks (a fake
# tree under EB_SYSFS_ROOT, warned once on stderr, in every result),
# --audit cache (a deliberately memoizing variant, EB_TEST_MEMOIZE, is
# flagged; a normal one is audited, its flag left to the machine), and a
# failed variant's noise says why.  Every file matches the schema.  No
# check depends on how fast this machine is.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
M=zoo:fmnist-mlp

validate() { # FILE: the document must match the schema
    "$PY" - "$1" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
}
# field FILE INDEX EXPR: EXPR on result INDEX (r) of FILE
field() {
    "$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][$2]; print($3)" "$1"
}

# ---- --pin: refused before any work ----
n=$(getconf _NPROCESSORS_ONLN)
expect 2 "--pin a CPU that is not online" -- "$EDGEBENCH" run $M --pin "$n" -o "$TMP/x.json"
contains "$TMP/err" "CPU $n is not online" "names the CPU"
expect 2 "--pin not a list" -- "$EDGEBENCH" run $M --pin abc
contains "$TMP/err" "--pin 'abc': not a CPU list" "says it is not a list"
expect 2 "--pin reversed range" -- "$EDGEBENCH" run $M --pin 1-0
contains "$TMP/err" "not a CPU list" "a reversed range is not a list"
expect 2 "--audit unknown" -- "$EDGEBENCH" run $M --audit memory
contains "$TMP/err" "--audit memory: unknown audit (known: cache)" "names the known audits"
expect 2 "--cooldown negative" -- "$EDGEBENCH" run $M --cooldown -1
[ ! -e "$TMP/x.json" ] && PASSES=$((PASSES + 1)) || { echo "FAIL a refused run wrote a file"; FAILS=$((FAILS + 1)); }
expect 0 "run --help documents them" -- "$EDGEBENCH" run --help
contains "$TMP/out" "--pin CPU-LIST" "--pin in the help"
contains "$TMP/out" "--cooldown S" "--cooldown in the help"
contains "$TMP/out" "--audit cache" "--audit in the help"

# ---- --pin, --cooldown, and the sentinel on a simulated slowdown ----
expect 0 "pinned, cooled, slowed" -- env EB_TEST_SENTINEL_MS=2,3 "$EDGEBENCH" run $M -v 'ref;cpu:threads=2' \
    --pin 0 --cooldown 0.3 -n 3 --min-time 0 --eval 0 -o "$TMP/p.json"
field "$TMP/p.json" 0 "r['noise']['pinned'], r['noise']['cpus'], r['noise']['environment']['pinned'], r['noise']['cooldown_s']" >"$TMP/f0"
contains "$TMP/f0" "True 0 0 0" "the first variant: pinned to 0, no cooldown"
field "$TMP/p.json" 1 "r['variant']['spec'], r['noise']['pinned'], r['noise']['cooldown_s'] >= 0.3" >"$TMP/f1"
contains "$TMP/f1" "cpu:threads=2 True True" "the second variant waited the cooldown"
field "$TMP/p.json" 1 "(lambda s: (s['available'], s['simulated'], s['before_ms'], s['after_ms'], s['change'], s['machine_speed_changed']))(r['noise']['sentinel']), r['noise']['flags']" >"$TMP/s1"
contains "$TMP/s1" "(True, True, 2, 3, 0.5, True) ['noise.machine_speed_changed']" "a 50% slowdown is flagged with its figures"
contains "$TMP/out" "noise.machine_speed_changed: the sentinel took 2.00 ms before and 3.00 ms after (+50%" "the table says so"
contains "$TMP/err" "pinned 0" "the environment line names the pin"
expect 0 "the file matches the schema" -- validate "$TMP/p.json"

# a steady (simulated) machine is not flagged
expect 0 "steady" -- env EB_TEST_SENTINEL_MS=2,2 "$EDGEBENCH" run $M -v cpu -n 3 --min-time 0 --eval 0 -o "$TMP/st.json"
field "$TMP/st.json" 0 "r['noise']['sentinel']['machine_speed_changed'], r['noise']['flags'], r['noise']['pinned'], r['noise']['cpus']" >"$TMP/st"
contains "$TMP/st" "False [] False None" "no flag, not pinned"
if grep -q "machine_speed_changed" "$TMP/out"; then echo "FAIL the table flagged a steady machine"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi

# the real clock: the figures exist (their values are this machine's)
expect 0 "real sentinel" -- "$EDGEBENCH" run $M -v cpu -n 3 --min-time 0 --eval 0 -o "$TMP/r.json"
field "$TMP/r.json" 0 "(lambda s: s['available'] and not s['simulated'] and s['before_ms'] > 0 and s['after_ms'] > 0 and s['reps'] == 5 and s['threshold'] == 0.1)(r['noise']['sentinel'])" >"$TMP/rs"
contains "$TMP/rs" "True" "before and after from the clock"

# ---- the environment checks on a fake tree, warned once, in every result ----
ROOT="$TMP/sysfs"
for c in $(seq 0 $((n - 1))); do
    mkdir -p "$ROOT/sys/devices/system/cpu/cpu$c/cpufreq"
    echo powersave >"$ROOT/sys/devices/system/cpu/cpu$c/cpufreq/scaling_governor"
done
mkdir -p "$ROOT/sys/devices/system/cpu/intel_pstate" "$ROOT/sys/devices/system/cpu/smt" "$ROOT/proc/sys/kernel" "$ROOT/proc/42"
echo 0 >"$ROOT/sys/devices/system/cpu/intel_pstate/no_turbo"
echo 1 >"$ROOT/sys/devices/system/cpu/smt/active"
echo 0 >"$ROOT/proc/sys/kernel/randomize_va_space"
echo "0.00 0.01 0.02 1/50 42" >"$ROOT/proc/loadavg"
echo "42 (spinner) R 1 1 1" >"$ROOT/proc/42/stat"
expect 0 "run on the fake tree" -- env EB_SYSFS_ROOT="$ROOT" "$EDGEBENCH" run $M -v 'ref;cpu' -n 3 --min-time 0 --eval 0 -o "$TMP/e.json"
contains "$TMP/err" "environment: governor powersave, turbo on, ASLR off, SMT on, load 0.00 0.01 0.02, busy processes 1, pinned no" "one environment line"
contains "$TMP/err" "warning: noisy environment: governor powersave" "the warning"
c=$(grep -c "^environment:" "$TMP/err")
[ "$c" -eq 1 ] && PASSES=$((PASSES + 1)) || { echo "FAIL the environment was printed $c times, not once"; FAILS=$((FAILS + 1)); }
expect 0 "that file matches the schema" -- validate "$TMP/e.json"
for i in 0 1; do
    field "$TMP/e.json" $i "(lambda e: (e['governor'], e['turbo'], e['aslr'], e['smt'], e['load_average'], e['busy_processes'], e['pinned'], e['noisy']))(r['noise']['environment'])" >"$TMP/e$i"
    contains "$TMP/e$i" "('powersave', 'on', 'off', 'on', '0.00 0.01 0.02', '1', 'no', ['governor', 'turbo', 'smt', 'busy_processes', 'pinned'])" "result $i carries the checks"
done
mkdir -p "$TMP/empty"
expect 0 "run on an empty tree" -- env EB_SYSFS_ROOT="$TMP/empty" "$EDGEBENCH" run $M -v cpu -n 3 --min-time 0 --eval 0 -o "$TMP/u.json"
field "$TMP/u.json" 0 "r['noise']['environment']['governor']" >"$TMP/u"
contains "$TMP/u" "unavailable: $TMP/empty/sys/devices/system/cpu/cpu" "unavailable: the path"
contains "$TMP/u" "No such file or directory" "and the errno"

# ---- --audit cache ----
expect 0 "a memoizing variant" -- env EB_TEST_MEMOIZE=fmnist-mlp/cpu "$EDGEBENCH" run $M -v 'ref;cpu' --audit cache -n 3 --min-time 0 --eval 0 -o "$TMP/a.json"
field "$TMP/a.json" 1 "r['variant']['spec'], (lambda a: (a['available'], a['runs_same'], a['runs_distinct'], a['rounds'], a['rounds_faster'], a['flagged']))(r['noise']['cache_audit']), 'audit.cache_faster_on_repeats' in r['noise']['flags']" >"$TMP/a1"
contains "$TMP/a1" "cpu (True, 20, 20, 4, 4, True) True" "the memoizing variant is flagged"
contains "$TMP/out" "audit.cache_faster_on_repeats:" "the table says so"
expect 0 "the audit matches the schema" -- validate "$TMP/a.json"
field "$TMP/a.json" 0 "r['variant']['spec'], (lambda a: (a['available'], a['runs_same'], a['runs_distinct'], a['rounds']))(r['noise']['cache_audit'])" >"$TMP/a0"
contains "$TMP/a0" "ref (True, 20, 20, 4)" "the normal variant is audited"
field "$TMP/p.json" 0 "r['noise']['cache_audit']" >"$TMP/na"
contains "$TMP/na" "None" "no audit without --audit cache"

# ---- a variant that failed: its noise says why ----
expect 3 "an injected failure" -- env EB_TEST_FAULT=fail:fmnist-mlp/cpu "$EDGEBENCH" run $M -v 'ref;cpu' --audit cache --pin 0 -n 3 --min-time 0 --eval 0 -o "$TMP/fail.json"
expect 0 "its file matches the schema" -- validate "$TMP/fail.json"
field "$TMP/fail.json" 1 "r['status'], r['noise']['pinned'], r['noise']['sentinel']['available'], r['noise']['sentinel']['reason'], r['noise']['cache_audit']['reason']" >"$TMP/fl"
contains "$TMP/fl" "failed True False the variant did not complete its timed runs the variant did not complete its timed runs" "reasons, not figures"

# records as they come carry it too
expect 0 "jsonl" -- "$EDGEBENCH" run $M -v cpu --pin 0 -n 3 --min-time 0 --eval 0 -o "$TMP/j.jsonl"
"$PY" -c "import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r['noise']['pinned'], r['noise']['cpus'])" "$TMP/j.jsonl" >"$TMP/j"
contains "$TMP/j" "True 0" "the JSON Lines record has the noise"

finish
