#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The speed benchmark (not a test): builds the default build in build/, then runs
# build-aux/bench.py, which drives ustredna-server (and Kamailio, where installed) with sipp
# and prints one table. Options go to bench.py (see build-aux/bench.py --help), e.g.
#
#   build-aux/bench.sh                                   the full ladder, about 6 minutes
#   build-aux/bench.sh --call-rates 2000,4000 --register-rates 10000 --memory-seconds 0

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
if [ -f build/meson-private/coredata.dat ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build >/dev/null
fi
meson compile -C build src/ustredna-server >/dev/null
exec python3 "$top/build-aux/bench.py" "$@"
