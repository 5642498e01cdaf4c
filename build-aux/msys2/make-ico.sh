#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Redraws data/windows/io.github.ustredna.Ustredna.ico (the icon of the .exe files and of the
# taskbar button on Windows) from the scalable app icon. Run it after changing
# data/icons/io.github.ustredna.Ustredna.svg, and commit the .ico: the Windows build uses
# the committed file and needs neither tool.
#
# Needs rsvg-convert and icotool (Debian: librsvg2-bin, icoutils; MSYS2: the
# mingw-w64-ucrt-x86_64-librsvg and mingw-w64-ucrt-x86_64-icoutils packages).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
svg="$top/data/icons/io.github.ustredna.Ustredna.svg"
ico="$top/data/windows/io.github.ustredna.Ustredna.ico"

for tool in rsvg-convert icotool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "make-ico: $tool is missing" >&2
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The sizes Windows asks for: Explorer's views, the taskbar, Alt+Tab, at 100 % to 200 %
# scaling. The 256 px image is stored as PNG to keep the file small.
small=()
for size in 16 20 24 32 40 48 64; do
  rsvg-convert -w "$size" -h "$size" "$svg" -o "$work/$size.png"
  small+=("$work/$size.png")
done
rsvg-convert -w 256 -h 256 "$svg" -o "$work/256.png"

icotool --create --output="$ico" "${small[@]}" --raw="$work/256.png"
echo "make-ico: wrote $ico"
