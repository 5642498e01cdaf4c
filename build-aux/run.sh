#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's "build and start" command.
#
#   build-aux/run.sh [PROGRAM-ARGS...]
#
# Installs what is missing, builds into build/, then starts the exchange: the window
# (build/src/ustredna) when there is a display to show it on, otherwise (a lab server over
# SSH, a console) the headless server listening on this machine's LAN address, port 5060,
# saying so in one line. Extra arguments go to the program.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

bash "$top/build-aux/install-deps.sh"

if [ -f build/meson-private/coredata.dat ]; then
  meson setup --reconfigure build
else
  meson setup build
fi
meson compile -C build

if [ -x build/src/ustredna ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  exec build/src/ustredna "$@"
fi
if [ -x build/src/ustredna ]; then
  echo "run.sh: no display here (DISPLAY and WAYLAND_DISPLAY are unset), so the exchange runs" \
    "without its window."
fi

# The first non-loopback IPv4 address: the source address the kernel would pick for a route
# out of this machine. "ip route get" only consults the routing table; it sends nothing.
lan_address() {
  local addr=""
  if command -v ip >/dev/null 2>&1; then
    addr=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)
  fi
  if [ -z "$addr" ] && command -v hostname >/dev/null 2>&1; then
    addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' \
      | grep -v '^127\.' | head -n 1 || true)
  fi
  echo "${addr:-127.0.0.1}"
}

# Leave the address alone when the caller chose one.
listen=()
has_listen=0
for arg in "$@"; do
  case $arg in
    --listen | --listen=*) has_listen=1 ;;
  esac
done
if [ "$has_listen" = 0 ]; then
  addr=$(lan_address)
  listen=(--listen "$addr:5060")
  echo "run.sh: starting the exchange on $addr; point the softphones at $addr (UDP or TCP" \
    "port 5060, TLS 5061)."
fi

exec build/src/ustredna-server "${listen[@]}" "$@"
