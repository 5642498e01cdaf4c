#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The loss benchmark (not a test): builds the default build in build/, then runs
# build-aux/loss.py, which makes 300 calls through ustredna-server at 5% and at 10% of all
# UDP datagrams lost (nftables, in namespaces of its own: no root needed) and prints
# attempted / completed / failed and the diary's rows. Options go to loss.py, e.g.
#
#   build-aux/loss.sh                                  5% and 10%, 300 calls each, ~1 minute
#   build-aux/loss.sh --losses 20 --calls 1000 --rate 50

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
if [ -f build/meson-private/coredata.dat ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build >/dev/null
fi
meson compile -C build src/ustredna-server >/dev/null
exec python3 "$top/build-aux/loss.py" "$@"
