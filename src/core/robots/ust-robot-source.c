/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ust-robot-source.h"

/* A one-shot or repeating timer (FUNC's return says which) for a robot's
 * retransmissions, refreshes and give-ups. */
GSource *
ust_robot_timer_new (guint       ms,
                     GSourceFunc func,
                     gpointer    data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* Stops *SOURCE, if any, and forgets it. */
void
ust_robot_source_clear (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}
