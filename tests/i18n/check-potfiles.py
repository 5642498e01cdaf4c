#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po/POTFILES.in lists exactly the files with translatable strings.

    check-potfiles.py SOURCE_ROOT [XGETTEXT]

A file has translatable strings when it marks a string for gettext: _( N_( C_( NC_(
ngettext in C, translatable="yes" in a GtkBuilder .ui file, and every desktop file and
AppStream metadata file under data/ (their Name=, <summary> and so on are translated through
po/ by i18n.merge_file). The grep finds the candidates; xgettext, run with the keywords of
meson's 'glib' preset, then says which of them really hold a message (a comment that
mentions N_() is not one).

Fails, listing them, when a file with translatable strings is missing from POTFILES.in
(its strings would never reach the translators) or when POTFILES.in names a file that is
gone or has no translatable strings any more (stale).
"""

import os
import re
import subprocess
import sys
import tempfile

MARKS = re.compile(r'\b(?:_|N_|C_|NC_|g_dpgettext2|g_dngettext|ngettext|dngettext)\s*\('
                   r'|translatable\s*=\s*"yes"')
SOURCE_DIRS = ('src', 'data')
SOURCE_SUFFIXES = ('.c', '.h', '.ui')
DATA_SUFFIXES = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in')
XGETTEXT_ARGS = [
    '--from-code=UTF-8',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
]


def candidates(top):
    """Files under src/ and data/ that look like they hold translatable strings."""
    found = set()
    for sub in SOURCE_DIRS:
        for root, dirs, files in os.walk(os.path.join(top, sub)):
            dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
            for name in files:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, top).replace(os.sep, '/')
                if name.endswith(DATA_SUFFIXES):
                    found.add(rel)
                elif name.endswith(SOURCE_SUFFIXES):
                    with open(path, encoding='utf-8', errors='replace') as f:
                        if MARKS.search(f.read()):
                            found.add(rel)
    return found


def listed(top):
    """The files POTFILES.in names (comments and blank lines skipped)."""
    names = []
    with open(os.path.join(top, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names.append(line)
    return names


def with_messages(top, files, xgettext):
    """Of @files, those xgettext extracts at least one message from."""
    if not files:
        return set()
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'check.pot')
        run = subprocess.run([xgettext, *XGETTEXT_ARGS, '--directory', top,
                              '--output', pot, *sorted(files)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.stdout.write(run.stdout + run.stderr)
            raise SystemExit('FAIL: xgettext could not read the files (see above)')
        if not os.path.exists(pot):   # no message at all: xgettext writes nothing
            return set()
        refs = set()
        with open(pot, encoding='utf-8') as f:
            for line in f:
                if line.startswith('#: '):
                    for ref in line[3:].split():
                        refs.add(ref.rsplit(':', 1)[0])
        return refs & set(files)


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit('usage: check-potfiles.py SOURCE_ROOT [XGETTEXT]')
    top = sys.argv[1]
    xgettext = sys.argv[2] if len(sys.argv) == 3 else 'xgettext'

    names = listed(top)
    failed = False

    duplicates = sorted({n for n in names if names.count(n) > 1})
    for name in duplicates:
        print(f'FAIL: po/POTFILES.in lists {name} more than once')
        failed = True

    existing = {n for n in names if os.path.isfile(os.path.join(top, n))}
    for name in sorted(set(names) - existing):
        print(f'FAIL: po/POTFILES.in lists {name}, which does not exist (stale)')
        failed = True

    translatable = with_messages(top, candidates(top) | existing, xgettext)

    missing = sorted(translatable - set(names))
    for name in missing:
        print(f'FAIL: {name} has translatable strings but is not in po/POTFILES.in')
        failed = True
    for name in sorted(existing - translatable):
        print(f'FAIL: po/POTFILES.in lists {name}, which has no translatable strings (stale)')
        failed = True

    if failed:
        print('po/POTFILES.in must list exactly the files with translatable strings, one a line.')
        return 1
    print(f'ok: po/POTFILES.in lists the {len(translatable)} files with translatable strings')
    return 0


if __name__ == '__main__':
    sys.exit(main())
