/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-columns"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-call-columns.h"

/* Wall-clock microseconds as "2026-11-24T18:40:22.123+01:00" in local time.
 * The offset is always written so a diary read in another time zone, or
 * across a daylight-saving change, still means the same instant. */
char *
ust_call_format_time (gint64 time_us)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *date = NULL;
  g_autofree char *offset = NULL;
  gint64 seconds, micro;

  if (time_us <= 0)
    return g_strdup ("");

  /* GLib 2.74 has no local-from-microseconds constructor: split the value and
   * convert, so the milliseconds stay exact. */
  seconds = time_us / G_USEC_PER_SEC;
  micro = time_us % G_USEC_PER_SEC;
  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  if (local == NULL)
    return g_strdup ("");

  date = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  offset = g_date_time_format (local, "%:z");
  return g_strdup_printf ("%s.%03d%s", date, (int) (micro / 1000), offset);
}

/* Seconds with three decimals, rounded to the millisecond. Either end being
 * 0 means the moment never happened, so there is nothing to measure. */
char *
ust_call_format_duration (gint64 from_us,
                          gint64 to_us)
{
  gint64 ms;

  if (from_us <= 0 || to_us <= 0)
    return g_strdup ("");

  /* The times are wall-clock: a clock stepped backwards must not produce a
   * negative duration (the CSV writer relies on numbers never starting with
   * '-'). */
  ms = (MAX (to_us - from_us, 0) + 500) / 1000;
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%03d", ms / 1000, (int) (ms % 1000));
}

/* A cell is text for the window and the CSV; a Call-ID is kept as a phone
 * sent it, which need not be UTF-8. */
static char *
text_or_empty (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  return g_utf8_validate (text, -1, NULL) ? g_strdup (text) : g_utf8_make_valid (text, -1);
}

static char *
format_call_id (const UstCallData *data)
{
  return text_or_empty (data->call_id);
}

static char *
format_caller (const UstCallData *data)
{
  return text_or_empty (data->caller);
}

static char *
format_caller_name (const UstCallData *data)
{
  return text_or_empty (data->caller_name);
}

static char *
format_callee (const UstCallData *data)
{
  return text_or_empty (data->callee);
}

static char *
format_caller_addr (const UstCallData *data)
{
  return text_or_empty (data->caller_addr);
}

static char *
format_callee_addr (const UstCallData *data)
{
  return text_or_empty (data->callee_addr);
}

static char *
format_start_time (const UstCallData *data)
{
  return ust_call_format_time (data->start_time);
}

static char *
format_ring_time (const UstCallData *data)
{
  return ust_call_format_time (data->ring_time);
}

static char *
format_answer_time (const UstCallData *data)
{
  return ust_call_format_time (data->answer_time);
}

static char *
format_end_time (const UstCallData *data)
{
  return ust_call_format_time (data->end_time);
}

/* Post-dial delay: until the first sign of life from the far end, whichever
 * came first of ringing, answer, or the end. */
static char *
format_setup_s (const UstCallData *data)
{
  gint64 first = data->ring_time != 0 ? data->ring_time
                 : data->answer_time != 0 ? data->answer_time
                 : data->end_time;

  return ust_call_format_duration (data->start_time, first);
}

/* Ringing lasts until answered, or until the call ended unanswered. */
static char *
format_ring_s (const UstCallData *data)
{
  gint64 until = data->answer_time != 0 ? data->answer_time : data->end_time;

  if (data->ring_time == 0)
    return g_strdup ("");
  return ust_call_format_duration (data->ring_time, until);
}

static char *
format_talk_s (const UstCallData *data)
{
  return ust_call_format_duration (data->answer_time, data->end_time);
}

static char *
format_total_s (const UstCallData *data)
{
  return ust_call_format_duration (data->start_time, data->end_time);
}

static char *
format_disposition (const UstCallData *data)
{
  return g_strdup (ust_call_disposition (data));
}

static char *
format_final_code (const UstCallData *data)
{
  if (data->final_code == 0)
    return g_strdup ("");
  return g_strdup_printf ("%u", data->final_code);
}

static char *
format_final_reason (const UstCallData *data)
{
  return text_or_empty (data->final_reason);
}

static char *
format_orig_reason (const UstCallData *data)
{
  return text_or_empty (data->orig_reason);
}

static char *
format_ended_by (const UstCallData *data)
{
  return g_strdup (ust_ended_by_to_string (data->ended_by));
}

static char *
format_media (const UstCallData *data)
{
  return g_strdup (data->video ? "audio+video" : "audio");
}

static char *
format_transfer_to (const UstCallData *data)
{
  return text_or_empty (data->transfer_to);
}

static char *
format_transfer_result (const UstCallData *data)
{
  return text_or_empty (data->transfer_result);
}

static char *
format_related_call_id (const UstCallData *data)
{
  return text_or_empty (data->related_call_id);
}

static char *
format_caller_ua (const UstCallData *data)
{
  return text_or_empty (data->caller_ua);
}

static char *
format_callee_ua (const UstCallData *data)
{
  return text_or_empty (data->callee_ua);
}

/* The order here is the order of the CSV and of the window's columns. The
 * header names are an interface: scripts read them, so never rename one. */
static const UstCallColumn columns[] = {
  { "call_id", N_("Call-ID"), UST_CALL_COLUMN_TEXT, format_call_id },
  { "caller", N_("Caller"), UST_CALL_COLUMN_TEXT, format_caller },
  { "caller_name", N_("Caller name"), UST_CALL_COLUMN_TEXT, format_caller_name },
  { "callee", N_("Callee"), UST_CALL_COLUMN_TEXT, format_callee },
  { "caller_addr", N_("Caller address"), UST_CALL_COLUMN_TEXT, format_caller_addr },
  { "callee_addr", N_("Callee address"), UST_CALL_COLUMN_TEXT, format_callee_addr },
  { "start_time", N_("Started"), UST_CALL_COLUMN_TIME, format_start_time },
  { "ring_time", N_("Ringing at"), UST_CALL_COLUMN_TIME, format_ring_time },
  { "answer_time", N_("Answered at"), UST_CALL_COLUMN_TIME, format_answer_time },
  { "end_time", N_("Ended at"), UST_CALL_COLUMN_TIME, format_end_time },
  { "setup_s", N_("Setup (s)"), UST_CALL_COLUMN_NUMBER, format_setup_s },
  { "ring_s", N_("Ringing (s)"), UST_CALL_COLUMN_NUMBER, format_ring_s },
  { "talk_s", N_("Talk (s)"), UST_CALL_COLUMN_NUMBER, format_talk_s },
  { "total_s", N_("Total (s)"), UST_CALL_COLUMN_NUMBER, format_total_s },
  { "disposition", N_("Outcome"), UST_CALL_COLUMN_TEXT, format_disposition },
  { "final_code", N_("Code"), UST_CALL_COLUMN_NUMBER, format_final_code },
  { "final_reason", N_("Reason"), UST_CALL_COLUMN_TEXT, format_final_reason },
  { "orig_reason", N_("Callee’s reason"), UST_CALL_COLUMN_TEXT, format_orig_reason },
  { "ended_by", N_("Ended by"), UST_CALL_COLUMN_TEXT, format_ended_by },
  { "media", N_("Media"), UST_CALL_COLUMN_TEXT, format_media },
  { "transfer_to", N_("Transferred to"), UST_CALL_COLUMN_TEXT, format_transfer_to },
  { "transfer_result", N_("Transfer result"), UST_CALL_COLUMN_TEXT, format_transfer_result },
  { "related_call_id", N_("Related call"), UST_CALL_COLUMN_TEXT, format_related_call_id },
  { "caller_ua", N_("Caller’s phone"), UST_CALL_COLUMN_TEXT, format_caller_ua },
  { "callee_ua", N_("Callee’s phone"), UST_CALL_COLUMN_TEXT, format_callee_ua },
};

const UstCallColumn *
ust_call_columns (guint *n_columns)
{
  g_return_val_if_fail (n_columns != NULL, NULL);

  *n_columns = G_N_ELEMENTS (columns);
  return columns;
}

const UstCallColumn *
ust_call_column_find (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    if (g_str_equal (columns[i].name, name))
      return &columns[i];
  return NULL;
}

/* The table holds N_() markers only; translation happens when shown, so a
 * language change at run time is picked up. */
const char *
ust_call_column_get_title (const UstCallColumn *column)
{
  g_return_val_if_fail (column != NULL, NULL);

  return g_dgettext (GETTEXT_PACKAGE, column->title);
}
