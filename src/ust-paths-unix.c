/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include "ust-paths.h"

/* The translations, for bindtextdomain(): the localedir meson installs them to. */
const char *
ust_locale_dir (void)
{
  return LOCALEDIR;
}
