#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Searches for datagrams that crash the exchange, with clang's libFuzzer under ASan+UBSan
# (tests/fuzz/fuzz-datagram.c), in a network namespace with only loopback.
#
#   build-aux/fuzz.sh [SECONDS]      default 300
#
# Builds build-fuzz/ with clang (only the fuzz target and what it needs), starts from the
# seeds in tests/fuzz/corpus and writes crashing inputs to build-fuzz/crashes/. A crash found
# is fixed and its input added to tests/fuzz/corpus/, where `meson test` replays it from then
# on (fuzz-replay). Exit 77 without clang or network namespaces.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-300}
dir=$top/build-fuzz

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang is missing (Debian: clang); skipping"
  exit 77
fi
# fuzzer-no-link everywhere: the coverage of the whole core guides the search, not only
# the target's own file.
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$dir" tests/fuzz/fuzz-datagram >/dev/null

# The fuzzer adds what it learns to the first folder; the seeds stay as they are.
work=$dir/corpus
mkdir -p "$work" "$dir/crashes"
echo "fuzz: ${seconds}s; new inputs in $work, crashes in $dir/crashes"
"$top/tests/fuzz/run-isolated.sh" "$dir/tests/fuzz/fuzz-datagram" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$dir/crashes/" "$work" "$top/tests/fuzz/corpus"
