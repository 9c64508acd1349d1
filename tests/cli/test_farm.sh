# test_farm.sh - the device-farm playbook (scripts/farm/edgebench.yml,
# issue 17 "Dispatch") on one machine: two ssh "boards", sshd in network
# namespaces reached through `ip netns exec NS nc 127.0.0.1 22`, one of
# them running the linux-aarch64-static bundle (make dist) through
# qemu-aarch64 as its exec wrapper, the other hanging; two fake adb phones (tests/farm/fake_adb.sh on PATH as `adb`),
# one normal, one an old adb whose `shell` exits 0 whatever happened.
#   run 1: all four.  The hanging board is infrastructure (75) after three
#          attempts; the other board and the normal phone succeed; the
#          legacy phone's failing run is reported from its DONE line, not
#          from adb's status; the merged file validates against the schema.
#   run 2: the good board and the normal phone again, the legacy phone's
#          adb now hanging (host-side timeout); compare of the two farm
#          runs gives a verdict per device.
#   run 3: a phone offline and a phone whose lock another run holds:
#          infrastructure, no attempt gets further than its first step;
#          a board whose sshd is gone: unreachable; a phone that should
#          measure energy but is charging: preflight; a phone of another
#          arch than the bundle: config (2), no attempt.
# Needs root (network namespaces, sshd); skips with the reason otherwise.
. "$(dirname "$0")/lib.sh"
ROOT=$(pwd)
PY=/usr/bin/python3
fail() { echo "FAIL $1"; FAILS=$((FAILS + 1)); }
pass() { PASSES=$((PASSES + 1)); }
# jcheck DESC FILE PYEXPR: PYEXPR (over d, the JSON document) is true
jcheck() {
    if "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$2" "$3" 2>"$TMP/jerr"; then
        pass
    else
        fail "$1: not ($3) in $2"; head -3 "$TMP/jerr" | sed 's/^/  /'
    fi
}

for tool in ansible-playbook /usr/sbin/sshd ssh-keygen nc ip qemu-x86_64; do
    command -v "$tool" >/dev/null 2>&1 || { fail "$tool is missing (make deps installs it)"; finish; exit; }
done
expect 0 "the playbook parses" -- ansible-playbook --syntax-check -i localhost, scripts/farm/edgebench.yml

NS_A=ebfarm-a-$$ NS_B=ebfarm-b-$$
cleanup() {
    # Ansible's ssh masters (ControlPersist) end with their sessions
    for sock in "$TMP"/cp-*/*; do
        [ -S "$sock" ] && ssh -o ControlPath="$sock" -O exit farm-board >/dev/null 2>&1
    done
    for ns in "$NS_A" "$NS_B"; do
        [ -f "$TMP/sshd-$ns.pid" ] && kill "$(cat "$TMP/sshd-$ns.pid")" 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    [ -n "${KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
if [ "$(id -u)" != 0 ] || ! ip netns add "$NS_A" 2>"$TMP/netns.err"; then
    skip "device farm (ssh boards in network namespaces)" "ip netns add needs root/CAP_SYS_ADMIN: $(id -un), $(cat "$TMP/netns.err" 2>/dev/null)"
    finish; exit
fi
ip netns add "$NS_B" && ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up || { fail "network namespaces"; finish; exit; }

# ---- the bundles ------------------------------------------------------------
# make dist: the host's bundle, and linux-aarch64-static for the board that
# runs it through qemu-aarch64 (test_dist.sh builds it first in make test;
# where it cannot be built, that board runs the x86_64 bundle through
# qemu-x86_64, and says so)
VERSION=$("$EDGEBENCH" --version | awk '{print $NF; exit}')
T=linux-x86_64
TOP=edgebench-$VERSION-$T
make --no-print-directory -s dist BUILD="$BUILD" DIST_DIR="$TMP/dist" >"$TMP/dist.log" 2>&1 &&
    [ -f "$TMP/dist/$TOP.tar.gz" ] || { fail "make dist"; tail -5 "$TMP/dist.log"; finish; exit; }
rm -rf "${TMP:?}/dist/$TOP"
if make --no-print-directory -s dist DIST_DIR="$TMP/dist" TARGET=linux-aarch64-static >"$TMP/dist-a64.log" 2>&1; then
    rm -rf "${TMP:?}/dist/edgebench-$VERSION-linux-aarch64-static"
    A_ARCH=aarch64 A_TARGET=linux-aarch64-static A_WRAP=qemu-aarch64
else
    echo "NOTE: make dist TARGET=linux-aarch64-static failed ($(tail -n 1 "$TMP/dist-a64.log")): board-a runs the x86_64 bundle through qemu-x86_64"
    A_ARCH=x86_64 A_TARGET=$T A_WRAP=qemu-x86_64
fi

# ---- two ssh boards -------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" && ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" || { fail "ssh-keygen"; finish; exit; }
cp "$TMP/id.pub" "$TMP/authorized_keys"
mkdir -p /run/sshd
for ns in "$NS_A" "$NS_B"; do
    cat >"$TMP/sshd-$ns.conf" <<EOF
ListenAddress 127.0.0.1
Port 22
HostKey $TMP/hostkey
AuthorizedKeysFile $TMP/authorized_keys
PidFile $TMP/sshd-$ns.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
    ip netns exec "$ns" /usr/sbin/sshd -f "$TMP/sshd-$ns.conf" -E "$TMP/sshd-$ns.log" || { fail "sshd in $ns"; finish; exit; }
done
# board-b hangs in the run: its exec wrapper runs `edgebench --version`
# (the playbook's check that the binary runs there) but never returns
# from `edgebench run` (a board wedged by the benchmark)
printf '#!/bin/sh\n[ "$2" = run ] && exec sleep 3600\nexec "$@"\n' >"$TMP/hang.sh" && chmod +x "$TMP/hang.sh"

# ---- two fake phones ------------------------------------------------------
mkdir -p "$TMP/bin" "$TMP/adb/phone-1" "$TMP/adb/phone-2" "$TMP/adb/phone-3" "$TMP/adb/phone-4"
ln -s "$ROOT/tests/farm/fake_adb.sh" "$TMP/bin/adb"
export PATH="$TMP/bin:$PATH" FAKE_ADB_ROOT="$TMP/adb"
echo normal >"$TMP/adb/phone-1/mode"
echo legacy >"$TMP/adb/phone-2/mode"
echo normal >"$TMP/adb/phone-3/mode"
echo normal >"$TMP/adb/phone-4/mode"
# phone-4 wants energy, and is charging: a battery meter, but not Discharging
BAT=$TMP/adb/phone-4/fs/data/local/tmp/sysfs/sys/class/power_supply/battery
mkdir -p "$BAT" && echo Battery >"$BAT/type" && echo Charging >"$BAT/status" &&
    echo 350000 >"$BAT/current_now" && echo 3900000 >"$BAT/voltage_now"
expect 0 "fake adb lists the phones" -- adb devices
contains "$TMP/out" "phone-2	device" "adb devices"

# ---- the inventory --------------------------------------------------------
SSH_ARGS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
cat >"$TMP/inventory.yml" <<EOF
all:
  vars:
    ansible_python_interpreter: $PY
    eb_dist: $TMP/dist
    eb_models: ["zoo:fmnist-mlp"]
    eb_variants: [ref, "cpu:threads=1"]
    eb_run_args: "-n 3 --min-time 0 --eval 0"
    eb_timeout: 60
    eb_timeout_margin: 5
    eb_step_timeout: 30
    eb_retry_delay: 1
    eb_lock_wait: 2
  children:
    boards:
      vars:
        eb_transport: ssh
        eb_arch: x86_64
        ansible_user: root
        ansible_ssh_private_key_file: $TMP/id
      hosts:
        board-a:
          ansible_host: 127.0.0.1
          ansible_ssh_common_args: '$SSH_ARGS -o ProxyCommand="ip netns exec $NS_A nc 127.0.0.1 22"'
          eb_workdir: $TMP/board-a
          eb_arch: $A_ARCH
          eb_target: $A_TARGET
          eb_exec_wrapper: $A_WRAP
          eb_wrapper_arch: $A_ARCH
          eb_tags: [board, qemu]
        board-b:
          ansible_host: 127.0.0.1
          ansible_ssh_common_args: '$SSH_ARGS -o ProxyCommand="ip netns exec $NS_B nc 127.0.0.1 22"'
          eb_workdir: $TMP/board-b
          eb_exec_wrapper: $TMP/hang.sh
          eb_timeout: 3
          eb_tags: [board, hangs]
    phones:
      vars:
        eb_transport: adb
        eb_arch: x86_64
        eb_target: $T
        eb_workdir: /data/local/tmp/edgebench
      hosts:
        phone-1:
          eb_serial: phone-1
          eb_tags: [phone]
        phone-2:
          eb_serial: phone-2
          eb_tags: [phone, legacy-adb]
          eb_env: {EB_TEST_FAULT: "fail:fmnist-mlp/ref"}
          eb_timeout: 4
          eb_timeout_margin: 2
          eb_step_timeout: 8
        phone-3:
          eb_serial: phone-3
          eb_arch: aarch64
          eb_tags: [phone, arm]
        phone-4:
          eb_serial: phone-4
          eb_energy: true
          eb_sysfs_root: /data/local/tmp/sysfs
          eb_tags: [phone, charging]
EOF
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_FORKS=8 ANSIBLE_PIPELINING=True \
    ANSIBLE_LOCAL_TEMP="$TMP/ansible-local" \
    ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_DEPRECATION_WARNINGS=False
# play RUN [ansible-playbook args]: one farm run into $TMP/RUN
play() {
    run=$1; shift
    start=$(date +%s)
    # each run its own ssh masters: a stopped sshd is then unreachable
    ANSIBLE_SSH_CONTROL_PATH_DIR="$TMP/cp-$run" \
    ansible-playbook -i "$TMP/inventory.yml" scripts/farm/edgebench.yml \
        -e "eb_out=$TMP/$run" -e "eb_edgebench=$EDGEBENCH" "$@" >"$TMP/$run.log" 2>&1
    rc=$?
    echo "$run: ansible-playbook exit $rc in $(($(date +%s) - start)) s"
}
status() { echo "$TMP/$1/devices/$2/status.json"; }

# ---- run 1: all four --------------------------------------------------------
play run1 --limit "all:!phone-3:!phone-4"
[ "$rc" -ne 0 ] && pass || fail "run 1: the playbook succeeded although board-b hangs"
S=$TMP/run1/farm-status.json
if [ ! -f "$S" ]; then
    fail "run 1 wrote no farm-status.json"; tail -30 "$TMP/run1.log"
else
    jcheck "run 1: the farm's exit is 75 (infrastructure)" "$S" 'd["exit"] == 75'
    jcheck "run 1: four devices" "$S" 'sorted(s["device"] for s in d["devices"]) == ["board-a", "board-b", "phone-1", "phone-2"]'
    jcheck "board-a (ssh, qemu wrapper) succeeded at once" "$(status run1 board-a)" \
        'd["class"] == "ok" and d["exit"] == 0 and len(d["attempts"]) == 1 and d["exec_wrapper"]'
    jcheck "board-a's results pulled and verified" "$(status run1 board-a)" \
        'json.load(open(d["results"]))["results"]'
    jcheck "board-b hangs: infrastructure, exit 75" "$(status run1 board-b)" \
        'd["class"] == "infrastructure" and d["exit"] == 75 and d["results"] is None'
    jcheck "board-b: retried twice on the same device, each time at the run" "$(status run1 board-b)" \
        '[(a["attempt"], a["stage"], a["class"], a["exit"]) for a in d["attempts"]] == [(n, "run", "infrastructure", 75) for n in (1, 2, 3)]'
    jcheck "board-b: the reason is the timeout and no DONE line" "$(status run1 board-b)" \
        'all("no EDGEBENCH_DONE" in a["reason"] and "timeout" in a["reason"] for a in d["attempts"])'
    jcheck "phone-1 (adb) succeeded" "$(status run1 phone-1)" \
        'd["class"] == "ok" and d["exit"] == 0 and len(d["attempts"]) == 1 and d["transport"] == "adb"'
    jcheck "phone-2 (legacy adb: shell exits 0): the DONE line's rc 3, a result, not retried" "$(status run1 phone-2)" \
        'd["class"] == "results" and d["exit"] == 3 and len(d["attempts"]) == 1 and d["attempts"][0]["transport_exit"] == 0'
    jcheck "every device got the bundle of its target" "$S" \
        'all(s["bundle"] == "edgebench-'"$VERSION"'-" + s["target"] + ".tar.gz" for s in d["devices"])'
    jcheck "board-a ran $A_TARGET through $A_WRAP" "$(status run1 board-a)" \
        'd["target"] == "'"$A_TARGET"'" and d["exec_wrapper"] == "'"$A_WRAP"'"'
    for dev in board-a board-b phone-1 phone-2; do
        [ -d "$TMP/$dev/.lock" ] || [ -d "$TMP/adb/$dev/fs/data/local/tmp/edgebench/.lock" ] &&
            fail "$dev: the lock was left behind" || pass
    done
fi

if "$EDGEBENCH" merge --help >/dev/null 2>&1; then
    M=$TMP/run1/merged.json
    jcheck "run 1: merged" "$S" 'd["merged"] and d["merge"]["rc"] == 0'
    expect 0 "the merged file validates against reports/results-schema.json" -- \
        "$PY" -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
        "$M" reports/results-schema.json
    jcheck "the merged file has each device with a result, by its inventory name" "$M" \
        'sorted(x["name"] for x in d["devices"]) == ["board-a", "phone-1", "phone-2"] and all(r["device_id"] for r in d["results"])'

else
    skip "merge of the farm's results" "edgebench merge is not in this build yet (issue 17, merge part)"
fi

# ---- run 2: again, the legacy phone's adb hanging (host-side timeout) -------
echo hang >"$TMP/adb/phone-2/mode"
play run2 --limit board-a,phone-1,phone-2
S=$TMP/run2/farm-status.json
if [ -f "$S" ]; then
    jcheck "run 2: board-a and phone-1 succeeded" "$S" \
        'sorted(s["device"] for s in d["devices"] if s["exit"] == 0) == ["board-a", "phone-1"]'
    jcheck "phone-2 (adb shell hangs): host-side timeout, infrastructure after three attempts" "$(status run2 phone-2)" \
        'd["exit"] == 75 and len(d["attempts"]) == 3 and all("timeout" in a["reason"] and a["class"] == "infrastructure" for a in d["attempts"])'
else
    fail "run 2 wrote no farm-status.json"; tail -30 "$TMP/run2.log"
fi
if "$EDGEBENCH" merge --help >/dev/null 2>&1 && [ -f "$TMP/run2/merged.json" ]; then
    "$EDGEBENCH" compare "$TMP/run1/merged.json" "$TMP/run2/merged.json" --format json -o "$TMP/cmp.json" >"$TMP/cmp.out" 2>&1
    crc=$?
    [ "$crc" -eq 0 ] || [ "$crc" -eq 1 ] && pass || { fail "compare of two farm runs: exit $crc"; head -5 "$TMP/cmp.out"; }
    jcheck "compare of two farm runs: a verdict per device" "$TMP/cmp.json" \
        'all(any(x["device_id"] == dev and x["verdict"] and x["paired"] == 2 for x in d["devices"]) for dev in ("board-a", "phone-1"))'
    jcheck "compare: phone-2 is only in the first run" "$TMP/cmp.json" \
        '[x["only_in_base"] for x in d["devices"] if x["device_id"] == "phone-2"] == [2]'

else
    skip "compare of two farm runs" "edgebench merge is not in this build yet (issue 17, merge part)"
fi

# ---- run 3: an offline phone and a busy one -------------------------------
echo offline >"$TMP/adb/phone-2/mode"
L=$TMP/adb/phone-1/fs/data/local/tmp/edgebench/.lock
mkdir -p "$L" && echo "another-controller:1:phone-1 $(date +%s)" >"$L/owner"
kill "$(cat "$TMP/sshd-$NS_B.pid")" && rm -f "$TMP/sshd-$NS_B.pid"
play run3 --limit board-b,phone-1,phone-2,phone-3,phone-4 -e eb_retries=1
jcheck "phone-2 offline: infrastructure at connect, retried once (-e eb_retries=1)" "$(status run3 phone-2)" \
    'd["exit"] == 75 and [(a["stage"], a["class"]) for a in d["attempts"]] == [("connect", "infrastructure")] * 2'
jcheck "phone-1 locked by another run: infrastructure at the lock" "$(status run3 phone-1)" \
    'd["exit"] == 75 and all(a["stage"] == "lock" and "another-controller" in a["reason"] for a in d["attempts"])'
[ -f "$L/owner" ] && contains "$L/owner" another-controller "another run's lock is left alone" || fail "another run's lock was removed"
[ "$rc" -ne 0 ] && pass || fail "run 3: the playbook succeeded with no device giving a result"

jcheck "board-b's sshd stopped: unreachable, infrastructure at connect" "$(status run3 board-b)" \
    'd["exit"] == 75 and all(a["stage"] == "connect" and "unreachable" in a["reason"] for a in d["attempts"]) and len(d["attempts"]) == 2'
jcheck "phone-4 wants energy and is charging: infrastructure at the preflight" "$(status run3 phone-4)" \
    'd["exit"] == 75 and all(a["stage"] == "preflight" and "battery Charging" in a["reason"] and "meter battery" in a["reason"] for a in d["attempts"])'
jcheck "phone-3 wants aarch64, the bundle is x86_64: refused before any attempt (config, exit 2)" "$(status run3 phone-3)" \
    'd["exit"] == 2 and d["class"] == "config" and [a["stage"] for a in d["attempts"]] == ["bundle"]'
jcheck "run 3: the farm's exit is 75" "$TMP/run3/farm-status.json" 'd["exit"] == 75 and d["merged"] is None'

[ "$FAILS" -eq 0 ] || { echo "--- run1.log (tail)"; tail -40 "$TMP/run1.log"; }
finish
