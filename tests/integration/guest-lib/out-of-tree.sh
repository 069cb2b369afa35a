#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# An NF outside the tree builds against an installed libnfpath with nothing but pkg-config,
# and the library exports only its public nfp_ symbols (the version script works).
# usage: out-of-tree.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

meson install -C "$build" --destdir "$stage" --quiet >/dev/null
pc=$(find "$stage" -name libnfpath.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: libnfpath.pc was not installed"; exit 1; }
so=$(find "$stage" -name 'libnfpath.so.0*' -type f | head -1)
hdr=$(find "$stage" -path '*/nfpath/nfpath.h' | head -1)
[ -n "$so" ] && [ -n "$hdr" ] || { echo "FAIL: library or header not installed"; exit 1; }
echo "installed: ${pc#"$stage"} ${so#"$stage"} ${hdr#"$stage"}"

# Only nfp_ symbols (and the version node) may be exported.
extra=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v -e '^nfp_' -e '^NFPATH_' || true)
if [ -n "$extra" ]; then
	echo "FAIL: libnfpath exports non-API symbols:"; echo "$extra" | head; exit 1
fi
echo "exports: $(nm -D --defined-only "$so" | awk '{print $3}' | grep -c '^nfp_') nfp_ symbols, nothing else"

san=()
# (grep -q would close the pipe early: under pipefail, ldd's SIGPIPE would read as "no").
case "$(ldd "$so")" in *libasan*) san=(-fsanitize=address,undefined) ;; esac
# Point the staged .pc at the staging tree (what a real install under /usr needs no help for).
sed -i "s|^prefix=|prefix=$stage|" "$pc"
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags libnfpath)
libs=$(pkg-config --libs libnfpath)
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror "${san[@]}" $cflags \
	-o "$stage/nf-forward" "$src/guest-lib/examples/nf-forward.c" \
	"$src/guest-lib/examples/nf-common.c" "$src/guest-lib/examples/nf-packet.c" $libs \
	-Wl,-rpath,"$(dirname "$so")"
out=$("$stage/nf-forward" --no-pci --no-huge --no-shconf --log-level '*:error' -- --help 2>&1 || true)
echo "$out" | grep -q -- '--name NAME' || { echo "FAIL: out-of-tree NF did not run: $out"; exit 1; }
echo "PASS: out-of-tree NF built with pkg-config --cflags --libs libnfpath and ran"
