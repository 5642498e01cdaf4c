#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's "build and test" command, also what CI runs (through .ci/run).
#
#   build-aux/test.sh [MESON-TEST-ARGS...]      e.g. build-aux/test.sh --suite sipp
#
# Installs what is missing, then builds and runs the whole test suite twice:
#   build/       a normal build with -Dwerror=true;
#   build-asan/  the same under AddressSanitizer (with LeakSanitizer) and UBSan.
# The last line printed is "N passed, N failed" summed over both runs (", N skipped" follows
# when tests were skipped). The exit status is non-zero when anything failed.

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1

runs=()            # "--run TESTLOG STATUS" triples for count-tests.py
build_failures=0   # builds (or installs) that failed before their tests could run
summarized=0

stage() { printf '\n==> %s\n' "$*"; }
note() { printf 'test.sh: %s\n' "$*" >&2; }

# Prints the summary line (always the last line) and exits with count-tests.py's status.
finish() {
  local status
  stage "Logs: build/meson-logs/testlog.txt, build-asan/meson-logs/testlog.txt"
  if command -v python3 >/dev/null 2>&1; then
    python3 build-aux/count-tests.py --build-failures "$build_failures" "${runs[@]}"
    status=$?
  else
    note "python3 is missing; cannot count the tests"
    echo "0 passed, 1 failed"
    status=1
  fi
  summarized=1
  exit "$status"
}
# Safety net: whatever goes wrong, CI still gets a summary line that shows a failure.
trap '[ "$summarized" = 1 ] || echo "0 passed, 1 failed"' EXIT

# Configures DIR (fresh, or reconfigured when it already is a meson build dir) and compiles it.
build_dir() {
  local dir=$1
  shift
  stage "Configuring $dir ($*)"
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    # --wipe recovers a build dir left broken by an interrupted or older meson.
    meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@" || return 1
  else
    meson setup "$dir" "$@" || return 1
  fi
  stage "Compiling $dir"
  meson compile -C "$dir"
}

# Runs the suite in DIR with the extra environment in suite_env; records the result for
# count-tests.py. The old testlog.json is removed first so a run that dies early cannot be
# counted with an earlier run's results.
suite_env=()
run_suite() {
  local dir=$1 status
  shift
  stage "Testing $dir"
  rm -f "$dir/meson-logs/testlog.json"
  "${wrap[@]}" env "${suite_env[@]}" meson test -C "$dir" --print-errorlogs "$@"
  status=$?
  runs+=(--run "$dir/meson-logs/testlog.json" "$status")
  return "$status"
}

# LeakSanitizer stops the world with ptrace. Under strace/gdb, or where ptrace is forbidden
# (some container sandboxes), it dies with "LeakSanitizer has encountered a fatal error" and
# every test would fail for that reason alone. Check once with a program that leaks on
# purpose. Returns 0 when leaks are detected, 1 when LSan is broken, 2 when it cannot tell.
lsan_works() {
  local tmp rc=0
  tmp=$(mktemp -d) || return 2
  cat >"$tmp/leak.c" <<'EOF'
#include <stdlib.h>
static void *volatile keep;
int main (void) { keep = malloc (64); keep = NULL; return 0; }
EOF
  if ! "${CC:-cc}" -fsanitize=address -g -o "$tmp/leak" "$tmp/leak.c" >"$tmp/cc.log" 2>&1; then
    rc=2
  else
    ASAN_OPTIONS=detect_leaks=1 "$tmp/leak" >"$tmp/run.log" 2>&1
    if ! grep -q 'LeakSanitizer: detected memory leaks' "$tmp/run.log"; then
      sed -n '1,5p' "$tmp/run.log" >&2
      rc=1
    fi
  fi
  rm -rf "$tmp"
  return "$rc"
}

stage "Installing what is missing"
if ! bash "$top/build-aux/install-deps.sh"; then
  note "installing the build dependencies failed"
  build_failures=1
  finish
fi

# GUI tests need a display: a virtual one from xvfb-run, which install-deps.sh has just
# installed (deciding this before installing skipped every window test on a fresh machine).
# With no display and no xvfb-run the window's tests would skip: that is this script's
# fault, so it fails instead.
wrap=()
if command -v xvfb-run >/dev/null 2>&1; then
  wrap=(xvfb-run -a)
else
  note "xvfb-run is missing although install-deps.sh installs it (package xvfb)"
  build_failures=1
  finish
fi

# Everything install-deps.sh installs is here now: a test that would skip because one of them
# is missing (sipp, tshark, baresip, linphonec, the Slovak locale, a display…) fails instead,
# saying so. Skips stay only for what a machine may truly lack (network namespaces, IPv6
# loopback, Wine on another architecture, a feature a phone program does not have).
export UST_TEST_REQUIRE_ALL=1

if ! build_dir build -Dwerror=true; then
  note "the build in build/ failed; no tests ran"
  build_failures=1
  finish
fi
run_suite build "$@"

detect_leaks=1
lsan_works
case $? in
  0) ;;
  1)
    note "LeakSanitizer does not work here (it needs ptrace: is this running under strace or" \
      "gdb, or in a sandbox that blocks ptrace?). The ASan run goes on without leak checks."
    detect_leaks=0
    ;;
  *) note "could not check whether LeakSanitizer works (cc -fsanitize=address failed)" ;;
esac

if build_dir build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true; then
  # G_SLICE=always-malloc: GLib 2.74's slice allocator would hide leaks from LSan.
  # Sanitized code runs 2-3x slower, hence the longer test timeouts.
  suite_env=(
    "ASAN_OPTIONS=detect_leaks=$detect_leaks:abort_on_error=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    "G_SLICE=always-malloc"
  )
  run_suite build-asan --timeout-multiplier 3 "$@"
else
  note "the build in build-asan/ failed; its tests did not run"
  build_failures=$((build_failures + 1))
fi

# GTK 4.10 and newer (what MSYS2 ships): build with -Dwerror=true against Debian 13's GTK in a
# chroot, which turns any API deprecated in 4.10 into an error, and run the GUI and unit tests
# there. Only when asked (CI sets UST_CHECK_NEWER_GTK=1): the first run downloads about 1 GB.
if [ "${UST_CHECK_NEWER_GTK:-0}" = 1 ]; then
  stage "Building and testing against Debian 13's GTK (build-aux/check-newer-gtk.sh)"
  trixie_log=${UST_TRIXIE_ROOT:-build-trixie/root}/ust/build/meson-logs/testlog.json
  rm -f "$trixie_log"
  bash build-aux/check-newer-gtk.sh </dev/null
  status=$?
  if [ "$status" -eq 77 ]; then
    note "the newer-GTK check was skipped (see above)"
  elif [ -f "$trixie_log" ]; then
    runs+=(--run "$trixie_log" "$status")
  else
    note "the newer-GTK check failed before its tests ran"
    build_failures=$((build_failures + 1))
  fi
fi

finish
