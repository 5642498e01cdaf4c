#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Renders the README's screenshots: data/screenshots/window.png, the window with a few phones
# registered and two calls going on (one talking, one ringing), all made by sipp against the
# window's own exchange; and data/screenshots/wire.png, the Wire tab with the ladder of one of
# those calls.
#
#   build-aux/screenshot.sh [BUILD-DIR]        (default: build; build it first)
#
# Needs xvfb-run, dbus-run-session (package dbus), gapplication (libglib2.0-bin) and sipp;
# build-aux/install-deps.sh installs them. It runs the window on a virtual display with the
# cairo renderer (the same pixels on every machine), in a throw-away HOME so the real
# settings and diary are not touched, and asks it over D-Bus for the picture, which the
# window renders itself (TECH-NOTES §6): app.screenshot. Nothing is left running.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
app_id=io.github.ustredna.Ustredna

die() { printf 'screenshot: %s\n' "$*" >&2; exit 1; }

# Outside: give ourselves a display and a session bus, then run the inside part.
if [ "${1:-}" != --inside ]; then
  build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || die "no build directory ${1:-$top/build}"
  [ -x "$build/src/ustredna" ] || die "$build/src/ustredna is missing: run ninja -C $build first"
  for tool in xvfb-run dbus-run-session gapplication sipp python3; do
    command -v "$tool" >/dev/null || die "$tool is missing (build-aux/install-deps.sh installs it)"
  done
  exec xvfb-run -a -s "-screen 0 1400x900x24" \
    dbus-run-session -- bash "${BASH_SOURCE[0]}" --inside "$build"
fi

build=$2
out=$top/data/screenshots/window.png
mkdir -p "$(dirname "$out")"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
export GTK_A11Y=none NO_AT_BRIDGE=1 GSK_RENDERER=cairo
# No OpenGL: GTK 4.16 and newer read GDK_DISABLE=gl, older ones GDK_DEBUG=gl-disable.
if pkg-config --atleast-version=4.16 gtk4 2>/dev/null; then
  export GDK_DISABLE=gl
else
  export GDK_DEBUG=gl-disable
fi
export LC_ALL=C.UTF-8 LANGUAGE=en

# Loopback only: the demo phones are sipp processes on this machine, and
# nothing here may send to any other address.
addr=127.0.0.1

# UDP ports free right now on $addr; 5060 for the exchange when it is free.
free_ports() {
  python3 - "$addr" "$1" <<'EOF'
import socket, sys
addr, n = sys.argv[1], int(sys.argv[2])
held = []
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 5060))
    held.append(s)
except OSError:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    held.append(s)
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    held.append(s)
print(' '.join(str(s.getsockname()[1]) for s in held))
EOF
}
read -r port p_alice p_bob p_carol p_dave p_erik <<<"$(free_ports 5)"

"$build/src/ustredna" --address "$addr" --port "$port" --start >"$tmp/app.log" 2>&1 &
pids+=($!)

# The window owns its bus name once it is up (about 200 ms).
for _ in $(seq 100); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
       --method org.freedesktop.DBus.NameHasOwner "$app_id" 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.1
done

# A REGISTER like tests/sipp/register.xml, with a User-Agent so the "Phone" column says
# something.
cat >"$tmp/register_ua.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register with user agent">
  <send retrans="500">
    <![CDATA[
      REGISTER sip:[dom] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[me]@[dom]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[me]@[dom]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[me]@[local_ip]:[local_port]>
      User-Agent: [ua]
      Expires: 3600
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
EOF

# A callee that rings and never answers (until it is stopped).
cat >"$tmp/uas_ring.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas that keeps ringing">
  <recv request="INVITE" rrs="true"/>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[me]@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="120000"/>
</scenario>
EOF

sipp_args() { # local-port
  printf '%s\n' -i "$addr" -p "$1" -m 1 -nostdin -timeout 120s -timeout_error -key dom "$addr"
}

register() { # user port user-agent
  local args
  mapfile -t args < <(sipp_args "$2")
  for _ in 1 2 3; do
    if sipp "$addr:$port" -sf "$tmp/register_ua.xml" "${args[@]}" -key me "$1" -key ua "$3" \
         -timeout 5s >"$tmp/reg-$1.out" 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  cat "$tmp/reg-$1.out" "$tmp/app.log" >&2
  die "could not register $1"
}

register alice "$p_alice" "Linphone Desktop/5.2.6"
register bob "$p_bob" "Zoiper rv2.10.20.3"
register carol "$p_carol" "MicroSIP/3.21.3"
register dave "$p_dave" "baresip v3.0.0"
register erik "$p_erik" "Grandstream GXP1625 1.0.11.23"

# bob answers and talks; dave only rings.
mapfile -t args < <(sipp_args "$p_bob")
sipp -sf "$top/tests/sipp/uas_call.xml" "${args[@]}" -key me bob >"$tmp/uas-bob.out" 2>&1 &
pids+=($!)
mapfile -t args < <(sipp_args "$p_dave")
sipp -sf "$tmp/uas_ring.xml" "${args[@]}" -key me dave >"$tmp/uas-dave.out" 2>&1 &
pids+=($!)
sleep 0.5
mapfile -t args < <(sipp_args "$p_alice")
sipp "$addr:$port" -sf "$top/tests/sipp/uac_call.xml" "${args[@]}" -key me alice -s bob \
  -d 120000 >"$tmp/uac-alice.out" 2>&1 &
pids+=($!)
sleep 2
mapfile -t args < <(sipp_args "$p_carol")
sipp "$addr:$port" -sf "$top/tests/sipp/uac_call.xml" "${args[@]}" -key me carol -s dave \
  -d 120000 >"$tmp/uac-carol.out" 2>&1 &
pids+=($!)

# Let the durations tick past zero and the window draw the last batch.
sleep 5
rm -f "$out"
gapplication action "$app_id" screenshot "'$out'"
for _ in $(seq 50); do
  [ -s "$out" ] && break
  sleep 0.1
done
[ -s "$out" ] || { cat "$tmp/app.log" >&2; die "the window did not write $out"; }
printf 'screenshot: wrote %s\n' "$out"

# The Wire tab with the ladder of alice's call to bob.
wire=$top/data/screenshots/wire.png
rm -f "$wire"
gapplication action "$app_id" show-on-wire "'INVITE'"
sleep 1
gapplication action "$app_id" screenshot "'$wire'"
for _ in $(seq 50); do
  [ -s "$wire" ] && break
  sleep 0.1
done
[ -s "$wire" ] || { cat "$tmp/app.log" >&2; die "the window did not write $wire"; }
printf 'screenshot: wrote %s\n' "$wire"
