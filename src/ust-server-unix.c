/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <glib-unix.h>

#include "ust-server-os.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* Ctrl+C and `kill` quit the main loop instead of killing the process, so the server saves
 * the call diary and the registrations on the way out. GLib turns the signals into sources
 * on the main context: the callback runs on the main thread, not in a signal handler. */
void
ust_server_add_quit_handlers (GMainLoop *loop)
{
  g_return_if_fail (loop != NULL);

  g_unix_signal_add_full (G_PRIORITY_DEFAULT, SIGINT, quit_cb, g_main_loop_ref (loop),
                          (GDestroyNotify) g_main_loop_unref);
  g_unix_signal_add_full (G_PRIORITY_DEFAULT, SIGTERM, quit_cb, g_main_loop_ref (loop),
                          (GDestroyNotify) g_main_loop_unref);
}
