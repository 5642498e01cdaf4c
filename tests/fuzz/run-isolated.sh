#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a command in a network namespace of its own with nothing but loopback (unshare -rn,
# then `ip link set lo up`): whatever addresses the command's input names, no datagram can
# leave this computer. Exit 77 (skipped) where namespaces cannot be made.
#
#   tests/fuzz/run-isolated.sh COMMAND [ARGS...]

if ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  echo "run-isolated: unshare or ip (util-linux, iproute2) is missing: skipped"
  exit 77
fi
if ! unshare -rn true 2>/dev/null; then
  echo "run-isolated: this system does not allow a network namespace (unshare -rn): skipped"
  exit 77
fi
# shellcheck disable=SC2016
exec unshare -rn sh -c 'ip link set lo up && exec "$@"' run-isolated "$@"
