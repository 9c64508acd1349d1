# test_merge.sh - `edgebench merge` and the commands across devices: two real
# short runs stand for two devices (--name tells them apart), their merge
# validates against the results schema and keeps each file's provenance;
# report draws a plot per device and a device x variant table; history adds
# a run per device; compare of two merged runs gives a verdict per device,
# with a regression forced on one device only (a result that failed).  Bad
# input (a foreign file, JSON Lines, another schema version, one device
# twice, a --name for no file) exits 2 with a message.
. "$(dirname "$0")/lib.sh"
SCHEMA=reports/results-schema.json
PY=/usr/bin/python3
RUN="run zoo:fmnist-mlp -v ref -v cpu -n 3 --min-time 0 --eval 0"

validate() {
    "$PY" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$1" "$SCHEMA" 2>"$TMP/verr"
}

expect 0 "run on 'board'" -- $EDGEBENCH $RUN -o "$TMP/board.json"
expect 0 "run on 'phone'" -- $EDGEBENCH $RUN -o "$TMP/phone.json"
expect 0 "run on 'phone', the next night" -- $EDGEBENCH $RUN -o "$TMP/phone2.json"

# the same machine twice is one device: refused unless named
expect 2 "one device twice, no names" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/phone.json" -o "$TMP/m.json"
contains "$TMP/err" "the same device" "duplicate device message"
contains "$TMP/err" "--name FILE=NAME" "duplicate device message names the way out"
[ ! -e "$TMP/m.json" ] && PASSES=$((PASSES + 1)) || { echo "FAIL refused merge left $TMP/m.json"; FAILS=$((FAILS + 1)); }

expect 0 "merge two named devices" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/phone.json" \
    --name "$TMP/board.json=board" --name "$TMP/phone.json=phone" -o "$TMP/m1.json"
if validate "$TMP/m1.json"; then PASSES=$((PASSES + 1)); else echo "FAIL merged file against the schema:"; tail -3 "$TMP/verr"; FAILS=$((FAILS + 1)); fi
if validate "$TMP/board.json"; then PASSES=$((PASSES + 1)); else echo "FAIL single-device file against the extended schema:"; tail -3 "$TMP/verr"; FAILS=$((FAILS + 1)); fi
# the schema must hold merged documents to their shape: an untagged result fails it
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); del d["results"][0]["device_id"]; json.dump(d, open(sys.argv[2], "w"))' "$TMP/m1.json" "$TMP/untagged.json"
if validate "$TMP/untagged.json"; then echo "FAIL a merged result without device_id passed the schema"; FAILS=$((FAILS + 1)); else PASSES=$((PASSES + 1)); fi
# provenance: each file's digest, commit, start time and settings; results tagged
"$PY" - "$TMP/m1.json" "$TMP/board.json" "$TMP/phone.json" >"$TMP/prov" 2>&1 <<'PYEOF'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
for dev, path in zip(m["devices"], sys.argv[2:]):
    src = json.load(open(path))
    assert dev["source"]["sha256"] == hashlib.sha256(open(path, "rb").read()).hexdigest(), dev["id"]
    assert dev["tool"] == src["tool"] and dev["run"] == src["run"] and dev["device"] == src["device"], dev["id"]
    mine = [r for r in m["results"] if r["device_id"] == dev["id"]]
    assert len(mine) == len(src["results"]), (dev["id"], len(mine))
print("ids", ",".join(d["id"] for d in m["devices"]))
PYEOF
contains "$TMP/prov" "ids board,phone" "devices keep their provenance and results"

# report: a latency plot per device and the device x variant table
expect 0 "report of the merged file" -- "$EDGEBENCH" report "$TMP/m1.json" -o "$TMP/rep"
contains "$TMP/rep/report.md" "## Devices" "report.md has the device table"
contains "$TMP/rep/report.md" "| board |" "device table row board"
contains "$TMP/rep/report.md" "| phone |" "device table row phone"
contains "$TMP/rep/report.md" "fmnist-mlp: cpu" "device table column of a variant"
contains "$TMP/rep/index.html" "id=\"devices\"" "index.html has the device table"
for d in board phone; do
    if [ -s "$TMP/rep/latency_$d.png" ] && [ -s "$TMP/rep/latency_$d.svg" ]; then PASSES=$((PASSES + 1)); else
        echo "FAIL no latency plot for device $d"; FAILS=$((FAILS + 1)); fi
done

# history: one run per device, the device id as its host
expect 0 "history add of the merged file" -- "$EDGEBENCH" history add --db "$TMP/h.db" "$TMP/m1.json"
contains "$TMP/out" "device board, as run" "history run of board"
contains "$TMP/out" "device phone, as run" "history run of phone"

# compare of two merged runs: board unchanged, phone's ref failed
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = next(r for r in d["results"] if r["variant"]["spec"] == "ref")
r["status"] = "failed"; r["error"] = "forced by test_merge.sh"
json.dump(d, open(sys.argv[2], "w"))' "$TMP/phone2.json" "$TMP/phone2-bad.json"
expect 0 "merge the second night" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/phone2-bad.json" \
    --name "$TMP/board.json=board" --name "$TMP/phone2-bad.json=phone" -o "$TMP/m2.json"
expect 0 "report of two merged nights" -- "$EDGEBENCH" report "$TMP/m1.json" "$TMP/m2.json" -o "$TMP/rep2"
contains "$TMP/rep2/report.md" "| phone @ " "a row per night and device"
contains "$TMP/rep2/report.md" " failed |" "a device's failed variant shows its status"
expect 1 "compare of two merged runs finds phone's regression" -- "$EDGEBENCH" compare "$TMP/m1.json" "$TMP/m2.json"
contains "$TMP/out" "## Device board: no regression" "board's verdict"
contains "$TMP/out" "## Device phone: REGRESSED" "phone's verdict"
expect 1 "compare --format json" -- "$EDGEBENCH" compare "$TMP/m1.json" "$TMP/m2.json" --format json
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(x["device_id"] + "=" + x["verdict"] for x in d["devices"]))
print("pairs", len(d["pairs"]), all("device_id" in p for p in d["pairs"]))' "$TMP/out" >"$TMP/v" 2>&1
contains "$TMP/v" "board=ok phone=regressed" "per-device verdicts in JSON"
contains "$TMP/v" "pairs 4 True" "every pair carries its device"

# a merged file against a single-device one pairs nothing, and says why
expect 0 "compare of a single-device file with a merged one" -- "$EDGEBENCH" compare "$TMP/board.json" "$TMP/m1.json"
contains "$TMP/out" "One file is merged, the other not" "mixed compare explains itself"

# bad input
echo '{"hello": 1}' >"$TMP/foreign.json"
expect 2 "a foreign file" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/foreign.json" -o "$TMP/x.json"
contains "$TMP/err" "foreign.json: no schema_version" "foreign file message"
expect 0 "a JSON Lines file of a run" -- $EDGEBENCH $RUN --format jsonl -o "$TMP/lines.jsonl"
expect 2 "JSON Lines" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/lines.jsonl" --name "$TMP/lines.jsonl=x" -o "$TMP/x.json"
contains "$TMP/err" "JSON Lines" "JSON Lines message"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); d["schema_version"] = 2; json.dump(d, open(sys.argv[2], "w"))' "$TMP/phone.json" "$TMP/v2.json"
expect 2 "another schema version" -- "$EDGEBENCH" merge "$TMP/board.json" "$TMP/v2.json" --name "$TMP/v2.json=p" -o "$TMP/x.json"
contains "$TMP/err" "schema_version 2, but" "schema mismatch message"
expect 2 "a merged file merged again" -- "$EDGEBENCH" merge "$TMP/m1.json" -o "$TMP/x.json"
contains "$TMP/err" "already a merged document" "merged input message"
expect 2 "--name for a file not merged" -- "$EDGEBENCH" merge "$TMP/board.json" --name other.json=x -o "$TMP/x.json"
expect 2 "--name with a bad name" -- "$EDGEBENCH" merge "$TMP/board.json" --name "$TMP/board.json=a b" -o "$TMP/x.json"
expect 2 "no -o" -- "$EDGEBENCH" merge "$TMP/board.json"
expect 2 "a missing file" -- "$EDGEBENCH" merge "$TMP/nope.json" -o "$TMP/x.json"
[ ! -e "$TMP/x.json" ] && PASSES=$((PASSES + 1)) || { echo "FAIL a refused merge wrote $TMP/x.json"; FAILS=$((FAILS + 1)); }
finish
