#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the Windows network layer from Linux, using Debian's mingw-w64 compiler with every
# warning an error, and runs the programs under Wine when Wine is installed:
#   list-adapters.exe  src/net/ust-win32-adapters.c (GetAdaptersAddresses in plain C structs,
#                      no GLib), listing the adapters;
#   packet-info.exe    src/core/wire/ust-packet-info-win32.c ("All addresses": each datagram's
#                      local address through WSARecvMsg, answers through WSASendMsg).
#
#   build-aux/win32-check.sh [OUTPUT_DIR]
#
# The meson test 'win32-adapters' (suite 'win32') runs it. Exit 77 (meson's "skipped") when
# the cross compiler is missing. UST_NO_WINE=1 compiles without running.
#
# This cannot check what needs GLib on Windows (ust-net-interfaces-win32.c, the *-win32.c
# files in src/): Debian has no GLib for mingw-w64. build-aux/msys2/build.sh builds those.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/win32-check}
cross_cc=${CROSS_CC:-x86_64-w64-mingw32-gcc}

if ! command -v "$cross_cc" >/dev/null 2>&1; then
  echo "win32-check: $cross_cc not found (Debian: gcc-mingw-w64-x86-64); skipping"
  exit 77
fi

mkdir -p "$out"
exe="$out/list-adapters.exe"
packet_exe="$out/packet-info.exe"

# -static: the .exe needs only DLLs that come with Windows, so it runs when copied alone.
cross_flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Wformat=2 -static)
"$cross_cc" "${cross_flags[@]}" -I "$top/src/net" \
  "$top/src/net/ust-win32-adapters.c" "$top/tests/win32/list-adapters.c" \
  -o "$exe" -liphlpapi -lws2_32
echo "win32-check: compiled $exe"
"$cross_cc" "${cross_flags[@]}" -I "$top/src/core/wire" \
  "$top/src/core/wire/ust-packet-info-win32.c" "$top/tests/win32/packet-info.c" \
  -o "$packet_exe" -lws2_32
echo "win32-check: compiled $packet_exe"

# Only system DLLs may be imported, or the program would not start on a bare Windows.
objdump=${cross_cc%gcc}objdump
if command -v "$objdump" >/dev/null 2>&1; then
  for program in "$exe" "$packet_exe"; do
    imports=$("$objdump" -p "$program" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '\n' ' ')
    echo "win32-check: $(basename "$program") imports $imports"
    for dll in $imports; do
      case "${dll,,}" in
        kernel32.dll | iphlpapi.dll | ws2_32.dll | msvcrt.dll | ucrtbase.dll | api-ms-win-*.dll) ;;
        *)
          echo "win32-check: FAIL: $program needs $dll, which Windows does not ship"
          exit 1
          ;;
      esac
    done
  done
fi

if [ "${UST_NO_WINE:-0}" = 1 ]; then
  echo "win32-check: UST_NO_WINE=1: compiled only"
  exit 0
fi

# Debian's wine64 package puts its loader outside PATH; the wine package adds /usr/bin/wine.
wine=
for candidate in wine64 wine /usr/lib/wine/wine64; do
  if command -v "$candidate" >/dev/null 2>&1; then
    wine=$(command -v "$candidate")
    break
  fi
done
if [ -z "$wine" ]; then
  echo "win32-check: Wine not found (Debian: wine64): compiled only, not run"
  exit 0
fi
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || true)

# A throw-away Wine prefix: creating one takes a few seconds and ~700 MB, which is removed
# at the end; a shared ~/.wine could be in any state.
prefix=$(mktemp -d "${TMPDIR:-/tmp}/ust-wine.XXXXXX")
cleanup() {
  if [ -n "$wineserver" ]; then
    WINEPREFIX=$prefix "$wineserver" -k 2>/dev/null || true
  fi
  rm -rf "$prefix"
}
trap cleanup EXIT

echo "win32-check: running under $wine"
start=$(date +%s%N)
status=0
# Wine's own chatter (prefix creation, the missing 32-bit half) goes to stderr.
WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
  timeout 180 "$wine" "$exe" 2>"$out/wine-stderr.txt" || status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "win32-check: Wine run took ${elapsed_ms} ms (including creating the prefix), exit $status"
if [ "$status" -ne 0 ]; then
  echo "win32-check: FAIL: list-adapters.exe exited $status under Wine; Wine said:"
  cat "$out/wine-stderr.txt"
  exit 1
fi

# Only loopback traffic: 127.0.0.3 and 127.0.0.1, in the same prefix.
status=0
WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
  timeout 60 "$wine" "$packet_exe" 2>"$out/wine-stderr.txt" || status=$?
if [ "$status" -ne 0 ]; then
  echo "win32-check: FAIL: packet-info.exe exited $status under Wine; Wine said:"
  cat "$out/wine-stderr.txt"
  exit 1
fi
