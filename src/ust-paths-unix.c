/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include "ust-paths.h"

/* The translations, for bindtextdomain(): the localedir meson installs them to.
 *
 * For an uninstalled build, USTREDNA_LOCALEDIR points somewhere else: meson builds the
 * catalogues as BUILD/po/LANG/LC_MESSAGES/ustredna.mo, so USTREDNA_LOCALEDIR=BUILD/po runs
 * the programs in another language without installing them (the tests in tests/i18n do). */
const char *
ust_locale_dir (void)
{
  const char *dir = g_getenv ("USTREDNA_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}
