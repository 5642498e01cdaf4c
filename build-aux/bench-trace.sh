#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the wire trace costs the proxy: the server's CPU time per call, measured with sipp's
# built-in uac/uas scenarios against `ustredna-server --open --quiet`, in three setups:
#
#   off     no trace (the transport checks one pointer per datagram)
#   ring    --trace-ring 20000: every datagram copied into the ring, nobody reading it
#   pcap    --pcap FILE: the ring plus the writer thread writing the capture
#
# The server is pinned to CPU 0 and both sipps to CPU 1 (taskset); its CPU time (user +
# system, from /proc/PID/task/PID/stat for the main thread, the proxy's, and /proc/PID/stat
# for all threads) is read just before and after the calls. The setups take turns, ROUNDS
# times, each round in a different order, so drift in the machine affects all three alike;
# the median of the rounds is printed for each, and the overhead against "off".
#
# CPU time on a shared or virtual machine is noisy (±10% between identical runs is common,
# and how often the threads sharing CPU 0 preempt each other changes it). With CALLGRIND=1
# the server runs under valgrind's callgrind instead and the script counts the instructions
# executed during the calls: slow, but repeatable to about 1% on the proxy thread (system
# calls themselves are not counted; the trace makes none on the proxy's path). Use a low
# rate then, e.g. `CALLGRIND=1 build-aux/bench-trace.sh 500 50 3`.
#
#   build-aux/bench-trace.sh [CALLS] [RATE] [ROUNDS]      defaults: 20000 2000 3
#
# Environment: SERVER (default build/src/ustredna-server), PORT (default 35060; the sipps
# use PORT+41 and PORT+42), CALLGRIND. Needs sipp, taskset and two CPUs (and valgrind for
# CALLGRIND=1). Not a test: it reports numbers and leaves the judgement to the reader.

set -euo pipefail

die() { printf 'bench-trace: %s\n' "$*" >&2; exit 1; }

calls=${1:-20000}
rate=${2:-2000}
rounds=${3:-3}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${SERVER:-$top/build/src/ustredna-server}
port=${PORT:-35060}
uas_port=$((port + 41))
uac_port=$((port + 42))
ip=127.0.0.1
hz=$(getconf CLK_TCK)
callgrind=${CALLGRIND:-0}
wrap=()
if [ "$callgrind" = 1 ]; then
  command -v valgrind >/dev/null || die "valgrind is not installed"
fi

[ -x "$server" ] || die "no server at $server (build it, or set SERVER=)"
command -v sipp >/dev/null || die "sipp is not installed"
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
[ "$(nproc)" -ge 2 ] || die "needs two CPUs: one for the server, one for sipp"

work=$(mktemp -d)
server_pid=
uas_pid=
stop_run() {
  if [ -n "$uas_pid" ]; then kill "$uas_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
cleanup() {
  stop_run
  rm -rf "$work"
}
trap cleanup EXIT

# User + system clock ticks of a process (all threads) or of its main thread.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
main_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat"; }

# One run: prints "METRIC VALUE" lines, each value per call: "proxy" for the main thread (the
# one that receives, parses, forwards and records) and "all" for every thread (the call
# store's writer and the pcap writer too), in µs of CPU time or, under callgrind, in
# instructions.
run_once() {
  local extra=("$@") dir ticks0 ticks1 main0 main1 status
  dir=$(mktemp -d "$work/run-XXXXXX")
  # This runs in a subshell (its output is read): stop its own processes on the way out.
  trap 'stop_run' EXIT

  if [ "$callgrind" = 1 ]; then
    wrap=(valgrind --tool=callgrind --separate-threads=yes
          "--callgrind-out-file=$dir/callgrind.out")
  fi
  taskset -c 0 "${wrap[@]}" "$server" --listen "$ip:$port" --data-dir "$dir" --open --quiet \
    "${extra[@]}" >"$dir/server.out" 2>"$dir/server.err" &
  server_pid=$!
  for _ in $(seq 600); do
    grep -q '^Listening on' "$dir/server.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^Listening on' "$dir/server.out" \
    || die "the server did not start: $(cat "$dir/server.out" "$dir/server.err")"

  (cd "$dir" && sipp "$ip:$port" -sf "$top/tests/sipp/register.xml" -i "$ip" -p "$uas_port" \
     -nostdin -m 1 -timeout 10s -timeout_error -key me service -key dom "$ip" \
     -key contact_host "$ip" -key contact_port "$uas_port" -key expires 3600 >/dev/null 2>&1) \
    || die "could not register the callee"
  (cd "$dir" && exec taskset -c 1 sipp -sn uas -i "$ip" -p "$uas_port" -nostdin >/dev/null 2>&1) &
  uas_pid=$!
  sleep 0.3

  ticks0=$(cpu_ticks "$server_pid")
  main0=$(main_ticks "$server_pid")
  if [ "$callgrind" = 1 ]; then
    callgrind_control -z "$server_pid" >/dev/null 2>&1
  fi
  status=0
  (cd "$dir" && taskset -c 1 timeout "$((calls / rate + 60))" sipp "$ip:$port" -sn uac -s service -i "$ip" \
     -p "$uac_port" -nostdin -r "$rate" -m "$calls" >/dev/null 2>&1) || status=$?
  [ -d "/proc/$server_pid" ] || die "the server died during the calls: $(tail -3 "$dir/server.err")"
  ticks1=$(cpu_ticks "$server_pid")
  main1=$(main_ticks "$server_pid")
  if [ "$callgrind" = 1 ]; then
    callgrind_control -d "$server_pid" >/dev/null 2>&1
  fi

  kill "$uas_pid" 2>/dev/null; wait "$uas_pid" 2>/dev/null || true; uas_pid=
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  [ "$status" -eq 0 ] || die "sipp uac exited with status $status (calls failed?)"

  if [ "$callgrind" = 1 ]; then
    # One file per thread for the dump: callgrind.out.1-01 is the main thread.
    awk -v n="$calls" '/^totals:/ { all += $2; if (FILENAME ~ /-01$/) proxy = $2 }
      END { printf "proxy %.0f\nall %.0f\n", proxy / n, all / n }' "$dir"/callgrind.out.1-*
  else
    awk -v m="$((main1 - main0))" -v t="$((ticks1 - ticks0))" -v hz="$hz" -v n="$calls" \
      'BEGIN { printf "proxy %.2f\nall %.2f\n", m * 1e6 / hz / n, t * 1e6 / hz / n }'
  fi
}

# The median of a space-separated list of numbers.
median() {
  tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

run_setup() {
  case $1 in
    off) run_once ;;
    ring) run_once --trace-ring 20000 ;;
    pcap) run_once --pcap "$work/capture.pcap" ;;
  esac
}

metrics=(proxy all)
what=("CPU time" "µs")
[ "$callgrind" = 1 ] && what=("instructions" "instructions")
declare -A results
setups=(off ring pcap)
for round in $(seq "$rounds"); do
  for i in 0 1 2; do
    setup=${setups[$(( (i + round - 1) % 3 ))]}
    output=$(run_setup "$setup") || die "the $setup run failed"
    while read -r metric value; do
      results[$setup/$metric]+="$value "
    done <<<"$output"
  done
  printf 'round %d of %d done\n' "$round" "$rounds"
done

printf '%d calls at %d calls/s, %d rounds; per call (median of the rounds):\n' \
  "$calls" "$rate" "$rounds"
for metric in "${metrics[@]}"; do
  case $metric in
    proxy) printf '%s of the proxy (main) thread, in %s:\n' "${what[0]}" "${what[1]}" ;;
    all) printf '%s of all threads, in %s:\n' "${what[0]}" "${what[1]}" ;;
  esac
  off=$(median "${results[off/$metric]}")
  for setup in off ring pcap; do
    value=$(median "${results[$setup/$metric]}")
    printf '  %-5s %10s   (rounds: %s)' "$setup" "$value" "${results[$setup/$metric]% }"
    if [ "$setup" != off ]; then
      awk -v a="$value" -v b="$off" 'BEGIN { if (b > 0) printf "   %+.1f%%", (a - b) * 100 / b }'
    fi
    printf '\n'
  done
done
