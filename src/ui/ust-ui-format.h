/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* How the window writes times, durations, states and addresses for a
 * person to read. The CSV keeps its own machine-friendly forms
 * (ust-call-columns.h); these are only for the screen. */

#include <glib.h>

G_BEGIN_DECLS

char       *ust_format_local_time   (gint64      time_us);
char       *ust_format_clock_time   (gint64      time_us);
char       *ust_format_elapsed      (gint64      microseconds);
char       *ust_format_host_port    (const char *address,
                                     guint       port);
const char *ust_call_state_label    (const char *state);
const char *ust_call_outcome_label  (const char *disposition);

G_END_DECLS
