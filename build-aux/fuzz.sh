#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Searches for inputs that crash the exchange, with clang's libFuzzer under ASan+UBSan (and
# LeakSanitizer: a leak ends the run too), in a network namespace with only loopback:
#
#   build-aux/fuzz.sh [SECONDS]           datagrams (tests/fuzz/fuzz-datagram.c), default 300
#   build-aux/fuzz.sh [SECONDS] stream    TCP/TLS byte streams (tests/fuzz/fuzz-stream.c)
#   build-aux/fuzz.sh [SECONDS] capture   capture files (tests/fuzz/fuzz-capture.c): libpcap,
#                                         reassembly, the proxy check, text and JSON
#
# Builds build-fuzz/ with clang (only the fuzz target and what it needs), starts from the
# seeds in tests/fuzz/corpus (stream: tests/fuzz/stream-corpus) and writes crashing inputs to
# build-fuzz/crashes/. A crash found is fixed and its input added to the corpus folder, where
# `meson test` replays it from then on (fuzz-replay, fuzz-stream-replay). Exit 77 without
# clang or network namespaces.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-300}
target=${2:-datagram}
dir=$top/build-fuzz
case $target in
  datagram) seeds=$top/tests/fuzz/corpus ;;
  stream) seeds=$top/tests/fuzz/stream-corpus ;;
  capture) seeds=$top/tests/fuzz/capture-corpus ;;
  *) echo "fuzz: unknown target '$target' (datagram, stream or capture)"; exit 2 ;;
esac

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
ninja -C "$dir" "tests/fuzz/fuzz-$target" >/dev/null

# A capture holds several packets: let inputs be as long as the seeds.
max_len=8192
[ "$target" = capture ] && max_len=65536

# The fuzzer adds what it learns to the first folder; the seeds stay as they are.
work=$dir/corpus-$target
mkdir -p "$work" "$dir/crashes"
echo "fuzz: ${seconds}s; new inputs in $work, crashes in $dir/crashes"
"$top/tests/fuzz/run-isolated.sh" "$dir/tests/fuzz/fuzz-$target" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$dir/crashes/" "$work" "$seeds"
