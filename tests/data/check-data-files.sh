#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The desktop file, the AppStream metadata, the icons and meson.build all name the app by
# its id, and the validators cannot see whether they agree with each other. This does.
#
#   check-data-files.sh SOURCE_ROOT APP_ID VERSION MERGED.desktop MERGED.metainfo.xml

set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: $0 SOURCE_ROOT APP_ID VERSION DESKTOP METAINFO" >&2
  exit 2
fi
top=$1 app_id=$2 version=$3 desktop=$4 metainfo=$5
failed=0

fail() {
  echo "FAIL: $*"
  failed=1
}

# The value of KEY in the [Desktop Entry] group (untranslated).
desktop_value() {
  sed -n "s/^$1=//p" "$desktop" | head -n 1
}

[ "$(desktop_value Icon)" = "$app_id" ] || fail "desktop Icon= is not $app_id"
[ "$(desktop_value Exec)" = "ustredna" ] || fail "desktop Exec= is not ustredna"
[ "$(basename "$desktop")" = "$app_id.desktop" ] || fail "desktop file is not named $app_id.desktop"

grep -q "<id>$app_id</id>" "$metainfo" || fail "metainfo <id> is not $app_id"
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" ||
  fail "metainfo <launchable> is not $app_id.desktop"
grep -q "<release version=\"$version\"" "$metainfo" ||
  fail "metainfo has no <release> for version $version (meson.build says $version)"
grep -q '/data/screenshots/window.png</image>' "$metainfo" ||
  fail "metainfo screenshot does not point at data/screenshots/window.png"
# Translations merged in must not have broken the XML.
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout "$metainfo" || fail "metainfo is not well-formed XML"
fi

svg="$top/data/icons/$app_id.svg"
if [ ! -f "$svg" ]; then
  fail "no scalable icon at data/icons/$app_id.svg"
else
  grep -q '<svg' "$svg" || fail "$svg has no <svg> element"
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$svg" || fail "$svg is not well-formed XML"
  fi
fi

ico="$top/data/windows/$app_id.ico"
if [ ! -f "$ico" ]; then
  fail "no Windows icon at data/windows/$app_id.ico (build-aux/msys2/make-ico.sh makes it)"
else
  # An .ico starts with reserved 0, type 1 (icon).
  [ "$(od -An -tx1 -N4 "$ico" | tr -d ' \n')" = "00000100" ] || fail "$ico is not an .ico file"
  grep -q "\"$app_id.ico\"" "$top/data/windows/ustredna.rc.in" ||
    fail "data/windows/ustredna.rc.in does not use $app_id.ico"
fi

if [ "$failed" -eq 0 ]; then
  echo "desktop file, metainfo and icons agree on $app_id $version"
fi
exit "$failed"
