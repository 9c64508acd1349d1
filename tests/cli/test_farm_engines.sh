# test_farm_engines.sh - the farm engines' files in scripts/farm, each checked
# by its consumer's own validator, offline:
#   LAVA     the job templates by lava_common.schemas.validate (Debian
#            lava-common, strict) and the test definition by
#            lava_common.schemas.test.testdef; then edgebench-lava.sh runs a
#            real bundle (the edgebench built here, its SHA256SUMS and
#            manifest) with lava-test-case recorded by a stand-in on PATH,
#            and a tampered bundle and one whose run never ends its output
#            are reported as infrastructure failures; the adb mode against
#            a stand-in adb whose phone is a folder here (and offline);
#   GitHub   the workflow against SchemaStore's workflow schema (a copy in
#            tests/data/github-workflow.schema.json), and its structure
#            (self-hosted labels per device, compare on the merged results);
#   Jenkins  the Jenkinsfile compiled (not run) by groovyc, with a lock per
#            device.
# Each validator is also shown to refuse a broken copy.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
F=scripts/farm

# ---- LAVA ----------------------------------------------------------------
"$PY" - "$F/lava" >"$TMP/lava" 2>&1 <<'PYEOF'
import copy, os, sys, yaml
from voluptuous import Invalid
from lava_common.schemas import validate
from lava_common.schemas.test import testdef
d = sys.argv[1]
td = yaml.safe_load(open(os.path.join(d, "edgebench.yaml")))
testdef.validate(td)
print("testdef ok")
assert "lava-test-case" in open(os.path.join(d, "edgebench-lava.sh")).read()
for name in ("job-ssh.yaml", "job-adb.yaml"):
    job = yaml.safe_load(open(os.path.join(d, name)))
    validate(job, strict=True)
    test = next(a["test"] for a in job["actions"] if "test" in a)
    for t in test["definitions"]:
        assert os.path.exists(t["path"]), t["path"]
        assert set(t["parameters"]) <= set(td["params"]), (name, set(t["parameters"]) - set(td["params"]))
    bad = copy.deepcopy(job)
    del bad["timeouts"]
    try:
        validate(bad, strict=True)
        print(name, "BROKEN COPY PASSED")
    except Invalid:
        pass
    print(name, "ok")
bad = copy.deepcopy(td)
bad["metadata"]["format"] = "something else"
try:
    testdef.validate(bad)
    print("testdef BROKEN COPY PASSED")
except Invalid:
    pass
PYEOF
for w in "testdef ok" "job-ssh.yaml ok" "job-adb.yaml ok"; do contains "$TMP/lava" "$w" "LAVA: $w"; done
if grep -q "BROKEN COPY PASSED" "$TMP/lava"; then echo "FAIL LAVA's validator took a broken copy"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi

# a bundle: bin/edgebench, manifest.json, SHA256SUMS.  Until `run` has the
# run contract (--out-dir, the EDGEBENCH_DONE line), bin/edgebench is a
# wrapper that gives the real binary's run that contract.
mkbundle() { # DIR: the bundle's top folder
    mkdir -p "$1/bin"
    if "$EDGEBENCH" run --help 2>&1 | grep -q -- '--out-dir'; then
        cp "$EDGEBENCH" "$1/bin/edgebench"
    else
        cp "$EDGEBENCH" "$1/bin/edgebench.real"
        cat >"$1/bin/edgebench" <<'SH'
#!/bin/sh
# test_farm_engines.sh's wrapper: the run contract over the real binary
here=$(dirname "$0"); cmd=$1; shift; out=""
args=""
while [ $# -gt 0 ]; do
    if [ "$1" = --out-dir ]; then out=$2; shift 2; continue; fi
    args="$args $1"; shift
done
# shellcheck disable=SC2086
"$here/edgebench.real" "$cmd" $args -o "$out/results.json" >/dev/null 2>&1
rc=$?
if [ -f "$out/results.json" ]; then
    echo "EDGEBENCH_DONE rc=$rc results=$out/results.json sha256=$(sha256sum "$out/results.json" | cut -d' ' -f1)"
else
    echo "EDGEBENCH_DONE rc=$rc results= sha256="
fi
exit $rc
SH
        chmod +x "$1/bin/edgebench"
    fi
    echo '{"target": "linux-x86_64", "version": "test", "commit": "test"}' >"$1/manifest.json"
    (cd "$1" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum >SHA256SUMS)
}
mkdir -p "$TMP/fakebin"
cat >"$TMP/fakebin/lava-test-case" <<SH
#!/bin/sh
echo "\$*" >>"$TMP/cases"
SH
chmod +x "$TMP/fakebin/lava-test-case"

mkbundle "$TMP/b/edgebench-test-linux-x86_64"
tar -czf "$TMP/good.tar.gz" -C "$TMP/b" edgebench-test-linux-x86_64
: >"$TMP/cases"
expect 0 "LAVA steps on a good bundle" -- env PATH="$TMP/fakebin:$PATH" \
    sh "$F/lava/edgebench-lava.sh" local "$TMP/good.tar.gz" "$TMP/lava-good" zoo:fmnist-mlp -n 3 --min-time 0 --eval 0
cp "$TMP/out" "$TMP/good.log"
contains "$TMP/cases" "edgebench-bundle --result pass" "good bundle verified"
contains "$TMP/cases" "edgebench-run --result pass --measurement 0 --units rc" "good run passes with rc 0"
contains "$TMP/cases" "edgebench-results --result pass" "results digest checked"
sed -n '/^EDGEBENCH_RESULTS_BEGIN/,/^EDGEBENCH_RESULTS_END/p' "$TMP/good.log" | sed '1d;$d' >"$TMP/from-log.json"
if "$PY" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$TMP/from-log.json" reports/results-schema.json 2>"$TMP/verr"; then
    PASSES=$((PASSES + 1)); else echo "FAIL results printed to the LAVA log do not validate:"; tail -2 "$TMP/verr"; FAILS=$((FAILS + 1)); fi

# tampered: a file changed after SHA256SUMS was written
cp -r "$TMP/b" "$TMP/t"
echo "# changed" >>"$TMP/t/edgebench-test-linux-x86_64/manifest.json"
tar -czf "$TMP/tampered.tar.gz" -C "$TMP/t" edgebench-test-linux-x86_64
: >"$TMP/cases"
expect 0 "LAVA steps on a tampered bundle" -- env PATH="$TMP/fakebin:$PATH" \
    sh "$F/lava/edgebench-lava.sh" local "$TMP/tampered.tar.gz" "$TMP/lava-bad" zoo:fmnist-mlp
contains "$TMP/cases" "edgebench-bundle --result fail" "tampered bundle fails its check"
contains "$TMP/cases" "edgebench-run --result skip" "tampered bundle is not run"
expect 75 "edgebench-dut.sh on a tampered bundle: exit 75" -- sh "$F/edgebench-dut.sh" "$TMP/tampered.tar.gz" "$TMP/dut-bad" zoo:fmnist-mlp
contains "$TMP/out" "verdict=infra" "tampered bundle is an infrastructure failure"

# a run that dies before its last line
mkdir -p "$TMP/d/eb/bin"
printf '#!/bin/sh\necho started\nexit 137\n' >"$TMP/d/eb/bin/edgebench"
chmod +x "$TMP/d/eb/bin/edgebench"
echo '{}' >"$TMP/d/eb/manifest.json"
(cd "$TMP/d/eb" && sha256sum bin/edgebench manifest.json >SHA256SUMS)
tar -czf "$TMP/dies.tar.gz" -C "$TMP/d" eb
expect 75 "a run without EDGEBENCH_DONE: exit 75" -- sh "$F/edgebench-dut.sh" "$TMP/dies.tar.gz" "$TMP/dut-dies"
contains "$TMP/err" "did not end with an EDGEBENCH_DONE line" "missing last line named"

# a run that fails (a model that does not exist): a result, not infrastructure
: >"$TMP/cases"
expect 0 "LAVA steps on a failing run" -- env PATH="$TMP/fakebin:$PATH" \
    sh "$F/lava/edgebench-lava.sh" local "$TMP/good.tar.gz" "$TMP/lava-fail" "$TMP/no-such-model.onnx"
contains "$TMP/cases" "edgebench-bundle --result pass" "failing run: bundle fine"
contains "$TMP/cases" "edgebench-run --result fail --measurement 2" "failing run reported with its rc"

# adb mode (job-adb.yaml): a stand-in adb whose "phone" is a folder here:
# push/pull copy, shell runs sh with /data/local/tmp mapped to the folder
mkdir -p "$TMP/phone"
cat >"$TMP/fakebin/adb" <<SH
#!/bin/sh
[ "\$1" = -s ] && [ "\$2" = FAKE01 ] || { echo "adb: device not found" >&2; exit 1; }
shift 2
echo "\$1" >>"$TMP/adb-calls"
map() { echo "\$1" | sed "s|^/data/local/tmp|$TMP/phone|"; }
case "\$1" in
push) cp "\$2" "\$(map "\$3")" ;;
pull) cp "\$(map "\$2")" "\$3" ;;
shell) sh -c "\$(echo "\$2" | sed "s|/data/local/tmp|$TMP/phone|g")" ;;
*) exit 1 ;;
esac
SH
chmod +x "$TMP/fakebin/adb"
: >"$TMP/cases"
expect 0 "LAVA steps in adb mode" -- env PATH="$TMP/fakebin:$PATH" ANDROID_SERIAL=FAKE01 \
    sh "$F/lava/edgebench-lava.sh" adb "$TMP/good.tar.gz" "$TMP/lava-adb" zoo:fmnist-mlp -n 3 --min-time 0 --eval 0
contains "$TMP/cases" "edgebench-run --result pass --measurement 0 --units rc" "adb: the run passes"
contains "$TMP/cases" "edgebench-results --result pass" "adb: pulled results match their digest"
contains "$TMP/adb-calls" "pull" "adb: results pulled"
: >"$TMP/cases"
expect 0 "LAVA steps in adb mode, phone offline" -- env PATH="$TMP/fakebin:$PATH" ANDROID_SERIAL=GONE \
    sh "$F/lava/edgebench-lava.sh" adb "$TMP/good.tar.gz" "$TMP/lava-adb2" zoo:fmnist-mlp
contains "$TMP/cases" "edgebench-bundle --result fail" "adb: an offline phone is an infrastructure failure"

# ---- GitHub Actions --------------------------------------------------------
"$PY" - "$F/github/edgebench-farm.yml" tests/data/github-workflow.schema.json >"$TMP/gha" 2>&1 <<'PYEOF'
import copy, json, sys, yaml, jsonschema
w = yaml.safe_load(open(sys.argv[1]))
if True in w:  # YAML 1.1 reads the key `on` as true
    w["on"] = w.pop(True)
s = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator.check_schema(s)
jsonschema.validate(w, s)
print("schema ok")
bench = w["jobs"]["bench"]
assert bench["runs-on"] == "${{ matrix.labels }}"
for d in bench["strategy"]["matrix"]["include"]:
    assert "self-hosted" in d["labels"] and any(l.startswith("edgebench-") for l in d["labels"]), d
runs = " ".join(st.get("run", "") for st in w["jobs"]["compare"]["steps"])
assert " merge " in runs and " compare " in runs and "--name" in runs, runs
assert "scripts/farm/edgebench-dut.sh" in " ".join(st.get("run", "") for st in bench["steps"])
print("structure ok")
bad = copy.deepcopy(w)
bad["jobs"]["bench"]["runs-on"] = 3
try:
    jsonschema.validate(bad, s)
    print("BROKEN COPY PASSED")
except jsonschema.ValidationError:
    pass
PYEOF
contains "$TMP/gha" "schema ok" "workflow validates against the workflow schema"
contains "$TMP/gha" "structure ok" "workflow: a self-hosted job per device, merge and compare"
if grep -q "BROKEN COPY PASSED" "$TMP/gha"; then echo "FAIL the workflow schema took a broken copy"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi

# ---- Jenkins ---------------------------------------------------------------
mkdir -p "$TMP/groovy"
cp "$F/jenkins/Jenkinsfile" "$TMP/groovy/Jenkinsfile.groovy"
expect 0 "groovyc compiles the Jenkinsfile" -- groovyc -d "$TMP/groovy/classes" "$TMP/groovy/Jenkinsfile.groovy"
contains "$F/jenkins/Jenkinsfile" 'lock(resource: "edgebench-${DEVICE}")' "a lock per device"
sed 's/^pipeline {/pipeline {{/' "$F/jenkins/Jenkinsfile" >"$TMP/groovy/Broken.groovy"
expect 1 "groovyc refuses a broken copy" -- groovyc -d "$TMP/groovy/c2" "$TMP/groovy/Broken.groovy"

# ---- the README names each --------------------------------------------------
for f in edgebench-dut.sh lava/edgebench.yaml lava/job-ssh.yaml lava/job-adb.yaml github/edgebench-farm.yml jenkins/Jenkinsfile; do
    contains "$F/README.md" "$f" "scripts/farm/README.md describes $f"
done
finish
