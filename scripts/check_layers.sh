#!/bin/sh
# check_layers.sh - `make check-layers`: the include graph between edgebench's
# layers, and the edges it forbids.
#
# Data flows models -> reference_kernels -> runners -> bench -> reports, and
# nothing includes against that flow: every `#include "<layer>/..."` in a .c
# or .h file under those five folders is one edge from the file's layer to
# the included one.  Forbidden (the FORBIDDEN table below):
#   models            -> reference_kernels, runners, bench, reports
#   reference_kernels -> runners, bench, reports
#   runners           -> bench, reports
#   reports           -> bench, runners
# tests/ and build folders are not scanned (tests may include any layer).
#
# Prints the layer graph (each edge with its count of include lines), then
# every forbidden include as file:line, and fails when there is one.  Run it
# from the repository root (the Makefile does), or pass the root as $1.
set -eu

cd "${1:-.}"

LAYERS='models reference_kernels runners bench reports'
FORBIDDEN='
models reference_kernels
models runners
models bench
models reports
reference_kernels runners
reference_kernels bench
reference_kernels reports
runners bench
runners reports
reports bench
reports runners
'

# file:line:#include "dir/..." for every quoted include of the five layers
find $LAYERS -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort |
    xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' /dev/null |
    awk -v layers="$LAYERS" -v forbidden="$FORBIDDEN" '
    BEGIN {
        n = split(layers, l, " ")
        for (i = 1; i <= n; i++) { is_layer[l[i]] = 1; order[i] = l[i] }
        m = split(forbidden, f, "\n")
        for (i = 1; i <= m; i++) if (f[i] != "") { split(f[i], p, " "); bad[p[1] "|" p[2]] = 1 }
    }
    {
        # $0 = path:line:text
        path = $0; sub(/:.*/, "", path)
        rest = substr($0, length(path) + 2); line = rest; sub(/:.*/, "", line)
        inc = rest; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
        src = path; sub(/\/.*/, "", src)
        if (index(inc, "/") == 0) next
        dst = inc; sub(/\/.*/, "", dst)
        if (!(dst in is_layer) || dst == src) next
        count[src "|" dst]++
        if ((src "|" dst) in bad) viol[++nv] = path ":" line ": includes \"" inc "\" (" src " -> " dst " is forbidden)"
    }
    END {
        print "layer graph (edge: include lines)"
        for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) {
            e = order[i] "|" order[j]
            if (e in count) printf "  %-17s -> %-17s %4d%s\n", order[i], order[j], count[e], (e in bad) ? "  FORBIDDEN" : ""
        }
        if (nv == 0) { print "check-layers: no forbidden include"; exit 0 }
        print ""
        for (k = 1; k <= nv; k++) print viol[k]
        printf "check-layers: %d forbidden include%s\n", nv, nv == 1 ? "" : "s"
        exit 1
    }'
