#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on its embedded default (README: the first command).
# For now it builds nfpath and runs the unit suite as a smoke check: the full demo (simulated
# SR-IOV NIC, libvirt test driver, nfpath-dp, NFs, nfpathd, real traffic) replaces this when
# its pieces exist.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NFPATH_BUILD:-build}
[ -d "$build" ] || meson setup "$build"
ninja -C "$build"
meson test -C "$build" --suite unit --print-errorlogs
