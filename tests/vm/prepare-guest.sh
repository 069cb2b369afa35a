#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepares the real-VM guests (README.md in this folder): the kernel lab's kernel and base
# initramfs (tests/kernel-lab/prepare.sh, cached; shared with the kernel-lab suite when both use
# LAB_DIR) plus an overlay archive with the VM's /init (guest-init.sh) and the virtio-net modules
# with what they depend on, in load order. The initramfs a VM boots is the base followed by the
# overlay (the kernel unpacks both; the overlay's /init wins).
#
# Usage: prepare-guest.sh LAB_DIR
# Writes LAB_DIR/vm.env (KERNEL, INITRD, KVER). Exit 77 (with the reason) when the kernel lab
# cannot be prepared here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'vm-guest: %s\n' "$*" >&2; }

[ $# -eq 1 ] || { say "usage: prepare-guest.sh LAB_DIR"; exit 2; }
lab=$1
mkdir -p "$lab"
lab=$(cd "$lab" && pwd)

rc=0
bash "$here/../kernel-lab/prepare.sh" "$lab" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
# shellcheck disable=SC1091
. "$lab/lab.env"
cache=$(dirname "$INITRD_BASE")
moddir=$cache/image/lib/modules/$KVER
bb=$cache/bb/bin/busybox
[ -d "$moddir" ] && [ -x "$bb" ] || { say "ERROR: the kernel lab's cache $cache lacks modules or busybox"; exit 1; }

hash=$(cat "$here/prepare-guest.sh" "$here/guest-init.sh" | sha256sum | cut -c1-12)
overlay=$cache/vm-overlay-$hash.cpio.gz
initrd=$cache/vm-initrd-$hash.img
exec 9>"$cache/.vm-lock"
flock 9
if [ ! -e "$initrd" ]; then
	say "assembling the VM overlay (virtio-net modules, /init)"
	stage=$(mktemp -d "$cache/vm-stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/lab" "$stage/lib/modules/$KVER"
	cp "$here/guest-init.sh" "$stage/init"
	chmod 755 "$stage/init"
	# Load order: each module after the modules its 'depends=' names (modinfo, from the file).
	python3 - "$moddir" "$stage" virtio_net virtio_pci <<'PY' >"$stage/lab/vm-modules"
import os, shutil, sys
moddir, stage, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
paths = {}
for root, _, files in os.walk(os.path.join(moddir, "kernel")):
    for f in files:
        if f.endswith(".ko"):
            paths[f[:-3].replace("-", "_")] = os.path.join(root, f)
builtin = open(os.path.join(moddir, "modules.builtin")).read()
order, seen = [], set()
def add(name):
    name = name.replace("-", "_")
    if name in seen:
        return
    seen.add(name)
    if name not in paths:
        if f"/{name}.ko" in builtin or f"/{name.replace('_', '-')}.ko" in builtin:
            return
        sys.exit(f"module {name} is neither a module nor built in")
    info = open(paths[name], "rb").read().split(b"\0")
    for field in info:
        if field.startswith(b"depends="):
            for d in field[8:].decode().split(","):
                if d:
                    add(d)
    rel = os.path.relpath(paths[name], moddir)
    os.makedirs(os.path.join(stage, "lib/modules", os.path.basename(moddir), os.path.dirname(rel)),
                exist_ok=True)
    shutil.copy(paths[name], os.path.join(stage, "lib/modules", os.path.basename(moddir), rel))
    order.append(rel)
for w in wanted:
    add(w)
print("\n".join(order))
PY
	say "modules: $(tr '\n' ' ' <"$stage/lab/vm-modules")"
	(cd "$stage" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc 2>/dev/null) | gzip -1 >"$overlay.tmp"
	mv "$overlay.tmp" "$overlay"
	cat "$INITRD_BASE" "$overlay" >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -f "$cache"/vm-overlay-*.cpio.gz.old
	for old in "$cache"/vm-initrd-*.img "$cache"/vm-overlay-*.cpio.gz; do
		[ "$old" = "$initrd" ] || [ "$old" = "$overlay" ] || rm -f "$old"
	done
fi
# QEMU runs as libvirt-qemu: the files must be readable by it, and every directory above them
# searchable.
chmod 0644 "$initrd" "$KERNEL"
d=$(dirname "$initrd")
while [ "$d" != / ]; do
	chmod o+x "$d" 2>/dev/null || true
	d=$(dirname "$d")
done
cat >"$lab/vm.env" <<EOV
KVER=$KVER
KERNEL=$KERNEL
INITRD=$initrd
EOV
say "guest ready: kernel $KVER, initrd $initrd"
