# test_output_links.sh - output files resist tricks in shared temporary
# folders: a symbolic link planted where edgebench writes (the -o file, its
# .jsonl, the temporary name an older edgebench used, a report's pages and
# plot scripts, a saved output) is replaced or never opened, and the file
# it points to (the victim) is untouched.  A link at the final name is
# replaced by the new file, not followed.  The pid-named temporary file of
# the old code is planted through `exec`, which keeps the shell's pid.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCHEMA=reports/results-schema.json
RUN="run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0"

victim() { printf 'victim %s\n' "$1" >"$TMP/victim.$1"; }
untouched() { # untouched NAME DESCRIPTION
    if [ "$(cat "$TMP/victim.$1")" = "victim $1" ]; then
        PASSES=$((PASSES + 1))
    else
        echo "FAIL $2: the victim file was written through a planted link"
        head -c 200 "$TMP/victim.$1" | sed "s/^/  /"; echo
        FAILS=$((FAILS + 1))
    fi
}
regular() { # regular PATH DESCRIPTION: now a file of its own, not a link
    if [ -f "$1" ] && [ ! -L "$1" ]; then PASSES=$((PASSES + 1)); else
        echo "FAIL $2: $1 is not a regular file"; FAILS=$((FAILS + 1)); fi
}

# links at the final names: -o FILE and FILE's .jsonl
mkdir "$TMP/a"
victim json; victim jsonl
ln -s "$TMP/victim.json" "$TMP/a/out.json"
ln -s "$TMP/victim.jsonl" "$TMP/a/out.jsonl"
expect 0 "run with links at -o and its .jsonl" -- "$EDGEBENCH" $RUN -o "$TMP/a/out.json"
untouched json "a link at -o"
untouched jsonl "a link at the .jsonl"
regular "$TMP/a/out.json" "-o replaced the link"
regular "$TMP/a/out.jsonl" ".jsonl replaced the link"
expect 0 "the new file is valid" -- "$PY" -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
    "$TMP/a/out.json" "$SCHEMA"

# a dangling link at the final name: replaced, its target never created
mkdir "$TMP/b"
ln -s "$TMP/b/never" "$TMP/b/out.csv"
expect 0 "run with a dangling link at -o" -- "$EDGEBENCH" $RUN -o "$TMP/b/out.csv"
regular "$TMP/b/out.csv" "the dangling link replaced"
if [ -e "$TMP/b/never" ]; then echo "FAIL a dangling link's target was created"; FAILS=$((FAILS + 1)); else
    PASSES=$((PASSES + 1)); fi

# the temporary names of older edgebench (FILE.tmp.PID), planted for this pid
mkdir "$TMP/c"
victim tmp
expect 0 "run with a link at the pid-named temporary file" -- sh -c \
    'ln -s "$1/victim.tmp" "$1/c/out.json.tmp.$$" && exec "$2" run zoo:fmnist-mlp -v ref -n 2 --min-time 0 --eval 0 -o "$1/c/out.json"' \
    sh "$TMP" "$EDGEBENCH"
untouched tmp "a link at the temporary name"
regular "$TMP/c/out.json" "-o written"

# --save-outputs: a link at an output's name
mkdir -p "$TMP/d/fmnist-mlp/ref"
victim pb
ln -s "$TMP/victim.pb" "$TMP/d/fmnist-mlp/ref/output_0.pb"
expect 0 "run --save-outputs with a link at the output" -- "$EDGEBENCH" $RUN --save-outputs "$TMP/d"
untouched pb "a link at a saved output"
regular "$TMP/d/fmnist-mlp/ref/output_0.pb" "the saved output replaced the link"

# report: links at the pages, the plot scripts and data, the old temporary names
mkdir "$TMP/r"
for f in index.html report.md .index.html.tmp .report.md.tmp latency.gp latency.dat latency.log latency.png \
         .edgebench-report-probe; do
    victim "$f"
    ln -s "$TMP/victim.$f" "$TMP/r/$f"
done
if command -v gnuplot >/dev/null 2>&1; then PLOTS=; else PLOTS=--no-plots; fi
expect 0 "report into a folder of planted links" -- "$EDGEBENCH" report "$TMP/a/out.json" -o "$TMP/r" $PLOTS
for f in index.html report.md .index.html.tmp .report.md.tmp latency.gp latency.dat latency.log latency.png \
         .edgebench-report-probe; do
    untouched "$f" "report: a link at $f"
done
regular "$TMP/r/index.html" "index.html replaced the link"
regular "$TMP/r/report.md" "report.md replaced the link"

# a device is still written straight into, as before
expect 0 "-o /dev/null" -- "$EDGEBENCH" $RUN -o /dev/null
if [ -c /dev/null ]; then PASSES=$((PASSES + 1)); else echo "FAIL /dev/null replaced"; FAILS=$((FAILS + 1)); fi

finish
