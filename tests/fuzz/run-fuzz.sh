#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer target for a bounded time over a scratch copy of its seed corpus.
# Usage: run-fuzz.sh BINARY NAME CORPUS_DIR...
# A crash leaves its input in $MESON_BUILD_ROOT/fuzz-crashes/NAME/ (copy it into the seed corpus
# as a regression input once fixed) and fails the test.
set -euo pipefail
bin=$1 name=$2
shift 2
# One budget for the whole suite, shared by its NFPATH_FUZZ_TARGETS targets (meson sets it);
# NFPATH_FUZZ_SECONDS gives each target that long instead.
budget=${NFPATH_FUZZ_BUDGET:-180}
targets=${NFPATH_FUZZ_TARGETS:-1}
secs=${NFPATH_FUZZ_SECONDS:-$((budget / targets))}
if [ "$secs" -lt 5 ]; then
	secs=5
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
for d in "$@"; do
	cp -r "$d"/. "$work/corpus/" 2>/dev/null || cp "$d" "$work/corpus/"
done
crashes=${MESON_BUILD_ROOT:-$PWD}/fuzz-crashes/$name
mkdir -p "$crashes"
echo "fuzz $name: ${secs}s (budget ${budget}s over $targets targets) over $(find "$work/corpus" -type f | wc -l) seeds"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$crashes/" "$work/corpus"
