#!/bin/sh
# deps.sh - checks edgebench's build and test dependencies and installs the
# missing ones with apt-get on Debian/Ubuntu (sudo when not root).  Elsewhere
# it prints the packages to install and fails.  Run by `make deps`, which
# `make`, `make test` and `make demo` run first.
#
# `deps.sh torch` checks the Python side instead (PyTorch, torchvision, ONNX),
# needed only to retrain the zoo or export the architecture models;
# `deps.sh bench` the benchmark peers (OpenBLAS, npm for ONNX Runtime,
# CLBlast for the OpenCL GEMM);
# `deps.sh fuzz` clang and its libFuzzer runtime, for `make fuzz`
# (tests/fuzz/fuzz.mk; `make test` needs neither);
# `deps.sh aarch64` the cross toolchain, qemu-user and the arm64 builds of
# the libraries edgebench links, for `make test-aarch64`.  Those come from
# Debian multiarch: when arm64 is not yet a foreign architecture, the script
# adds it (`dpkg --add-architecture arm64`, printed) before installing.
#
# The OpenCL runner is built and tested on PoCL, the CPU as an OpenCL
# device (a machine with a GPU adds its vendor's ICD beside it).
#
# Each line: how to check | Debian package.  A check is `pc:NAME` (pkg-config
# module), `file:PATH` or `cmd:NAME`.  A package named PKG:arm64 is the
# arm64 build of PKG, installed beside the host's.
set -eu

DEPS='
pc:libprotobuf-c|libprotobuf-c-dev
cmd:protoc-c|protobuf-c-compiler
file:/usr/include/onnx/onnx.proto|libonnx-dev
pc:libcjson|libcjson-dev
pc:cmocka|libcmocka-dev
pc:zlib|zlib1g-dev
file:/usr/share/libonnx-testdata/data/node|libonnx-testdata
cmd:pkg-config|pkg-config
pc:libcrypto|libssl-dev
file:/usr/lib/python3/dist-packages/jsonschema|python3-jsonschema
file:/usr/lib/python3/dist-packages/onnx/__init__.py|python3-onnx
file:/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz|dataset-fashion-mnist
pc:sqlite3|libsqlite3-dev
cmd:gnuplot|gnuplot-nox
cmd:lowdown|lowdown
cmd:man|man-db
file:/usr/bin/time|time
cmd:node|nodejs
pc:OpenCL|ocl-icd-opencl-dev
file:/usr/include/CL/cl.h|opencl-c-headers
file:/etc/OpenCL/vendors/pocl.icd|pocl-opencl-icd
pc:papi|libpapi-dev
'
if [ "${1:-}" = bench ]; then
    DEPS='
pc:openblas|libopenblas-dev
cmd:npm|npm
pc:clblast|libclblast-dev
'
elif [ "${1:-}" = torch ]; then
    DEPS='
file:/usr/lib/python3/dist-packages/torch|python3-torch
file:/usr/lib/python3/dist-packages/torchvision|python3-torchvision
file:/usr/lib/python3/dist-packages/onnx/__init__.py|python3-onnx
'
elif [ "${1:-}" = fuzz ]; then
    # libFuzzer lives in clang's resource folder, whose path has clang's
    # version in it: ask clang (without clang the check fails, as it should)
    F=$(clang --print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null || true)
    case "$F" in /*) ;; *) F=/nonexistent/libclang_rt.fuzzer ;; esac
    DEPS="
cmd:clang|clang
file:$F|libclang-rt-dev
"
elif [ "${1:-}" = aarch64 ]; then
    # the arm64 .pc files are checked by path: pkg-config here answers
    # for the host (libcpuid is x86-only and left out)
    A=/usr/lib/aarch64-linux-gnu/pkgconfig
    DEPS="
cmd:aarch64-linux-gnu-gcc|gcc-aarch64-linux-gnu
cmd:qemu-aarch64|qemu-user
file:$A/libprotobuf-c.pc|libprotobuf-c-dev:arm64
file:$A/libcjson.pc|libcjson-dev:arm64
file:$A/zlib.pc|zlib1g-dev:arm64
file:$A/libcrypto.pc|libssl-dev:arm64
file:$A/sqlite3.pc|libsqlite3-dev:arm64
file:$A/cmocka.pc|libcmocka-dev:arm64
"
fi
# the farm contract and the dist bundle (tests/cli/test_run_contract.sh
# traces the run's writes with strace; tests/cli/test_dist.sh checks the
# binary with file(1)); make dist TARGET=linux-aarch64-static builds cJSON's
# static archive from its Debian source package (dpkg-source: dpkg-dev)
case "${1:-}" in
'') DEPS="$DEPS cmd:strace|strace cmd:file|file" ;;
aarch64) DEPS="$DEPS cmd:dpkg-source|dpkg-dev cmd:file|file file:/usr/lib/aarch64-linux-gnu/libc.a|libc6-dev:arm64" ;;
esac
# the dashboard exports' checkers (tests/cli/test_exports.sh): promtool checks
# the OpenMetrics text (--format openmetrics), xmllint the JUnit XML against
# tests/data/junit-10.xsd (compare --format junit)
[ -n "${1:-}" ] || DEPS="$DEPS cmd:promtool|prometheus cmd:xmllint|libxml2-utils"
# the farm engines' checks (tests/cli/test_farm_engines.sh): LAVA's job and
# test-definition schemas (lava-common), groovyc to compile the Jenkinsfile
# (with the JRE that gives it /usr/lib/jvm/default-java), PyYAML for the
# GitHub Actions workflow
[ -n "${1:-}" ] || DEPS="$DEPS file:/usr/lib/python3/dist-packages/lava_common/schemas/__init__.py|lava-common
cmd:groovyc|groovy file:/usr/lib/jvm/default-java|default-jre-headless
file:/usr/lib/python3/dist-packages/yaml/__init__.py|python3-yaml"
# tests/cli/test_farm.sh (the device-farm playbook, scripts/farm/): Ansible,
# sshd in network namespaces reached through nc, a qemu-user exec wrapper
[ -z "${1:-}" ] && DEPS="$DEPS
cmd:ansible-playbook|ansible-core
file:/usr/sbin/sshd|openssh-server
cmd:ssh|openssh-client
cmd:ip|iproute2
cmd:nc|netcat-openbsd
cmd:qemu-x86_64|qemu-user
"
# libcpuid identifies x86 CPUs only; elsewhere /proc/cpuinfo is used
case "${1:-}:$(uname -m)" in
aarch64:*) ;;
*:x86_64 | *:i?86) DEPS="$DEPS pc:libcpuid|libcpuid-dev" ;;
esac

# the generate scenario's prompts and perplexity text, and the training text of
# zoo:fortunes-gpt (tests/cli/test_generate.sh): Debian's fortunes corpus
case "${1:-}" in
"" | torch) DEPS="$DEPS file:/usr/share/games/fortunes/fortunes|fortunes" ;;
esac

have() {
    case "$1" in
    pc:*) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "${1#pc:}" ;;
    file:*) [ -e "${1#file:}" ] ;;
    cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
    esac
}

missing=""
for line in $DEPS; do
    check=${line%%|*}
    pkg=${line#*|}
    have "$check" || missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

echo "edgebench: missing packages:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "edgebench: this is not a Debian/Ubuntu system; install the equivalents of:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "edgebench: not root and no sudo; run as root: apt-get install$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
case "$missing" in
*:arm64*)
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        echo "edgebench: adding arm64 as a foreign architecture (Debian multiarch): dpkg --add-architecture arm64"
        $SUDO dpkg --add-architecture arm64
    fi
    ;;
esac
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
