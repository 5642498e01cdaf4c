/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include "ust-paths.h"

/* The translations, for bindtextdomain(): share\locale in the folder the program was
 * unpacked to. GLib finds that folder from the .exe's own path (dropping a last "bin"), so
 * both the MSYS2 prefix and the portable zip work, moved anywhere.
 *
 * libintl's bindtextdomain() takes a path in the system code page, not UTF-8. A folder name
 * the code page cannot spell ("C:\Users\Ján\…" on a Chinese Windows) would break it, so this
 * returns what g_win32_locale_filename_from_utf8() gives: the short 8.3 name in that case.
 * GLib binds its own translations the same way. */
const char *
ust_locale_dir (void)
{
  static char *locale_dir = NULL;

  if (g_once_init_enter (&locale_dir))
    {
      g_autofree char *base = g_win32_get_package_installation_directory_of_module (NULL);
      g_autofree char *utf8 = g_build_filename (base, "share", "locale", NULL);
      char *dir = g_win32_locale_filename_from_utf8 (utf8);

      g_once_init_leave (&locale_dir, dir != NULL ? dir : g_steal_pointer (&utf8));
    }
  return locale_dir;
}
