/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <windows.h>

#include "ust-server-os.h"

/* Set once, before the handler is installed, and never released: the handler may run at
 * any moment until the process ends. */
static GMainLoop *quit_loop = NULL;

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (quit_loop);
  return G_SOURCE_REMOVE;
}

/* Windows calls this on a thread of its own, not the main thread. Attaching a source to a
 * GMainContext is thread-safe and wakes the loop up, so the loop quits on its own thread,
 * exactly as for SIGINT on Unix. */
static BOOL WINAPI
console_ctrl_cb (DWORD type)
{
  GSource *source;

  if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT &&
      type != CTRL_SHUTDOWN_EVENT)
    return FALSE;

  source = g_idle_source_new ();
  g_source_set_callback (source, quit_cb, NULL, NULL);
  g_source_attach (source, g_main_loop_get_context (quit_loop));
  g_source_unref (source);

  /* After a closed console window or a shutdown, Windows ends the process as soon as this
   * returns (or after about 5 s). Wait instead, so the main thread can save the diary and
   * the registrations; when main() returns, the process ends and this thread with it. */
  if (type == CTRL_CLOSE_EVENT || type == CTRL_SHUTDOWN_EVENT)
    Sleep (INFINITE);
  return TRUE;
}

void
ust_server_add_quit_handlers (GMainLoop *loop)
{
  g_return_if_fail (loop != NULL);
  g_return_if_fail (quit_loop == NULL);

  quit_loop = g_main_loop_ref (loop);
  if (!SetConsoleCtrlHandler (console_ctrl_cb, TRUE))
    g_warning ("SetConsoleCtrlHandler failed (error %lu): Ctrl+C will not save the diary",
               (unsigned long) GetLastError ());
}
