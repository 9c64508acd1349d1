# test_install.sh - `make install DESTDIR=... PREFIX=...` stages the binary,
# edgebench(1) and the device-farm scripts (FARM_DIR, scripts/farm/ by
# default: every file, same content, executables executable) under
# DESTDIR/PREFIX, and nothing outside DESTDIR.  The farm part is checked on
# a folder made here (FARM_DIR=...), so it is tested whether or not this
# tree has scripts/farm yet, and then on scripts/farm itself when present.
. "$(dirname "$0")/lib.sh"

D=$(mktemp -d "$TMP/destdir-XXXXXX")
mkdir -p "$TMP/farm/roles/run"
printf '#!/bin/sh\necho dispatch\n' >"$TMP/farm/dispatch.sh"
chmod 755 "$TMP/farm/dispatch.sh"
printf -- '- hosts: all\n' >"$TMP/farm/roles/run/main.yml"
# the sub-make inherits SANITIZE and BUILD from MAKEFLAGS (as test_docs.sh)
expect 0 "make install DESTDIR= PREFIX= FARM_DIR=" -- make --no-print-directory -s install DESTDIR="$D" PREFIX=/opt/eb \
    BUILD="$BUILD" FARM_DIR="$TMP/farm"
P=$D/opt/eb
expect 0 "the staged binary runs" -- "$P/bin/edgebench" --version
[ -f "$P/share/man/man1/edgebench.1" ] && PASSES=$((PASSES + 1)) || { echo "FAIL no staged man page"; FAILS=$((FAILS + 1)); }
F=$P/share/edgebench/farm
cmp -s "$TMP/farm/dispatch.sh" "$F/dispatch.sh" && [ -x "$F/dispatch.sh" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL the farm script is not installed, executable, at $F/dispatch.sh"; FAILS=$((FAILS + 1)); }
cmp -s "$TMP/farm/roles/run/main.yml" "$F/roles/run/main.yml" && [ ! -x "$F/roles/run/main.yml" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL the nested farm file is not installed (mode 644) at $F/roles/run/main.yml"; FAILS=$((FAILS + 1)); }
(cd "$D" && find . -type f | LC_ALL=C sort) >"$TMP/staged"
printf './opt/eb/bin/edgebench\n./opt/eb/share/edgebench/farm/dispatch.sh\n./opt/eb/share/edgebench/farm/roles/run/main.yml\n./opt/eb/share/man/man1/edgebench.1\n' >"$TMP/want"
cmp -s "$TMP/staged" "$TMP/want" && PASSES=$((PASSES + 1)) ||
    { echo "FAIL make install staged other files:"; diff "$TMP/want" "$TMP/staged" | sed 's/^/  /'; FAILS=$((FAILS + 1)); }

# without a farm folder: the binary and the page only
D2=$(mktemp -d "$TMP/destdir-XXXXXX")
expect 0 "make install without a farm folder" -- make --no-print-directory -s install DESTDIR="$D2" PREFIX=/usr \
    BUILD="$BUILD" FARM_DIR="$TMP/no-farm"
[ ! -e "$D2/usr/share/edgebench" ] && [ -x "$D2/usr/bin/edgebench" ] && PASSES=$((PASSES + 1)) ||
    { echo "FAIL make install without a farm folder"; FAILS=$((FAILS + 1)); }

# the tree's own scripts/farm, when this tree has it
if [ -d scripts/farm ]; then
    D3=$(mktemp -d "$TMP/destdir-XXXXXX")
    expect 0 "make install (scripts/farm)" -- make --no-print-directory -s install DESTDIR="$D3" PREFIX=/usr/local BUILD="$BUILD"
    expect 0 "every file of scripts/farm installed" -- diff -r scripts/farm "$D3/usr/local/share/edgebench/farm"
else
    skip "make install of scripts/farm" "this tree has no scripts/farm yet (the Ansible/LAVA change adds it); checked above on a made folder"
fi
finish
