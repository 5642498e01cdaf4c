#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The real programs in Slovak, uninstalled: `ustredna` and `ustredna-server` run with
# LANG=sk_SK.UTF-8 and USTREDNA_LOCALEDIR=BUILD/po (the catalogues meson builds; see
# src/ust-paths-unix.c). Their --help and an error message must come out in Slovak, and the
# window, with a few phones registered and two calls going on (sipp, on 127.0.0.1 only),
# renders itself into OUT.png over D-Bus (app.screenshot, as build-aux/screenshot.sh does).
# The labels themselves are checked in-process by test-window-sk.c.
#
#   window-sk.sh BUILD_ROOT SOURCE_ROOT OUT.png
#
# meson writes the picture into the build folder. To refresh the one in the repository:
#   xvfb-run -a tests/i18n/window-sk.sh build . data/screenshots/window-sk.png
#
# Exit status 77 (meson: SKIP) without a display, dbus-run-session, gapplication or the
# sk_SK.UTF-8 locale (build-aux/install-deps.sh installs and generates them all).

set -euo pipefail

app_id=io.github.ustredna.Ustredna

# Under build-aux/test.sh everything install-deps.sh installs is there: no skipping then.
skip() {
  if [ "${UST_TEST_REQUIRE_ALL:-0}" = 1 ]; then
    printf 'FAIL: %s\n' "$*"
    exit 1
  fi
  printf 'SKIP: %s\n' "$*"
  exit 77
}
die() { printf 'FAIL: %s\n' "$*"; exit 1; }

# Outside: check what is needed, then run the rest on a session bus of its own.
if [ "${1:-}" != --inside ]; then
  [ "$#" -eq 3 ] || { echo "usage: $0 BUILD_ROOT SOURCE_ROOT OUT.png" >&2; exit 2; }
  build=$(cd "$1" && pwd) || die "no build folder $1"
  top=$(cd "$2" && pwd) || die "no source folder $2"
  out_dir=$(cd "$(dirname "$3")" && pwd) || die "no folder for $3"
  out=$out_dir/$(basename "$3")
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    skip "no display: run the tests under xvfb-run -a"
  fi
  for tool in dbus-run-session gapplication gdbus python3; do
    command -v "$tool" >/dev/null || skip "$tool is missing (build-aux/install-deps.sh installs it)"
  done
  if ! locale -a 2>/dev/null | grep -qiE '^sk_SK\.utf-?8$'; then
    skip "the locale sk_SK.UTF-8 is not installed (build-aux/install-deps.sh generates it)"
  fi
  for program in ustredna ustredna-server; do
    [ -x "$build/src/$program" ] || die "$build/src/$program is missing: build it first"
  done
  [ -f "$build/po/sk/LC_MESSAGES/ustredna.mo" ] ||
    die "$build/po/sk/LC_MESSAGES/ustredna.mo is missing: is sk in po/LINGUAS?"
  exec dbus-run-session -- bash "${BASH_SOURCE[0]}" --inside "$build" "$top" "$out"
fi

build=$2 top=$3 out=$4

tmp=$(mktemp -d)
pids=()
app_pid=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$app_pid" ]; then
    kill "$app_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Slovak, as a Slovak desktop session says it; nothing of the real user's is touched.
unset LC_ALL LC_MESSAGES LC_CTYPE LC_TIME LC_NUMERIC LC_COLLATE
export LANG=sk_SK.UTF-8 LANGUAGE=sk
export USTREDNA_LOCALEDIR=$build/po
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
export XDG_STATE_HOME=$tmp/state
export GTK_A11Y=none NO_AT_BRIDGE=1 GSK_RENDERER=cairo
# No OpenGL. meson passes GDK_DISABLE=gl to GTK 4.16 and newer; older ones know GDK_DEBUG.
if [ -z "${GDK_DISABLE:-}" ]; then
  export GDK_DEBUG="${GDK_DEBUG:-gl-disable}"
fi
export GSETTINGS_BACKEND=memory

failed=0
expect() { # what, text, output
  if printf '%s' "$3" | grep -qF -- "$2"; then
    printf 'ok: %s: “%s”\n' "$1" "$2"
  else
    printf 'FAIL: %s does not say “%s”; it says:\n%s\n' "$1" "$2" "$3"
    failed=1
  fi
}

# The programs' own texts, through ust_locale_dir().
help=$("$build/src/ustredna" --help 2>&1) || true
expect "ustredna --help" "Hneď spustí ústredňu" "$help"
help=$("$build/src/ustredna-server" --help 2>&1) || true
expect "ustredna-server --help" "Priečinok pre registrácie a denník hovorov" "$help"
message=$("$build/src/ustredna-server" --data-dir "$tmp/server" 2>&1) && die "ustredna-server without --listen did not fail"
expect "ustredna-server without --listen" "Zadajte, kde počúvať" "$message"
message=$("$build/src/ustredna" --port 70000 2>&1) && die "ustredna --port 70000 did not fail"
expect "ustredna --port 70000" "Port musí byť číslo od 0 do 65535" "$message"
[ "$failed" -eq 0 ] || exit 1

# Loopback only: the phones are sipp processes on this machine.
addr=127.0.0.1
read -r port p_alice p_bob p_carol p_dave <<<"$(python3 - "$addr" 5 <<'EOF'
import socket, sys
addr, n = sys.argv[1], int(sys.argv[2])
held = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    held.append(s)
print(' '.join(str(s.getsockname()[1]) for s in held))
EOF
)"

"$build/src/ustredna" --address "$addr" --port "$port" --start >"$tmp/app.log" 2>&1 &
app_pid=$!

# The window owns its bus name once it is up.
up=0
for _ in $(seq 100); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
       --method org.freedesktop.DBus.NameHasOwner "$app_id" 2>/dev/null | grep -q true; then
    up=1
    break
  fi
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$up" -eq 1 ] || { cat "$tmp/app.log"; die "the window did not come up"; }
sleep 0.5

# Phones and calls for the picture, when sipp is there.
if command -v sipp >/dev/null; then
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
    cat "$tmp/reg-$1.out" "$tmp/app.log"
    die "could not register $1"
  }
  register alica "$p_alice" "Linphone Desktop/5.2.6"
  register boris "$p_bob" "Zoiper rv2.10.20.3"
  register cyril "$p_carol" "MicroSIP/3.21.3"
  register dana "$p_dave" "baresip v3.0.0"

  # boris answers and talks; dana only rings.
  mapfile -t args < <(sipp_args "$p_bob")
  sipp -sf "$top/tests/sipp/uas_call.xml" "${args[@]}" -key me boris >"$tmp/uas-boris.out" 2>&1 &
  pids+=($!)
  mapfile -t args < <(sipp_args "$p_dave")
  sipp -sf "$tmp/uas_ring.xml" "${args[@]}" -key me dana >"$tmp/uas-dana.out" 2>&1 &
  pids+=($!)
  sleep 0.5
  mapfile -t args < <(sipp_args "$p_alice")
  sipp "$addr:$port" -sf "$top/tests/sipp/uac_call.xml" "${args[@]}" -key me alica -s boris \
    -d 120000 >"$tmp/uac-alica.out" 2>&1 &
  pids+=($!)
  sleep 1.5
  mapfile -t args < <(sipp_args "$p_carol")
  sipp "$addr:$port" -sf "$top/tests/sipp/uac_call.xml" "${args[@]}" -key me cyril -s dana \
    -d 120000 >"$tmp/uac-cyril.out" 2>&1 &
  pids+=($!)
  # Let the durations tick past zero and the window draw the last batch.
  sleep 3
else
  echo "sipp is missing: the picture shows the window without phones"
  sleep 1
fi

rm -f "$out"
gapplication action "$app_id" screenshot "'$out'"
for _ in $(seq 50); do
  [ -s "$out" ] && break
  sleep 0.1
done
[ -s "$out" ] || { cat "$tmp/app.log"; die "the window did not write $out"; }
[ "$(od -An -tx1 -N8 "$out" | tr -d ' \n')" = "89504e470d0a1a0a" ] || die "$out is not a PNG"
printf 'ok: the window in Slovak: %s\n' "$out"

# SIGTERM quits as the Quit menu would, minus the question about the calls going on.
kill "$app_pid"
status=0
wait "$app_pid" || status=$?
app_pid=
[ "$status" -eq 0 ] || { cat "$tmp/app.log"; die "ustredna exited with status $status"; }
