#!/bin/sh
# static_libs.sh DIR CC - the static archives a fully static edgebench
# needs that Debian does not ship, built into DIR with the compiler CC.
#
# Of the libraries edgebench links (protobuf-c, cJSON, zlib, OpenSSL's
# libcrypto, SQLite), Debian's -dev packages ship a static archive for all
# but cJSON (libcjson-dev has the shared library only).  libcjson.a is built
# here from Debian's own source package of the installed libcjson-dev (the
# same version as the headers, with Debian's patches: `apt-get source`,
# checksums verified against the signed Sources index, `dpkg-source -x`
# applies the patches).  apt reads a private deb-src list and state folder
# under DIR: the system's apt configuration is not touched, and no root is
# needed.  The suite is the installed package's (the security suite when
# its version has +debNuM, else the release).
#
# Run by scripts/make_dist.sh for TARGET=linux-aarch64-static; DIR then goes
# on the link line as -L DIR.  Idempotent: an existing DIR/libcjson.a of the
# same version is kept.
set -eu

DIR=$1
CC=$2
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# the arm64 package when building for arm64 (multiarch), else the host's
case $CC in
aarch64-*) pkg=libcjson-dev:arm64 ;;
*) pkg=libcjson-dev ;;
esac
ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
if [ -z "$ver" ]; then
    echo "static_libs: $pkg is not installed (scripts/deps.sh aarch64 installs it)" >&2
    exit 1
fi
if [ -f "$DIR/libcjson.a" ] && [ "$(cat "$DIR/libcjson.version" 2>/dev/null)" = "$ver" ]; then
    exit 0
fi

. /etc/os-release
codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt_dir=$DIR/apt
rm -rf "$apt_dir" "$DIR/src"
mkdir -p "$apt_dir/lists/partial" "$DIR/src"
case $ver in
*+deb*u*) echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security $codename-security main" ;;
*) echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $codename main" ;;
esac >"$apt_dir/sources.list"
apt_opts="-qq -o Dir::Etc::SourceList=$apt_dir/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$apt_dir/lists -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
echo "static_libs: cJSON $ver from Debian's source package (apt-get source cjson=$ver)"
# shellcheck disable=SC2086
apt-get $apt_opts update
# shellcheck disable=SC2086
(cd "$DIR/src" && apt-get $apt_opts source --download-only "cjson=$ver")
(cd "$DIR/src" && dpkg-source -q -x ./*.dsc cjson >/dev/null)
"$CC" -std=c89 -O2 -fno-strict-aliasing -c "$DIR/src/cjson/cJSON.c" -o "$DIR/cJSON.o"
rm -f "$DIR/libcjson.a"
ar rcs "$DIR/libcjson.a" "$DIR/cJSON.o"
echo "$ver" >"$DIR/libcjson.version"
rm -rf "$apt_dir" "$DIR/src" "$DIR/cJSON.o"
