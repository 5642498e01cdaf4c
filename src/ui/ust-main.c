/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#endif

#include "ust-application.h"
#include "ust-paths.h"

#ifdef G_OS_UNIX
/* Ctrl+C in the terminal, or kill: quit as the Quit menu would, minus the
 * question, so the diary is flushed and the registrations saved. */
static gboolean
quit_signal_cb (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}
#endif

/* `ustredna`, the window. The headless exchange is ustredna-server. */
int
main (int   argc,
      char *argv[])
{
  g_autoptr (UstApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, ust_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = ust_application_new ();
#ifdef G_OS_UNIX
  g_unix_signal_add (SIGINT, quit_signal_cb, app);
  g_unix_signal_add (SIGTERM, quit_signal_cb, app);
#endif
  return g_application_run (G_APPLICATION (app), argc, argv);
}
