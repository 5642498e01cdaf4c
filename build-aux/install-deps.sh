#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian 12 packages that Ústredňa needs to build, run and test, but only the ones
# that are missing. Safe to run again and again: when everything is there it does not touch apt
# at all. Runs as root, or as a user with sudo. Never prompts (CI runs it with no stdin).

set -euo pipefail

# One package per line; add new ones here.
packages=(
  build-essential
  pkg-config
  meson
  ninja-build
  libglib2.0-dev
  libosip2-dev
  libsqlite3-dev
  libgtk-4-dev
  libgnutls28-dev   # makes the exchange's TLS certificate
  libpcap-dev       # reads captures (pcap and pcapng): --analyse, File → Open Capture
  glib-networking   # GIO's TLS at run time: SIP over TLS
  gettext
  sip-tester   # sipp, for the SIP scenario tests
  tshark       # reads the --pcap captures back; dumpcap makes captures in tests/capture
  nftables     # drops datagrams: TCP segments in tests/capture, UDP at random for the
               # fault-loss test and build-aux/loss.py
  util-linux   # unshare: the fault tests' own user, network and mount namespaces
  mount        # mount: the fault tests' small tmpfs disk, remounted read-only and back
  baresip      # real softphones for the end-to-end tests (tests/e2e)
  linphone-cli # linphonec, the liblinphone of Linphone Desktop/Android, as a phone in tests/e2e
  python3      # build-aux/count-tests.py
  xvfb         # xvfb-run gives the GUI tests a display
  xauth        # needed by xvfb-run
  dbus           # dbus-run-session: build-aux/screenshot.sh drives the window over D-Bus
  libglib2.0-bin # gapplication, for the same
  desktop-file-utils    # desktop-file-validate, meson test suite 'data'
  appstream             # appstreamcli validate, suite 'data'; its ITS rules for the metainfo
  libxml2-utils         # xmllint, suite 'data'
  gcc-mingw-w64-x86-64  # build-aux/win32-check.sh, suite 'win32'
  wine64                # runs the cross-compiled check program, suite 'win32'
  shellcheck            # lints the build-aux scripts
  locales               # locale-gen: the Slovak locale for the i18n tests (below)
)

# Locales to generate (locale-gen), one per line: the i18n tests (tests/i18n) run the window
# under LANG=sk_SK.UTF-8 and skip when the locale is missing.
locales=(
  sk_SK.UTF-8
)

log() { printf 'install-deps: %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "this is not a Debian-like system (no dpkg-query/apt-get)."
  log "install the equivalents of these yourself: ${packages[*]}"
  exit 0
fi

# A package counts as present only when dpkg says it is fully installed: a package that was
# removed but left its configuration files ("deinstall ok config-files") is missing.
is_installed() {
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
}

missing=()
for pkg in "${packages[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    # Without a terminal to type a password on, make sudo fail instead of waiting for one.
    if [ -t 0 ]; then
      as_root=(sudo)
    else
      as_root=(sudo -n)
    fi
  fi
fi
need_root() {
  if [ "$(id -u)" -ne 0 ] && [ "${#as_root[@]}" -eq 0 ]; then
    log "missing: $*"
    log "run this script as root (sudo is not available) to install them."
    exit 1
  fi
}

if [ "${#missing[@]}" -eq 0 ]; then
  log "all ${#packages[@]} packages are already installed."
else
  need_root "${missing[*]}"
  log "installing: ${missing[*]}"
  # "env" because sudo drops most of the environment. The lock timeout lets a fresh machine's
  # own apt run (unattended-upgrades) finish instead of failing at once.
  apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update </dev/null
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null

  still_missing=()
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
  done
  if [ "${#still_missing[@]}" -ne 0 ]; then
    log "still not installed after apt-get: ${still_missing[*]}"
    exit 1
  fi
fi

# A locale is there when `locale -a` lists it; it spells sk_SK.UTF-8 as sk_SK.utf8.
has_locale() {
  local want
  want=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -d -- '-')
  locale -a 2>/dev/null | tr '[:upper:]' '[:lower:]' | tr -d -- '-' | grep -qxF "$want"
}

missing_locales=()
for loc in "${locales[@]}"; do
  has_locale "$loc" || missing_locales+=("$loc")
done
if [ "${#missing_locales[@]}" -eq 0 ]; then
  log "the locales are already generated: ${locales[*]}."
  log "done."
  exit 0
fi

need_root "locales ${missing_locales[*]}"
log "generating locales: ${missing_locales[*]}"
# Through /etc/locale.gen, so a later locale-gen (run by a package upgrade) keeps them.
for loc in "${missing_locales[@]}"; do
  line="$loc ${loc#*.}"   # "sk_SK.UTF-8 UTF-8"
  if grep -qE "^[#[:space:]]*${line//./\\.}[[:space:]]*$" /etc/locale.gen 2>/dev/null; then
    "${as_root[@]}" sed -i -E "s/^[#[:space:]]*(${line//./\\.})[[:space:]]*$/\\1/" /etc/locale.gen
  else
    printf '%s\n' "$line" | "${as_root[@]}" tee -a /etc/locale.gen >/dev/null
  fi
done
"${as_root[@]}" locale-gen </dev/null

still_missing=()
for loc in "${missing_locales[@]}"; do
  has_locale "$loc" || still_missing+=("$loc")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
  log "still not generated after locale-gen: ${still_missing[*]}"
  exit 1
fi
log "done."
