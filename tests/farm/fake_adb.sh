#!/bin/sh
# fake_adb.sh - a stand-in for Android's `adb`, for tests/cli/test_farm.sh:
# each device is a folder $FAKE_ADB_ROOT/SERIAL/ holding `mode` and `fs/`,
# the device's file system (absolute device paths are mapped under fs/).
# It implements what the farm playbook calls: `adb devices`,
# `adb -s SERIAL get-state|push SRC DST|pull SRC DST|shell CMD...`.
# Shell commands run in /bin/sh with the device paths rewritten to fs/
# (the playbook's work dir is the only tree it touches).
#
# Modes (the `mode` file, one word):
#   normal   behaves like a modern adb: `shell` exits with the command's status
#   offline  the device is listed `offline`; every command fails as adb does
#   hang     get-state works, but `shell` never returns (a wedged device)
#   legacy   an old adb (before 2016's shell protocol): `shell` exits 0
#            whatever the command's status
# Not adb: no server, no transport ids, no options other than -s.
set -u
: "${FAKE_ADB_ROOT:?set FAKE_ADB_ROOT to the fake devices folder}"

die() { echo "$*" >&2; exit 1; }

if [ "${1:-}" = devices ]; then
    echo "List of devices attached"
    for d in "$FAKE_ADB_ROOT"/*/; do
        [ -f "$d/mode" ] || continue
        s=$(basename "$d")
        if [ "$(cat "$d/mode")" = offline ]; then st=offline; else st=device; fi
        printf '%s\t%s\n' "$s" "$st"
    done
    exit 0
fi

[ "${1:-}" = -s ] && [ $# -ge 3 ] || die "fake adb: usage: adb devices | adb -s SERIAL get-state|push|pull|shell ..."
serial=$2; shift 2
dev=$FAKE_ADB_ROOT/$serial
[ -f "$dev/mode" ] || die "adb: device '$serial' not found"
mode=$(cat "$dev/mode")
fs=$dev/fs
mkdir -p "$fs"
[ "$mode" = offline ] && die "adb: device offline"

# a device path (absolute) as a path on this machine
# (a path the command printed is already one: the shell saw fs/ paths)
host_path() { case "$1" in "$fs"/*) echo "$1" ;; /*) echo "$fs$1" ;; *) echo "$fs/$1" ;; esac; }

cmd=$1; shift
case "$cmd" in
get-state)
    echo device
    ;;
push)
    [ $# -eq 2 ] || die "adb: usage: push SRC DST"
    dst=$(host_path "$2")
    case "$2" in */) mkdir -p "$dst" ;; esac
    if [ -d "$dst" ]; then dst=$dst/$(basename "$1"); fi
    cp -r "$1" "$dst" || die "adb: error: failed to copy '$1' to '$2'"
    echo "$1: 1 file pushed."
    ;;
pull)
    [ $# -eq 2 ] || die "adb: usage: pull SRC DST"
    src=$(host_path "$1")
    [ -e "$src" ] || die "adb: error: failed to stat remote object '$1': No such file or directory"
    cp -r "$src" "$2" || die "adb: error: cannot write '$2'"
    echo "$1: 1 file pulled."
    ;;
shell)
    [ "$mode" = hang ] && exec sleep 3600
    # the device's absolute paths under fs/: the command sees / as fs/
    # for the paths the playbook uses (its work dir and the sysfs root)
    script=$(printf '%s ' "$@" | sed "s#/data/#$fs/data/#g; s#/sdcard/#$fs/sdcard/#g")
    /bin/sh -c "$script"
    rc=$?
    [ "$mode" = legacy ] && exit 0
    exit $rc
    ;;
*)
    die "fake adb: '$cmd' is not implemented"
    ;;
esac
