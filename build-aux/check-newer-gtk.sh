#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds and tests Ústredňa against a newer GTK and GLib than Debian 12's: those of Debian 13
# (trixie: GTK 4.18, GLib 2.84), in a chroot made with debootstrap. This compiles the
# GTK_CHECK_VERSION (4, 10, 0) branches (GtkFileDialog) that a Debian 12 build never sees, and
# with -Dwerror=true any API that GTK 4.10 deprecated fails the build (see meson.build).
#
#   build-aux/check-newer-gtk.sh [MESON-TEST-ARGS...]   default: --suite gui --suite unit
#
# The chroot is build-trixie/root (gitignored; set UST_TRIXIE_ROOT for another place). It is
# made once and reused; delete build-trixie/ to start over. Each run copies the working tree
# (tracked and untracked files, not ignored ones) to /ust/src in it, builds in /ust/build
# with -Dwerror=true and runs the tests under xvfb-run. It mounts /proc, /sys, /dev and
# /dev/pts in the chroot while it runs and unmounts them when it ends, however it ends.
#
# Runs as root on a Debian-like host that can reach deb.debian.org; exits 77 (skip) when it
# is not root or the archive cannot be reached, 0 when the build and the tests pass, 1 when
# not. Cold (no chroot yet) it takes a few minutes; warm, well under one.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${UST_TRIXIE_ROOT:-$top/build-trixie/root}
suite=trixie
mirror=http://deb.debian.org/debian
ready=$root/.ust-check-ready   # written once debootstrap and the packages are done

if [ "$#" -eq 0 ]; then
  set -- --suite gui --suite unit
fi

log() { printf 'check-newer-gtk: %s\n' "$*"; }
skip() {
  log "SKIP: $*"
  exit 77
}
fail() {
  log "FAIL: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot and mount); run it with sudo."
[ "$(uname -s)" = Linux ] || skip "needs Linux (debootstrap and chroot)."
command -v chroot >/dev/null 2>&1 || skip "chroot is missing."

# Is the archive there? A plain HTTP request, bounded, with bash's /dev/tcp (no curl needed).
# The inner script's $-expressions are its own, hence the single quotes.
archive_reachable() {
  # shellcheck disable=SC2016
  timeout 20 bash -c '
    exec 3<>/dev/tcp/deb.debian.org/80 || exit 1
    printf "HEAD /debian/dists/%s/Release HTTP/1.1\r\n" "$1" >&3
    printf "Host: deb.debian.org\r\nConnection: close\r\n\r\n" >&3
    IFS= read -r status <&3 || exit 1
    case $status in "HTTP/"*" 200"*) exit 0 ;; *) exit 1 ;; esac
  ' _ "$suite" 2>/dev/null
}
archive_reachable || skip "cannot reach $mirror (the Debian archive); nothing was changed."

# A new chroot takes about 3.5 GB; a full disk would fail half-way, not tell anything.
if [ ! -f "$ready" ]; then
  free_kb=$(df -Pk "$top" | awk 'NR == 2 { print $4 }')
  if [ "${free_kb:-0}" -lt $((6 * 1024 * 1024)) ]; then
    skip "needs 6 GB free for the chroot, $((${free_kb:-0} / 1024)) MB free under $top."
  fi
fi

# Unmounts whatever is mounted at or below the chroot, deepest first.
unmount_all() {
  local mounts=() i
  [ -d "$root" ] || return 0
  mapfile -t mounts < <(awk -v r="$(realpath "$root")" \
    '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  for ((i = 0; i < ${#mounts[@]}; i++)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" \
      || log "warning: could not unmount ${mounts[i]}"
  done
}
trap unmount_all EXIT
trap 'exit 130' INT TERM

# Runs a command in the chroot with a clean environment, bounded by $1 seconds.
in_root() {
  local limit=$1
  shift
  timeout --kill-after=30 "$limit" chroot "$root" /usr/bin/env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
    DEBIAN_FRONTEND=noninteractive "$@"
}

mount_all() {
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

start=$SECONDS

# 1. The chroot: made once. A half-made one (interrupted earlier) is made again.
if [ ! -f "$ready" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || skip "debootstrap is missing and there is no apt-get."
    log "installing debootstrap on this machine"
    timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=120 \
      install -y --no-install-recommends debootstrap debian-archive-keyring </dev/null \
      || fail "could not install debootstrap"
  fi
  if [ -e "$root" ]; then
    log "removing the unfinished chroot $root"
    unmount_all
    rm -rf --one-file-system "$root"
  fi
  mkdir -p "$(dirname "$root")"
  log "debootstrap $suite into $root"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  keyring_arg=()
  [ -f "$keyring" ] && keyring_arg=(--keyring="$keyring")
  timeout 1200 debootstrap --variant=minbase "${keyring_arg[@]}" "$suite" "$root" "$mirror" \
    >"$root.debootstrap.log" 2>&1 \
    || fail "debootstrap failed; see $root.debootstrap.log (and $root/debootstrap/debootstrap.log)"
  # No daemon may start inside the chroot while packages are installed.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
fi

mount_all

# 2. The packages: build-aux/install-deps.sh's list (it does nothing when all are there).
cp "$top/build-aux/install-deps.sh" "$root/tmp/install-deps.sh"
log "installing the build and test packages in the chroot"
in_root 1800 bash /tmp/install-deps.sh </dev/null >"$root/install-deps.log" 2>&1 \
  || fail "installing the packages failed; see $root/install-deps.log"
touch "$ready"

gtk_version=$(in_root 60 pkg-config --modversion gtk4)
glib_version=$(in_root 60 pkg-config --modversion glib-2.0)
log "chroot ready: Debian $(cat "$root/etc/debian_version"), GTK $gtk_version, GLib $glib_version"

# 3. The working tree, as it is now (mtimes kept, so the build stays incremental).
rm -rf --one-file-system "$root/ust/src"
mkdir -p "$root/ust/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$top" ls-files -z --cached --others --exclude-standard \
    | tar -C "$top" -c --null -T - | tar -C "$root/ust/src" -x
else
  tar -C "$top" -c --exclude='./build*' --exclude='./_build*' --exclude=./.git . \
    | tar -C "$root/ust/src" -x
fi
# Deleted files stay listed by git until the deletion is committed; tar skips them.

# 4. Build with every warning an error, then test.
log "building with -Dwerror=true (log: $root/ust/build.log)"
if ! in_root 1800 bash -c '
    set -e
    cd /ust/src
    if [ -f /ust/build/meson-private/coredata.dat ]; then
      meson setup --reconfigure /ust/build -Dwerror=true \
        || meson setup --wipe /ust/build -Dwerror=true
    else
      meson setup /ust/build -Dwerror=true
    fi
    meson compile -C /ust/build
  ' </dev/null >"$root/ust/build.log" 2>&1; then
  grep -E 'error|warning' "$root/ust/build.log" | head -n 40 || true
  fail "the build against GTK $gtk_version failed; see $root/ust/build.log"
fi

log "testing: meson test $*"
status=0
# A run that dies early must not report the last run's counts.
rm -f "$root/ust/build/meson-logs/testlog.txt"
in_root 1800 xvfb-run -a meson test -C /ust/build --print-errorlogs "$@" </dev/null || status=$?
summary=$(awk -F': *' '/^Ok:/ { ok = $2 } /^Fail:/ { f = $2 } /^Skipped:/ { s = $2 }
  /^Timeout:/ { t = $2 }
  END { if (ok != "") printf "%d passed, %d failed, %d skipped, %d timed out", ok, f, s, t }' \
  "$root/ust/build/meson-logs/testlog.txt" 2>/dev/null || true)
elapsed=$((SECONDS - start))
if [ "$status" -ne 0 ]; then
  fail "tests failed against GTK $gtk_version, GLib $glib_version (${summary:-no summary});" \
    "log: $root/ust/build/meson-logs/testlog.txt (${elapsed}s)"
fi
log "PASS: built with -Dwerror=true and tested against GTK $gtk_version, GLib $glib_version" \
  "(Debian $suite): ${summary:-no summary} (${elapsed}s)"
