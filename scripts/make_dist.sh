#!/bin/sh
# make_dist.sh [TARGET] - `make dist`: the bundle a device farm pushes to a
# device and runs there without anything else installed.
#
#   TARGET                what it is                             built in
#   linux-x86_64          the host build (dynamic; GPU runners    build/
#                         as `make` finds their SDKs)
#   linux-aarch64         cross-built, dynamic (libc6 and the     build-aarch64/
#                         libraries of arm64 Debian); the GPU
#                         runners only where an arm64 SDK is
#                         installed (pkg-config's arm64 OpenCL.pc;
#                         CUDA is never cross-built)
#   linux-aarch64-static  the CPU runners, linked statically:      build-aarch64-static/
#                         no ELF interpreter, no shared library,
#                         so it runs from `adb shell` on Android
# Default: linux-$(uname -m), the host's dynamic build.
#
# The bundle, dist/edgebench-VERSION-TARGET/ and the same folder as
# dist/edgebench-VERSION-TARGET.tar.gz:
#   bin/edgebench     the binary (the model zoo is embedded in it)
#   models/           DIST_MODELS="a.onnx b.onnx": extra models, copied
#   manifest.json     {"name","target","arch" (as uname -m prints it),
#                      "static","version","commit","runners","features"
#                      (built-in options; "no-X: why" for one left out),
#                      "files":[{"path","bytes","sha256"}]}
#   SHA256SUMS        `sha256sum -c` format, every file but itself
# The cross targets install their toolchain first (deps.sh aarch64).  The
# binary is checked to be of the target's machine (readelf -h), and the
# static one to have no program interpreter (readelf -l: no INTERP).
# Environment: JOBS (parallel compiles, default 2), DIST_DIR (default dist);
# for the host target BUILD, HOST_CC and SANITIZE (the Makefile passes its own).
set -eu

cd "$(dirname "$0")/.."
host=$(uname -m)
TARGET=${1:-linux-$host}
JOBS=${JOBS:-2}
DIST_DIR=${DIST_DIR:-dist}
say() { echo "make dist: $*"; }
die() {
    echo "make dist: $*" >&2
    exit 1
}

case $TARGET in
linux-x86_64) arch=x86_64 static=false ;;
linux-aarch64) arch=aarch64 static=false ;;
linux-aarch64-static) arch=aarch64 static=true ;;
*)
    echo "make dist: TARGET=$TARGET: use linux-x86_64, linux-aarch64 or linux-aarch64-static" >&2
    exit 2
    ;;
esac
for m in ${DIST_MODELS:-}; do
    [ -f "$m" ] || die "DIST_MODELS: $m: no such file"
    case $m in *.onnx) ;; *) die "DIST_MODELS: $m: not an .onnx file" ;; esac
done

version=$(sed -n 's/^#define EB_VERSION "\(.*\)"$/\1/p' reports/version.h)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
[ -n "$version" ] || die "no EB_VERSION in reports/version.h"

# the Makefile is run as its own make (a parent's jobserver is not passed on)
unset MAKEFLAGS MFLAGS
features=""
add_feature() { features="$features${features:+
}$1"; }

if [ "$arch" = "$host" ] && [ "$static" = false ]; then
    B=${BUILD:-build}
    say "$TARGET: the host build, in $B/"
    make -s --no-print-directory -j"$JOBS" BUILD="$B" CC="${HOST_CC:-cc}" SANITIZE="${SANITIZE:-0}" "$B/edgebench"
    pc() { pkg-config --exists "$1" 2>/dev/null; }
    readelf=readelf
else
    [ "$host" = x86_64 ] || [ "$host" = "$arch" ] || die "$TARGET: cross-building from $host is not supported"
    sh scripts/deps.sh
    sh scripts/deps.sh aarch64
    CROSS_CC=aarch64-linux-gnu-gcc
    readelf=aarch64-linux-gnu-readelf
    export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
    unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
    pc() { pkg-config --exists "$1" 2>/dev/null; }
    if [ "$static" = true ]; then
        B=${AARCH64_STATIC_BUILD:-build-aarch64-static}
        mkdir -p "$B"
        touch "$B/deps.stamp" # both deps runs are done (the Makefile's would check the host's modules)
        sh scripts/static_libs.sh "$B/static-libs" "$CROSS_CC"
        say "$TARGET: cross-built with $CROSS_CC, linked statically, in $B/"
        # -static: every library from its .a (Debian's, and cJSON's from
        # static_libs.sh); the GPU runners need their vendors' shared
        # drivers, so they are not built
        make -s --no-print-directory -j"$JOBS" BUILD="$B" CC="$CROSS_CC" SANITIZE=0 OPENCL=no CUDA=no \
            LDFLAGS="-static -L$B/static-libs" "$B/edgebench"
        add_feature "static"
        add_feature "no-opencl: the OpenCL ICD loader and drivers are shared libraries; not in a static build"
        add_feature "no-cuda: the CUDA driver is a shared library; not in a static build"
    else
        B=${AARCH64_BUILD:-build-aarch64}
        mkdir -p "$B"
        touch "$B/deps.stamp"
        opencl=no
        pc OpenCL && opencl=yes
        say "$TARGET: cross-built with $CROSS_CC, dynamic, in $B/ (OpenCL runner: $opencl)"
        make -s --no-print-directory -j"$JOBS" BUILD="$B" CC="$CROSS_CC" SANITIZE=0 OPENCL=$opencl CUDA=no \
            "$B/edgebench"
        [ "$opencl" = yes ] || add_feature "no-opencl: no arm64 OpenCL SDK here (pkg-config OpenCL for arm64 not found)"
        add_feature "no-cuda: CUDA is not cross-built (no aarch64 CUDA toolkit)"
    fi
fi
BIN=$B/edgebench

# what was built in: the build's resolved backends (config.mk) and the
# optional libraries its pkg-config found
have_opencl=$(sed -n 's/.*HAVE_OPENCL=\([01]\).*/\1/p' "$B/config.mk")
have_cuda=$(sed -n 's/.*HAVE_CUDA=\([01]\).*/\1/p' "$B/config.mk")
runners="ref cpu"
[ "$have_opencl" = 1 ] && runners="$runners opencl" && add_feature "opencl"
[ "$have_cuda" = 1 ] && runners="$runners cuda" && add_feature "cuda"
if [ "$arch" = x86_64 ]; then
    if pc libcpuid && [ "$static" = false ]; then add_feature "libcpuid"; else add_feature "no-libcpuid: not found by pkg-config (CPU facts from /proc/cpuinfo)"; fi
else
    add_feature "no-libcpuid: x86 only (CPU facts from /proc/cpuinfo)"
fi
if pc papi && [ "$static" = false ]; then
    add_feature "papi"
elif [ "$static" = true ]; then
    add_feature "no-papi: dlopened at run time, which a static binary cannot do (counters from perf_event_open)"
else
    add_feature "no-papi: papi.h not found by pkg-config for $arch (counters from perf_event_open)"
fi
[ "$arch" = aarch64 ] && add_feature "neon"

# the binary is what the target says
machine=$($readelf -h "$BIN" | sed -n 's/^ *Machine: *//p')
case $arch:$machine in
x86_64:*X86-64* | aarch64:*AArch64*) ;;
*) die "$BIN is a '$machine' binary, not $arch" ;;
esac
if $readelf -l "$BIN" | grep -q 'INTERP'; then
    [ "$static" = false ] || die "$BIN has a program interpreter (INTERP): not static"
else
    [ "$static" = true ] || die "$BIN has no program interpreter, yet the target is dynamic"
fi

name=edgebench-$version-$TARGET
root=$DIST_DIR/$name
rm -rf "$root" "$root.tar.gz"
mkdir -p "$root/bin" "$root/models"
cp "$BIN" "$root/bin/edgebench"
chmod 755 "$root/bin/edgebench"
for m in ${DIST_MODELS:-}; do
    cp "$m" "$root/models/"
done

# manifest.json and SHA256SUMS: the digests from sha256sum itself
(cd "$root" && find bin models -type f | LC_ALL=C sort >../.files-$$)
files=$DIST_DIR/.files-$$
(cd "$root" && xargs sha256sum <"../.files-$$" >SHA256SUMS.tmp)
python3 - "$root" "$TARGET" "$arch" "$static" "$version" "$commit" "$runners" "$features" <<'EOF'
import json, os, sys
root, target, arch, static, version, commit, runners, features = sys.argv[1:]
files = []
with open(os.path.join(root, "SHA256SUMS.tmp")) as f:
    for line in f:
        digest, path = line.rstrip("\n").split("  ", 1)
        files.append({"path": path, "bytes": os.path.getsize(os.path.join(root, path)), "sha256": digest})
doc = {"name": "edgebench", "target": target, "arch": arch, "static": static == "true",
       "version": version, "commit": commit, "runners": runners.split(),
       "features": [x for x in features.split("\n") if x], "files": files}
with open(os.path.join(root, "manifest.json"), "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
EOF
rm -f "$files" "$root/SHA256SUMS.tmp"
# SHA256SUMS covers every file but itself, the manifest included
(cd "$root" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
(cd "$root" && sha256sum -c --quiet SHA256SUMS) || die "SHA256SUMS does not check"
tar -C "$DIST_DIR" --owner=0 --group=0 --numeric-owner -czf "$root.tar.gz" "$name"
say "$root/ and $root.tar.gz ($(wc -c <"$root.tar.gz") bytes): $(sed -n 's/.*"commit": "\(.*\)".*/\1/p' "$root/manifest.json"), runners: $runners"
