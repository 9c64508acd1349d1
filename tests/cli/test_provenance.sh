# test_provenance.sh - what a result says about where and how it ran
# (issue 9, items 5 and 6): `info` gives the OS's CPU counts, with sources
# and disagreements; a result records the EB_* variables, the affinity,
# profiling, and the kernel ISA each variant actually used (cpu:isa=...);
# (issue 10) `info` lists each runner's devices, and every result names its
# device: the stable id results pair on, and the model.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
ONLINE=$(getconf _NPROCESSORS_ONLN)
USABLE=$(nproc)

expect 0 "info --json" -- "$EDGEBENCH" info --json
cp "$TMP/out" "$TMP/info.json"
expect 0 "info counts the CPUs the OS has and this process may use" -- "$PY" - "$TMP/info.json" "$ONLINE" "$USABLE" <<'PYEOF'
import json, sys
cpu = json.load(open(sys.argv[1]))["cpu"]
online, usable = int(sys.argv[2]), int(sys.argv[3])
assert cpu["logical_cpus"] == online, (cpu["logical_cpus"], online)
assert cpu["online_cpus"] == online, cpu
assert cpu["usable_cpus"] == usable, (cpu["usable_cpus"], usable)
assert cpu["affinity"], cpu
assert cpu["cores_source"] and isinstance(cpu["disagreements"], list), cpu
runners = {r["name"]: r for r in json.load(open(sys.argv[1]))["runners"]}
for name in ("ref", "cpu"):
    devs = runners[name]["devices"]
    assert len(devs) == 1 and devs[0]["id"] == "cpu" and devs[0]["kind"] == "cpu", devs
    assert devs[0]["memory_bytes"] > 0, devs
PYEOF
expect 0 "info text" -- "$EDGEBENCH" info
contains "$TMP/out" "$ONLINE online (" "the cores line names its source"
contains "$TMP/out" "this process may use $USABLE" "the cores line gives the usable CPUs"
contains "$TMP/out" "cpu device=0: cpu = " "info lists the cpu runner's device"

expect 0 "run with isa variants and an EB_ variable" -- env EB_FOO=1 "$EDGEBENCH" run zoo:fmnist-mlp \
    -v ref -v cpu -v cpu:isa=generic -v 'cpu:isa={neon,avx2}' -v ref:isa=generic -n 3 --eval 0 -o "$TMP/r.json"
contains "$TMP/out" "cpu:isa=generic" "the table names the isa variant"
expect 0 "result file matches the schema" -- "$PY" - "$TMP/r.json" "$SCHEMA" <<'PYEOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PYEOF
expect 0 "the environment and each result's isa are recorded" -- "$PY" - "$TMP/r.json" "$USABLE" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
env = d["run"]["environment"]
assert env["eb_vars"].get("EB_FOO") == "1", env
assert env["usable_cpus"] == int(sys.argv[2]) and env["affinity"], env
assert env["profiling"] is False, env
r = {x["variant"]["spec"]: x for x in d["results"]}
assert r["ref"]["isa"] == "c", r["ref"]
assert r["cpu"]["status"] == "ok" and r["cpu"]["isa"] in ("avx512vnni", "avx512", "avxvnni", "avx2", "neondot", "neon", "generic"), r["cpu"]
assert r["cpu"]["variant"]["isa"] == "auto"
g = r["cpu:isa=generic"]
assert g["status"] == "ok" and g["isa"] == "generic" and g["variant"]["isa"] == "generic", g
# the binary's arch, not the host's (make test-aarch64 runs it under qemu-user)
foreign = "cpu:isa=avx2" if d["device"]["cpu"]["arch"] == "aarch64" else "cpu:isa=neon"
u = r[foreign]
assert u["status"] == "unsupported" and "this build has no kernels" in u["error"] and u["isa"] is None, u
assert r["ref:isa=generic"]["status"] == "unsupported" and "isa=generic" in r["ref:isa=generic"]["error"]
for x in d["results"]:  # every result, run or refused, names its device
    assert x["device"] == "cpu", x["device"]
    assert x["device_name"] is None or x["device_name"].strip() == x["device_name"] != "", x["device_name"]
    assert x["memory"]["device_bytes"] is None, x["memory"]
PYEOF

finish
