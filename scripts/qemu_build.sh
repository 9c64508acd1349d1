#!/bin/sh
# qemu_build.sh B QB - a BUILD folder for running the command-line tests
# (tests/cli/*.sh) against the aarch64 build B on another machine: QB has
# B's layout, every entry a symbolic link into B except the aarch64
# programs (edgebench, tests/test_*, tests/fuzz_replay_*), which are small
# wrappers that run the program with qemu-aarch64.  So EDGEBENCH=QB/edgebench
# BUILD=QB works whether or not binfmt_misc runs aarch64 programs by itself,
# and the libraries the tests dlopen (tests/*.so) stay the aarch64 ones.
# Used by scripts/test_aarch64.sh.
set -eu

B=$1
QB=$2
Babs=$(cd "$B" && pwd)
rm -rf "$QB"
mkdir -p "$QB/tests"

# is_prog FILE: an executable ELF program (not a shared library)
is_prog() {
    [ -f "$1" ] && [ -x "$1" ] && aarch64-linux-gnu-readelf -h "$1" 2>/dev/null | grep -q 'Type:.*EXEC\|Type:.*DYN (Position-Independent Executable'
}
# qemu by its full path: a test may run the program with a PATH that
# lacks it (test_history hides gnuplot that way)
QEMU=$(command -v qemu-aarch64)
wrap() {
    printf '#!/bin/sh\n# runs the aarch64 program under qemu-user (scripts/qemu_build.sh)\nexec %s %s "$@"\n' "$QEMU" "$1" >"$2"
    chmod 755 "$2"
}

for e in "$Babs"/* ; do
    n=${e##*/}
    case $n in
    tests) continue ;;
    # what the Makefile writes when it reads BUILD=QB (a test's `make -n`):
    # copies, so that B's own configuration is never rewritten
    config.mk | deps.stamp | commit.stamp) cp -p "$e" "$QB/$n" ;;
    *) if is_prog "$e"; then wrap "$e" "$QB/$n"; else ln -s "$e" "$QB/$n"; fi ;;
    esac
done
for e in "$Babs"/tests/*; do
    n=${e##*/}
    if is_prog "$e"; then wrap "$e" "$QB/tests/$n"; else ln -s "$e" "$QB/tests/$n"; fi
done
