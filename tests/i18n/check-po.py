#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the translations in po/.

    check-po.py check    SOURCE_ROOT [MSGFMT]
    check-po.py complete SOURCE_ROOT [MSGFMT XGETTEXT MSGCMP]

check: po/LINGUAS and the .po files agree, and every .po passes `msgfmt --check` (format
  specifiers the same as in the English text, a valid header and Plural-Forms) with nothing
  fuzzy and nothing untranslated.
complete: every .po translates every message the sources have now. The template is made
  afresh from po/POTFILES.in with xgettext (the committed files could be older than the
  sources), and msgcmp says which messages a .po lacks.
"""

import os
import re
import subprocess
import sys
import tempfile

XGETTEXT_ARGS = [
    '--from-code=UTF-8',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format', '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format', '--flag=N_:1:pass-c-format',
]


def read_list(path):
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f
                if line.strip() and not line.strip().startswith('#')]


def languages(top):
    """The languages of po/LINGUAS; fails when LINGUAS and the .po files disagree."""
    po_dir = os.path.join(top, 'po')
    langs = []
    for line in read_list(os.path.join(po_dir, 'LINGUAS')):
        langs.extend(line.split())
    files = sorted(n[:-3] for n in os.listdir(po_dir) if n.endswith('.po'))
    problems = []
    for lang in sorted(set(files) - set(langs)):
        problems.append(f'po/{lang}.po is not listed in po/LINGUAS (it is never built)')
    for lang in sorted(set(langs) - set(files)):
        problems.append(f'po/LINGUAS lists {lang}, but there is no po/{lang}.po')
    if not langs:
        problems.append('po/LINGUAS lists no language')
    return langs, problems


def statistics(text):
    """(translated, fuzzy, untranslated) from msgfmt --statistics."""
    def count(pattern):
        m = re.search(r'(\d+) ' + pattern, text)
        return int(m.group(1)) if m else 0
    return (count(r'translated message'), count(r'fuzzy translation'),
            count(r'untranslated message'))


def check(top, msgfmt):
    langs, problems = languages(top)
    for lang in langs:
        po = os.path.join(top, 'po', lang + '.po')
        if not os.path.isfile(po):
            continue
        run = subprocess.run([msgfmt, '--check', '--statistics', '--output-file', os.devnull, po],
                             capture_output=True, text=True)
        out = (run.stdout + run.stderr).strip()
        print(f'po/{lang}.po: {out}')
        if run.returncode != 0:
            problems.append(f'po/{lang}.po does not pass msgfmt --check (see above)')
            continue
        translated, fuzzy, untranslated = statistics(out)
        if translated == 0:
            problems.append(f'po/{lang}.po translates nothing')
        if fuzzy:
            problems.append(f'po/{lang}.po has {fuzzy} fuzzy translations')
        if untranslated:
            problems.append(f'po/{lang}.po has {untranslated} untranslated messages')
    return problems


def complete(top, xgettext, msgcmp):
    langs, problems = languages(top)
    files = read_list(os.path.join(top, 'po', 'POTFILES.in'))
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'fresh.pot')
        run = subprocess.run([xgettext, *XGETTEXT_ARGS, '--directory', top, '--output', pot,
                              *files], capture_output=True, text=True)
        if run.returncode != 0 or not os.path.exists(pot):
            print(run.stdout + run.stderr)
            return problems + ['xgettext could not make the template from po/POTFILES.in']
        for lang in langs:
            po = os.path.join(top, 'po', lang + '.po')
            if not os.path.isfile(po):
                continue
            # Without --use-fuzzy/--use-untranslated, a message the .po has but does not
            # translate counts as missing.
            run = subprocess.run([msgcmp, po, pot], capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stdout + run.stderr)
                problems.append(f'po/{lang}.po lacks translations of messages the sources have '
                                f'(above); update it: meson compile -C BUILD ustredna-update-po, '
                                f'then translate')
            else:
                print(f'po/{lang}.po translates every message of the sources')
    return problems


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ('check', 'complete'):
        raise SystemExit(__doc__)
    mode, top = sys.argv[1], sys.argv[2]
    tools = sys.argv[3:]
    if mode == 'check':
        problems = check(top, tools[0] if tools else 'msgfmt')
    else:
        xgettext = tools[1] if len(tools) > 1 else 'xgettext'
        msgcmp = tools[2] if len(tools) > 2 else 'msgcmp'
        problems = complete(top, xgettext, msgcmp)
    for p in problems:
        print('FAIL: ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
