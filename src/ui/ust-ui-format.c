/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-ui-format"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ust-ui-format.h"

static GDateTime *
local_time_of (gint64 time_us)
{
  g_autoptr (GDateTime) utc = NULL;

  if (time_us <= 0)
    return NULL;
  utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

/* "2026-11-24 18:40:22" in the computer's time zone; "" for 0. The ISO
 * order reads the same in every language and sorts as text. */
char *
ust_format_local_time (gint64 time_us)
{
  g_autoptr (GDateTime) local = local_time_of (time_us);

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
}

/* "18:40:22.123", for the events of one call, which happen within seconds
 * of each other. */
char *
ust_format_clock_time (gint64 time_us)
{
  g_autoptr (GDateTime) local = local_time_of (time_us);
  g_autofree char *clock = NULL;

  if (local == NULL)
    return g_strdup ("");
  clock = g_date_time_format (local, "%H:%M:%S");
  return g_strdup_printf ("%s.%03d", clock, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

/* "0:07", "12:34", "1:02:03": how long a call has lasted, or how long a
 * registration has left. Negative spans read as 0:00. */
char *
ust_format_elapsed (gint64 microseconds)
{
  gint64 seconds = MAX (microseconds, 0) / G_USEC_PER_SEC;

  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* "192.168.1.10:5060", or "[fd00::2]:5060" for IPv6. */
char *
ust_format_host_port (const char *address,
                      guint       port)
{
  if (address != NULL && strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, port);
  return g_strdup_printf ("%s:%u", address != NULL ? address : "", port);
}

typedef struct {
  const char *word;
  const char *label;
} Label;

static const char *
find_label (const Label *labels,
            gsize        n_labels,
            const char  *word)
{
  if (word == NULL)
    return "";
  for (gsize i = 0; i < n_labels; i++)
    if (strcmp (word, labels[i].word) == 0)
      return _(labels[i].label);
  return word;
}

/* The state words of a live call (ust_call_state_to_string) as a person
 * reads them. Unknown words are shown as they are. */
const char *
ust_call_state_label (const char *state)
{
  static const Label labels[] = {
    { "setup", N_("Calling") },
    { "ringing", N_("Ringing") },
    { "answered", N_("In call") },
    { "ended", N_("Ended") },
    { "cancelled", N_("Cancelled") },
    { "busy", N_("Busy") },
    { "declined", N_("Declined") },
    { "not found", N_("Not found") },
    { "failed", N_("Failed") },
    { "timed out", N_("Timed out") },
  };

  return find_label (labels, G_N_ELEMENTS (labels), state);
}

/* How a call in the diary turned out (ust_call_disposition), as a person
 * reads it: a call that was answered and has ended was "answered". */
const char *
ust_call_outcome_label (const char *disposition)
{
  static const Label labels[] = {
    { "setup", N_("Calling") },
    { "ringing", N_("Ringing") },
    { "answered", N_("Answered") },
    { "ended", N_("Answered") },
    { "cancelled", N_("Cancelled") },
    { "busy", N_("Busy") },
    { "declined", N_("Declined") },
    { "not found", N_("Not found") },
    { "failed", N_("Failed") },
    { "timed out", N_("Timed out") },
  };

  return find_label (labels, G_N_ELEMENTS (labels), disposition);
}
