#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The soak benchmark (not a test): builds the default build in build/, then runs
# build-aux/soak.py: ten minutes of calls through ustredna-server at half the highest rate a
# short ladder finds, sampling its memory and CPU every 10 s, and checking that the diary
# holds every call. Options go to soak.py, e.g.
#
#   build-aux/soak.sh                                 ladder, then 10 minutes
#   build-aux/soak.sh --rate 1000 --seconds 1800      a given rate, half an hour

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
if [ -f build/meson-private/coredata.dat ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build >/dev/null
fi
meson compile -C build src/ustredna-server >/dev/null
exec python3 "$top/build-aux/soak.py" "$@"
