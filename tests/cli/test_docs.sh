# test_docs.sh - the repository carries its own documentation: the README
# and docs/ point nowhere outside it, `make install` installs the binary and
# edgebench(1), and the manual names every option, variant key, result
# status and exit status that the binary has.
. "$(dirname "$0")/lib.sh"

# nothing points outside the repository
if grep -nE '\.\./shared|DESIGN\.md|STYLE\.md' README.md docs/*.md >"$TMP/outside"; then
    echo "FAIL README/docs refer to files outside the repository:"; sed 's/^/  /' "$TMP/outside"
    FAILS=$((FAILS + 1))
else
    PASSES=$((PASSES + 1))
fi
contains README.md "docs/edgebench.md" "README points to the manual"

# make install PREFIX=... (the sub-make inherits SANITIZE and BUILD from MAKEFLAGS)
expect 0 "make install" -- make --no-print-directory -s install PREFIX="$TMP/prefix" BUILD="$BUILD"
expect 0 "installed binary runs" -- "$TMP/prefix/bin/edgebench" --help
expect 0 "installed man page renders" -- env MANWIDTH=100 man -l "$TMP/prefix/share/man/man1/edgebench.1"
cp "$TMP/out" "$TMP/man.txt"
for section in NAME SYNOPSIS VARIANTS RESULTS "EXIT STATUS"; do
    contains "$TMP/man.txt" "$section" "man page has a $section section"
done

# every long option of every command is in the manual
for cmd in run compare report inspect info history calibrate merge; do
    "$EDGEBENCH" $cmd --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u | while read -r opt; do
        [ "$opt" = --help ] || echo "$cmd $opt"
    done
done >"$TMP/opts"
while read -r cmd opt; do
    contains "$TMP/man.txt" "$opt" "man page documents '$cmd $opt'"
done <"$TMP/opts"

# every variant key the parser takes, every result status, every exit status
for key in threads prune quant group device isa opt gemm math; do
    contains "$TMP/man.txt" "$key=" "man page documents the variant key $key"
done
for status in ok unsupported failed timeout crashed interrupted deadline; do
    contains "$TMP/man.txt" "$status" "man page documents the status $status"
done
for code in 0 1 2 3 75 130; do
    grep -qE "^ +$code\$" "$TMP/man.txt" && PASSES=$((PASSES + 1)) ||
        { echo "FAIL man page lists exit status $code"; FAILS=$((FAILS + 1)); }
done
finish
