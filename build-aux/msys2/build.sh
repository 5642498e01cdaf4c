#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Ústredňa on Windows and packs it as a portable zip that runs by double-click on a
# Windows machine without MSYS2. Run it in an "MSYS2 UCRT64" shell, from anywhere:
#
#   build-aux/msys2/build.sh              install packages, build, run the unit tests, pack
#   build-aux/msys2/build.sh --no-deps    do not call pacman (offline; packages already there)
#   build-aux/msys2/build.sh --no-tests   pack even if the unit tests would fail
#
# Output: build-msys2/Ustredna-VERSION-windows-x86_64.zip, holding one folder:
#
#   bin\ustredna.exe          the window (a GUI program: no console opens)
#   bin\ustredna-server.exe   the headless exchange, for a console
#   bin\*.dll                 the MSYS2 libraries the programs load, found with ldd
#   lib\gdk-pixbuf-2.0\       image loaders (GTK draws its SVG icons through them)
#   lib\gio\modules\         glib-networking's GnuTLS module: SIP over TLS
#   share\glib-2.0\schemas\   GTK's settings schemas, compiled
#   share\icons\              the Adwaita and hicolor icon themes, with the app icon
#   share\locale\             translations: Ústredňa's, and GTK's and GLib's for the same
#                             languages
#
# libosip2 has no MSYS2 package: when pkg-config cannot find it and pacman has none, this
# builds the GNU release tarball (checksum pinned below) and installs it into the MSYS2
# prefix, once.

set -euo pipefail

OSIP_VERSION=5.3.0
OSIP_URL=https://ftp.gnu.org/gnu/osip/libosip2-$OSIP_VERSION.tar.gz
# SHA-256 of the tarball above. It is the same file Debian ships as
# libosip2_5.3.0.orig.tar.gz (722,152 bytes; same hash in Debian 12's signed Sources index)
# and the one Homebrew's libosip formula pins for this URL.
OSIP_SHA256=f4725916c22cf514969efb15c3c207233d64739383f7d42956038b78f6cae8c8

log() { printf 'msys2-build: %s\n' "$*"; }
die() {
  printf 'msys2-build: error: %s\n' "$*" >&2
  exit 1
}

install_deps=1
run_tests=1
for arg in "$@"; do
  case "$arg" in
    --no-deps) install_deps=0 ;;
    --no-tests) run_tests=0 ;;
    -h | --help)
      sed -n '4,10p' "$0"
      exit 0
      ;;
    *) die "unknown option $arg (try --help)" ;;
  esac
done

if [ "${MSYSTEM:-}" != UCRT64 ] || [ -z "${MINGW_PREFIX:-}" ]; then
  die "run this in an \"MSYS2 UCRT64\" shell (MSYSTEM is '${MSYSTEM:-unset}')"
fi
pkg_prefix=${MINGW_PACKAGE_PREFIX:-mingw-w64-ucrt-x86_64}
chost=${MINGW_CHOST:-x86_64-w64-mingw32}

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$top/build-msys2
version=$(sed -n "s/^ *version: '\([^']*\)',\$/\1/p" "$top/meson.build" | head -n 1)
[ -n "$version" ] || die "could not read the version from meson.build"
bundle_name=Ustredna-$version-windows-x86_64
stage=$builddir/$bundle_name

# --- 1. Packages -------------------------------------------------------------------------

# The first of several names that pacman knows (packages get renamed and split).
first_known_package() {
  local name
  for name in "$@"; do
    if pacman -Si "$name" >/dev/null 2>&1; then
      echo "$name"
      return 0
    fi
  done
  return 1
}

if [ "$install_deps" = 1 ]; then
  packages=(
    # MSYS tools: building libosip2 and packing the zip.
    make curl tar gzip zip unzip
  )
  # libpcap: reading captures (File → Open Capture, --analyse); MSYS2 builds it without
  # live capture (PCAP_TYPE=null), which reading files does not need.
  for name in gcc meson ninja pkgconf glib2 gtk4 sqlite3 libxml2 gnutls glib-networking libpcap \
    gdk-pixbuf2 librsvg adwaita-icon-theme hicolor-icon-theme; do
    packages+=("$pkg_prefix-$name")
  done
  # msgfmt and xgettext: gettext was split into -runtime and -tools in 2024.
  gettext_package=$(first_known_package "$pkg_prefix-gettext-tools" "$pkg_prefix-gettext") ||
    die "pacman knows neither $pkg_prefix-gettext-tools nor $pkg_prefix-gettext"
  packages+=("$gettext_package")
  log "installing with pacman (only what is missing): ${packages[*]}"
  pacman -S --needed --noconfirm "${packages[@]}"
fi

for tool in gcc meson ninja pkg-config msgfmt glib-compile-schemas gtk4-update-icon-cache \
  gdk-pixbuf-query-loaders ldd zip unzip; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing; run without --no-deps"
done

# --- 2. libosip2 -------------------------------------------------------------------------

build_libosip2() {
  local downloads=$builddir/downloads
  local tarball=$downloads/libosip2-$OSIP_VERSION.tar.gz
  local src=$builddir/libosip2-$OSIP_VERSION

  mkdir -p "$downloads"
  if [ ! -f "$tarball" ]; then
    log "downloading $OSIP_URL"
    curl -fL --retry 3 -o "$tarball.part" "$OSIP_URL"
    mv "$tarball.part" "$tarball"
  fi
  # Fail closed: a tarball that does not match the pinned hash is deleted, never built.
  if ! printf '%s  %s\n' "$OSIP_SHA256" "$tarball" | sha256sum -c --quiet -; then
    rm -f "$tarball"
    die "libosip2-$OSIP_VERSION.tar.gz does not match the pinned SHA-256 $OSIP_SHA256; deleted"
  fi
  log "libosip2-$OSIP_VERSION.tar.gz: SHA-256 verified"

  rm -rf "$src"
  tar -xzf "$tarball" -C "$builddir"
  (
    cd "$src"
    ./configure --prefix="$MINGW_PREFIX" --build="$chost" --host="$chost" --target="$chost"
    make -j"$(nproc)"
    make install
  )
  pkg-config --exists "libosip2 >= $OSIP_VERSION" ||
    die "libosip2 was installed, but pkg-config still cannot find libosip2.pc"
  log "libosip2 $OSIP_VERSION installed into $MINGW_PREFIX"
}

mkdir -p "$builddir"
if pkg-config --exists "libosip2 >= $OSIP_VERSION"; then
  log "libosip2 $(pkg-config --modversion libosip2) found"
elif [ "$install_deps" = 1 ] && pacman -Si "$pkg_prefix-libosip2" >/dev/null 2>&1; then
  pacman -S --needed --noconfirm "$pkg_prefix-libosip2"
else
  log "libosip2 is not packaged for MSYS2: building it from the GNU release"
  build_libosip2
fi

# --- 3. Build and test -------------------------------------------------------------------

# The install prefix is the bundle folder itself, so `meson install` lays out bin\ and
# share\ exactly as the zip holds them. Nothing depends on the prefix at run time: the
# programs find share\ next to bin\ (src/ust-paths-win32.c).
prefix=$(cygpath -m "$stage")
if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir" "$top" -Dprefix="$prefix" --buildtype=release
else
  meson setup "$builddir" "$top" -Dprefix="$prefix" --buildtype=release
fi
meson compile -C "$builddir"

if [ "$run_tests" = 1 ]; then
  # The SIP scenario tests need sipp, which does not build on Windows; the desktop-file
  # and AppStream checks are about Linux. The unit tests run everywhere.
  meson test -C "$builddir" --suite unit --print-errorlogs
fi

# --- 4. Bundle ---------------------------------------------------------------------------

rm -rf "$stage"
meson install -C "$builddir" --strip --no-rebuild
[ -f "$stage/bin/ustredna-server.exe" ] || die "meson install left no bin/ustredna-server.exe"
if [ ! -f "$stage/bin/ustredna.exe" ]; then
  log "warning: there is no bin/ustredna.exe (the window) yet; packing the server alone"
fi

# The pixbuf loaders, with a cache naming them relative to the bundle: gdk-pixbuf on Windows
# reads a relative path as relative to the folder above its DLL's bin\.
loaders_rel=lib/gdk-pixbuf-2.0/2.10.0
mkdir -p "$stage/$loaders_rel"
cp -r "$MINGW_PREFIX/$loaders_rel/loaders" "$stage/$loaders_rel/"
GDK_PIXBUF_MODULEDIR=$(cygpath -m "$stage/$loaders_rel/loaders") gdk-pixbuf-query-loaders |
  sed -e "s|\"$prefix/|\"|" -e '/^# LoaderDir = /d' >"$stage/$loaders_rel/loaders.cache"
grep -q "^\"$loaders_rel/loaders/" "$stage/$loaders_rel/loaders.cache" ||
  die "loaders.cache lists no loader by a relative path"

# GIO finds its TLS backend (glib-networking's GnuTLS module) in lib\gio\modules beside
# bin\, as on Linux in GIO_MODULE_DIR; without it the exchange runs with UDP and TCP only
# and says why. The DLLs the module loads (GnuTLS, nettle, …) come with the ldd pass below.
gio_modules=lib/gio/modules
[ -f "$MINGW_PREFIX/$gio_modules/libgiognutls.dll" ] ||
  die "no $gio_modules/libgiognutls.dll in $MINGW_PREFIX: is $pkg_prefix-glib-networking installed?"
mkdir -p "$stage/$gio_modules"
cp "$MINGW_PREFIX/$gio_modules/libgiognutls.dll" "$stage/$gio_modules/"

# GLib runs gdbus.exe to reach a session bus (one instance of the window at a time) and the
# gspawn helpers to start other programs.
for helper in gdbus.exe gspawn-win64-helper.exe gspawn-win64-helper-console.exe; do
  if [ -f "$MINGW_PREFIX/bin/$helper" ]; then
    cp "$MINGW_PREFIX/bin/$helper" "$stage/bin/"
  fi
done

# Every DLL from the MSYS2 prefix that a program, helper or loader loads, transitively.
# MSYS2's ldd prints "name.dll => /ucrt64/bin/name.dll (0x…)" for each module it loads;
# system DLLs (C:\Windows\…) stay out. Prints the bundle paths of the DLLs it copied.
copy_dlls_of() {
  local listing dll

  listing=$(ldd "$@") || die "ldd failed on one of: $*"
  awk -v dir="$MINGW_PREFIX/bin/" 'index($3, dir) == 1 { print $3 }' <<<"$listing" |
    sort -u | while read -r dll; do
      if [ ! -f "$stage/bin/${dll##*/}" ]; then
        cp "$dll" "$stage/bin/"
        echo "$stage/bin/${dll##*/}"
      fi
    done
}
mapfile -t modules < <(find "$stage/bin" "$stage/lib" -name '*.exe' -o -name '*.dll')
new=$(copy_dlls_of "${modules[@]}")
# ldd already follows dependencies; passes over what was just copied, until nothing new
# comes, prove that nothing is left out.
while [ -n "$new" ]; do
  mapfile -t modules <<<"$new"
  new=$(copy_dlls_of "${modules[@]}")
done
log "bundled $(find "$stage/bin" -name '*.dll' | wc -l) DLLs"

# GSettings schemas: GTK's own (its file chooser reads them, and GLib aborts on a missing
# schema) and any the app installed.
schemas=$stage/share/glib-2.0/schemas
mkdir -p "$schemas"
gtk_schemas=("$MINGW_PREFIX"/share/glib-2.0/schemas/org.gtk.gtk4.*.gschema.xml)
[ -f "${gtk_schemas[0]}" ] || die "no org.gtk.gtk4.*.gschema.xml in $MINGW_PREFIX"
cp "${gtk_schemas[@]}" "$schemas/"
glib-compile-schemas "$schemas"

# Icon themes: Adwaita for GTK's symbolic icons, hicolor (the fallback theme) for the app
# icon meson installed. X11 cursors are no use on Windows.
mkdir -p "$stage/share/icons/hicolor"
cp -r "$MINGW_PREFIX/share/icons/Adwaita" "$stage/share/icons/"
rm -rf "$stage/share/icons/Adwaita/cursors"
cp "$MINGW_PREFIX/share/icons/hicolor/index.theme" "$stage/share/icons/hicolor/"
for theme in Adwaita hicolor; do
  gtk4-update-icon-cache --quiet --force --ignore-theme-index "$stage/share/icons/$theme"
done

# GTK's and GLib's translations for the languages Ústredňa is translated to (po/LINGUAS);
# meson installed Ústredňa's own .mo files.
while read -r -a langs; do
  for lang in "${langs[@]}"; do
    case "$lang" in '#'*) break ;; esac
    mkdir -p "$stage/share/locale/$lang/LC_MESSAGES"
    for domain in gtk40 glib20 gdk-pixbuf; do
      mo=$MINGW_PREFIX/share/locale/$lang/LC_MESSAGES/$domain.mo
      if [ -f "$mo" ]; then
        cp "$mo" "$stage/share/locale/$lang/LC_MESSAGES/"
      fi
    done
  done
done <"$top/po/LINGUAS"

cat >"$stage/README.txt" <<EOF
Ústredňa $version for Windows (64-bit)

Start the window by double-clicking bin\\ustredna.exe. For the headless exchange, open a
command prompt in the bin folder and run: ustredna-server --help

When Windows Defender Firewall asks, allow Ústredňa on private networks. If phones still
cannot register, set the network's profile to Private in Settings, Network & internet.

Registrations and the call diary are kept in %LOCALAPPDATA%\\ustredna. To remove Ústredňa,
delete this folder and that one.

Source code, licence (GPL-3.0-or-later) and help: https://github.com/ustredna/ustredna
EOF
# Notepad copes with LF, but older ones do not.
sed -i 's/$/\r/' "$stage/README.txt"

rm -f "$builddir/$bundle_name.zip"
(cd "$builddir" && zip -q -r -9 "$bundle_name.zip" "$bundle_name")

# --- 5. Smoke test the zip ---------------------------------------------------------------

# Unpack it elsewhere and start the programs with only Windows' own folders on PATH: a
# missing DLL shows up here ("error while loading shared libraries") instead of on a
# student's laptop.
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
unzip -q "$builddir/$bundle_name.zip" -d "$check"
system32=$(cygpath -u "${SYSTEMROOT:-C:\\Windows}")/System32
timeout=$(command -v timeout)
for program in ustredna-server ustredna; do
  exe=$check/$bundle_name/bin/$program.exe
  [ -f "$exe" ] || continue
  # $timeout by its full path: the command is looked up with the PATH given here.
  if ! PATH="$system32" "$timeout" 60 "$exe" --help >/dev/null; then
    die "$program.exe --help failed when run from the unpacked zip"
  fi
  log "$program.exe starts from the unpacked zip"
done

# TLS from the unpacked zip: the server prints "Listening on tls …" only when GIO found the
# GnuTLS module and the certificate could be made; else it names the problem.
server=$check/$bundle_name/bin/ustredna-server.exe
tls_data=$(mktemp -d)
PATH="$system32" "$timeout" 5 "$server" --listen 127.0.0.1:0 --data-dir "$(cygpath -w "$tls_data")" \
  >"$check/tls.out" 2>&1 || true
rm -rf "$tls_data"
grep -q "Listening on tls" "$check/tls.out" ||
  die "the unpacked server did not start TLS: $(tr '\r\n' '  ' <"$check/tls.out")"
log "ustredna-server.exe serves TLS from the unpacked zip"

log "done: $builddir/$bundle_name.zip ($(du -h "$builddir/$bundle_name.zip" | cut -f1))"
