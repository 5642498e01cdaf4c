/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The robots' timers and socket sources, attached to the thread-default
 * main context: the exchange's core thread, where the robots live. */
GSource *ust_robot_timer_new    (guint        ms,
                                 GSourceFunc  func,
                                 gpointer     data);
void     ust_robot_source_clear (GSource    **source);

G_END_DECLS
