# test_dist.sh - `make dist`, the bundle a device farm pushes
# (scripts/make_dist.sh): the host's linux-x86_64 bundle with an extra
# model has exactly bin/edgebench, models/, manifest.json and SHA256SUMS;
# SHA256SUMS covers every file but itself and `sha256sum -c` passes (and
# fails once a byte is changed); the manifest's target, arch (uname -m),
# static, version (edgebench --version), commit (git describe), runners and
# per-file sizes and digests are the files'; the tarball holds the same
# folder under one top folder.  A bad TARGET is refused (exit 2).
#
# Then the linux-aarch64-static bundle: file(1) says statically linked
# AArch64, readelf -l shows no program interpreter (PT_INTERP) and no
# dynamic segment, and it runs under qemu-aarch64 (--version and a short
# run).  Its cross build (deps.sh aarch64 installs the toolchain, qemu-user
# and the arm64 libraries) took 54 s on this 2-core machine: it belongs here.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

if [ "$(uname -m)" != x86_64 ]; then
    skip "make dist TARGET=linux-x86_64" "this host is $(uname -m); the host bundle is checked on x86_64"
    finish
    exit $?
fi

cp models/zoo/fmnist-mlp.onnx "$TMP/extra.onnx"
# the sub-make inherits SANITIZE and BUILD from MAKEFLAGS (as make install's test)
expect 0 "make dist" -- make --no-print-directory -s dist BUILD="$BUILD" DIST_DIR="$TMP/dist" DIST_MODELS="$TMP/extra.onnx"
version=$("$EDGEBENCH" --version | sed 's/^edgebench //')
name=edgebench-$version-linux-x86_64
D=$TMP/dist/$name
contains "$TMP/out" "$name" "make dist names the bundle"

# exactly the layout the farm's playbook expects
(cd "$D" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/files"
printf 'SHA256SUMS\nbin/edgebench\nmanifest.json\nmodels/extra.onnx\n' >"$TMP/want"
if cmp -s "$TMP/files" "$TMP/want"; then
    PASSES=$((PASSES + 1))
else
    echo "FAIL the bundle's files:"; diff "$TMP/want" "$TMP/files" | sed 's/^/  /'
    FAILS=$((FAILS + 1))
fi
[ -x "$D/bin/edgebench" ] && PASSES=$((PASSES + 1)) || { echo "FAIL bin/edgebench is not executable"; FAILS=$((FAILS + 1)); }
expect 0 "the bundled binary runs" -- "$D/bin/edgebench" --version
expect 0 "file(1) on the bundled binary" -- file -L "$D/bin/edgebench"
contains "$TMP/out" "x86-64" "the bundled binary is x86-64"

# SHA256SUMS: every file but itself, checked by sha256sum; a changed byte fails
expect 0 "sha256sum -c SHA256SUMS" -- sh -c 'cd "$1" && sha256sum -c --strict SHA256SUMS' sh "$D"
sed 's/^[0-9a-f]*  //' "$D/SHA256SUMS" | LC_ALL=C sort >"$TMP/summed"
grep -vx SHA256SUMS "$TMP/files" >"$TMP/want_summed"
if cmp -s "$TMP/summed" "$TMP/want_summed"; then
    PASSES=$((PASSES + 1))
else
    echo "FAIL SHA256SUMS does not cover exactly every file but itself"; FAILS=$((FAILS + 1))
fi
cp -r "$D" "$TMP/tampered"
printf 'x' >>"$TMP/tampered/models/extra.onnx"
expect 1 "sha256sum -c notices a changed model" -- sh -c 'cd "$1" && sha256sum -c --quiet SHA256SUMS' sh "$TMP/tampered"

# the manifest says what the bundle is
expect 0 "manifest.json" -- "$PY" - "$D" "$version" "$(git describe --always --dirty 2>/dev/null || echo unknown)" \
    "$(uname -m)" <<'PYEOF'
import hashlib, json, os, sys
d, version, commit, arch = sys.argv[1:]
m = json.load(open(os.path.join(d, "manifest.json")))
want = {"name", "target", "arch", "static", "version", "commit", "runners", "features", "files"}
assert set(m) == want, sorted(set(m) ^ want)
assert m["name"] == "edgebench" and m["target"] == "linux-x86_64", m
assert m["arch"] == arch and m["static"] is False, m
assert m["version"] == version, (m["version"], version)
assert m["commit"] == commit, (m["commit"], commit)
assert {"ref", "cpu"} <= set(m["runners"]), m["runners"]
assert all(isinstance(f, str) and f for f in m["features"]), m["features"]
paths = sorted(f["path"] for f in m["files"])
assert paths == ["bin/edgebench", "models/extra.onnx"], paths
for f in m["files"]:
    data = open(os.path.join(d, f["path"]), "rb").read()
    assert f["bytes"] == len(data), f
    assert f["sha256"] == hashlib.sha256(data).hexdigest(), f
PYEOF

# the tarball: the same folder, under one top folder
expect 0 "tar -tzf" -- tar -tzf "$TMP/dist/$name.tar.gz"
if grep -qv "^$name/" "$TMP/out"; then
    echo "FAIL the tarball has entries outside $name/:"; grep -v "^$name/" "$TMP/out" | head -3 | sed 's/^/  /'
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
mkdir "$TMP/untar"
expect 0 "the tarball unpacks to the folder" -- sh -c 'tar -C "$1" -xzf "$2" && diff -r "$1/$3" "$4"' sh \
    "$TMP/untar" "$TMP/dist/$name.tar.gz" "$name" "$D"

# (the script itself: make turns every failure into its own exit 2)
expect 2 "an unknown TARGET" -- env DIST_DIR="$TMP/dist" sh scripts/make_dist.sh linux-mips
contains "$TMP/err" "linux-aarch64-static" "the unknown TARGET's message lists the targets"
expect 1 "a missing DIST_MODELS file" -- env DIST_DIR="$TMP/dist" DIST_MODELS="$TMP/none.onnx" sh scripts/make_dist.sh
contains "$TMP/err" "none.onnx: no such file" "the missing model's message"

# linux-aarch64-static: cross-built (about a minute on 2 cores once the
# toolchain is installed), no program interpreter, no dynamic section, and
# it runs under qemu-aarch64: --version and a short run with --out-dir
S=edgebench-$version-linux-aarch64-static
SD=$TMP/dist/$S
expect 0 "make dist TARGET=linux-aarch64-static" -- make --no-print-directory -s dist DIST_DIR="$TMP/dist" TARGET=linux-aarch64-static
expect 0 "file(1) on the static binary" -- file -L "$SD/bin/edgebench"
contains "$TMP/out" "ARM aarch64" "file(1): the static binary is aarch64"
contains "$TMP/out" "statically linked" "file(1): the binary is statically linked"
expect 0 "readelf -l on the static binary" -- aarch64-linux-gnu-readelf -lW "$SD/bin/edgebench"
if grep -qE 'INTERP|DYNAMIC|Requesting program interpreter' "$TMP/out"; then
    echo "FAIL the static binary has a program interpreter or a dynamic segment:"; grep -E 'INTERP|DYNAMIC|interpreter' "$TMP/out" | sed 's/^/  /'
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
contains "$TMP/out" "LOAD" "readelf -l lists the static binary's segments"
expect 0 "sha256sum -c (static bundle)" -- sh -c 'cd "$1" && sha256sum -c --strict SHA256SUMS' sh "$SD"
expect 0 "the static manifest" -- "$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["target"] == "linux-aarch64-static" and m["arch"] == "aarch64" and m["static"] is True, m
assert m["runners"] == ["ref", "cpu"], m["runners"]
assert any(f.startswith("no-papi:") for f in m["features"]), m["features"]
' "$SD/manifest.json"
expect 0 "the static binary under qemu-aarch64: --version" -- qemu-aarch64 "$SD/bin/edgebench" --version
contains "$TMP/out" "edgebench $version" "the static binary's version"
expect 0 "the static binary under qemu-aarch64: a short run" -- qemu-aarch64 "$SD/bin/edgebench" run zoo:fmnist-mlp \
    -v 'ref;cpu:threads=2' -n 3 --min-time 0 --eval 20 --out-dir "$TMP/qemu-run"
tail -n 1 "$TMP/out" | grep -qE "^EDGEBENCH_DONE rc=0 results=$TMP/qemu-run/results.json sha256=[0-9a-f]{64}\$" &&
    PASSES=$((PASSES + 1)) || { echo "FAIL the qemu run's done line: $(tail -n 1 "$TMP/out")"; FAILS=$((FAILS + 1)); }
finish
