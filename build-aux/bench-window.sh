#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The window under load against the headless server: sipp's built-in uac calls sipp's built-in
# uas (registered as "service") at RATE calls/s for SECONDS, each call talking 2 s, through
#
#   headless  `ustredna-server --open --quiet`
#   window    the GTK window's own exchange (tests/gui/test-load, under xvfb-run), with a widget
#             animating and the visible tab going exchange → diary → wire (PAGES to pin one)
#
# and prints, for each: calls/s actually carried (calls / (time until the uac ended − 2 s talk))
# and whether every call succeeded (sipp's exit status); for the window also the GUI thread's
# CPU time per call, the share of a core it used, and the gap between frames (max and 99th
# percentile). The headless server's CPU per call (all threads, /proc/PID/stat) is printed for
# scale. Nothing is pinned: the whole machine is shared the same way in both runs.
#
#   build-aux/bench-window.sh [RATE] [SECONDS]        defaults: 1000 10
#
# Environment: BUILD (default build), PORT (default 36060; the headless run's sipps use
# PORT+41 and PORT+42; the window run picks free ports itself), PAGES (e.g. "exchange").
# Needs sipp and xvfb-run. Not a test: it reports numbers (test-load's own thresholds still
# apply, so a failed check is reported too).

set -euo pipefail

die() { printf 'bench-window: %s\n' "$*" >&2; exit 1; }

rate=${1:-1000}
seconds=${2:-10}
calls=$((rate * seconds))
talk_ms=2000
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$top/build}
server=$build/src/ustredna-server
load=$build/tests/gui/test-load
port=${PORT:-36060}
uas_port=$((port + 41))
uac_port=$((port + 42))
ip=127.0.0.1
hz=$(getconf CLK_TCK)

[ -x "$server" ] || die "no server at $server (build it, or set BUILD=)"
[ -x "$load" ] || die "no $load (meson compile -C $build)"
command -v sipp >/dev/null || die "sipp is not installed"
command -v xvfb-run >/dev/null || die "xvfb-run is not installed (Debian: xvfb)"

work=$(mktemp -d)
server_pid=
uas_pid=
cleanup() {
  if [ -n "$uas_pid" ]; then kill "$uas_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }

# --- headless -------------------------------------------------------------------------------
"$server" --listen "$ip:$port" --data-dir "$work" --open --quiet >"$work/server.out" \
  2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^Listening on' "$work/server.out" 2>/dev/null && break
  sleep 0.05
done
grep -q '^Listening on' "$work/server.out" || die "the server did not start: $(cat "$work/server.err")"

(cd "$work" && sipp "$ip:$port" -sf "$top/tests/sipp/register.xml" -i "$ip" -p "$uas_port" \
   -nostdin -m 1 -timeout 10s -timeout_error -key me service -key dom "$ip" \
   -key contact_host "$ip" -key contact_port "$uas_port" -key expires 3600 >/dev/null 2>&1) \
  || die "could not register the callee"
(cd "$work" && exec sipp -sn uas -i "$ip" -p "$uas_port" -nostdin >/dev/null 2>&1) &
uas_pid=$!
sleep 0.3

ticks0=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
start=$(now)
status=0
(cd "$work" && sipp "$ip:$port" -sn uac -s service -i "$ip" -p "$uac_port" -nostdin -r "$rate" \
   -m "$calls" -d "$talk_ms" -timeout "$((seconds + 60))s" -timeout_error >/dev/null 2>&1) \
  || status=$?
end=$(now)
ticks1=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
kill "$uas_pid" "$server_pid" 2>/dev/null || true
wait 2>/dev/null || true
uas_pid=
server_pid=

headless_rate=$(awk -v n="$calls" -v a="$start" -v b="$end" -v t="$talk_ms" \
  'BEGIN { printf "%.0f", n / (b - a - t / 1000) }')
headless_cpu=$(awk -v d="$((ticks1 - ticks0))" -v hz="$hz" -v n="$calls" \
  'BEGIN { printf "%.0f", d * 1e6 / hz / n }')
printf 'headless: %d calls/s carried (%s), server CPU %s µs a call (all threads)\n' \
  "$headless_rate" "$([ "$status" -eq 0 ] && echo 'all calls succeeded' || echo "sipp status $status")" \
  "$headless_cpu"

# --- window ---------------------------------------------------------------------------------
status=0
UST_LOAD_RATE=$rate UST_LOAD_SECONDS=$seconds UST_LOAD_PAGES=${PAGES:-} \
  G_DEBUG=gc-friendly LC_ALL=C.UTF-8 GTK_A11Y=none NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
  GSK_RENDERER=cairo GDK_DEBUG=gl-disable UST_SIPP_DIR="$top/tests/sipp" \
  xvfb-run -a "$load" >"$work/load.out" 2>&1 || status=$?
grep -q '# load: calls_per_s' "$work/load.out" || die "test-load printed no figures: $(tail "$work/load.out")"
value() { sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "$work/load.out" | head -1; }
window_rate=$(value calls_per_s)
printf 'window:   %s calls/s carried (%s), GUI thread %s µs a call (%s of a core; %s µs/s idle' \
  "$window_rate" "$([ "$status" -eq 0 ] && echo 'all calls succeeded, checks passed' \
                    || echo "test-load failed, see below")" \
  "$(value gui_us_per_call)" "$(value gui_cpu_share)" "$(value gui_idle_us_per_s)"
printf ' animating)\n          frames: %s, gap max %s ms, p99 %s ms\n' \
  "$(value frames)" "$(value frame_gap_max_ms)" "$(value frame_gap_p99_ms)"
awk -v w="$window_rate" -v h="$headless_rate" \
  'BEGIN { if (h > 0) printf "window / headless: %.0f%%\n", w * 100 / h }'
if [ "$status" -ne 0 ]; then
  grep -E 'ERROR|not ok' "$work/load.out" | head -3
  exit 1
fi
