/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Where the programs find their files at run time. Implemented once per OS:
 * ust-paths-unix.c (the directories fixed at build time) and ust-paths-win32.c (found next
 * to the .exe, so an unzipped folder works wherever it is put). */

#include <glib.h>

G_BEGIN_DECLS

const char *ust_locale_dir (void);

G_END_DECLS
