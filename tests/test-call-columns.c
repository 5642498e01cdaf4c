/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <time.h>

#include "ust-call-columns.h"

/* Microseconds for a local Bratislava wall-clock time (the test sets TZ). */
static gint64
local_us (int year,
          int month,
          int day,
          int hour,
          int minute,
          int second,
          int micro)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr (GDateTime) when = g_date_time_new (tz, year, month, day, hour, minute, second);

  return g_date_time_to_unix (when) * G_USEC_PER_SEC + micro;
}

static char *
cell (const UstCallData *data,
      const char        *name)
{
  const UstCallColumn *column = ust_call_column_find (name);

  g_assert_nonnull (column);
  return column->format (data);
}

#define assert_cell(data, name, expected) \
  G_STMT_START { \
    g_autofree char *text_ = cell ((data), (name)); \
    g_assert_cmpstr (text_, ==, (expected)); \
  } G_STMT_END

static void
test_names (void)
{
  static const char *const expected[] = {
    "call_id", "caller", "caller_name", "callee", "caller_addr", "callee_addr", "start_time",
    "ring_time", "answer_time", "end_time", "setup_s", "ring_s", "talk_s", "total_s",
    "disposition", "final_code", "final_reason", "orig_reason", "ended_by", "media",
    "transfer_to", "transfer_result", "related_call_id", "caller_ua", "callee_ua",
  };
  guint n;
  const UstCallColumn *columns = ust_call_columns (&n);

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (columns[i].name, ==, expected[i]);
      g_assert_nonnull (columns[i].format);
      g_assert_cmpstr (ust_call_column_get_title (&columns[i]), !=, "");
    }
  g_assert_null (ust_call_column_find ("no_such_column"));
}

static void
test_answered (void)
{
  UstCallData data = { 0 };

  data.call_id = g_strdup ("a84b4c76e66710@10.0.0.5");
  data.caller = g_strdup ("alice@192.168.1.10");
  data.caller_name = g_strdup ("Ústredňa Test");
  data.callee = g_strdup ("bob@192.168.1.10");
  data.caller_addr = g_strdup ("10.0.0.5:5062");
  data.callee_addr = g_strdup ("10.0.0.7:5060");
  data.start_time = local_us (2026, 11, 24, 18, 40, 22, 123000);
  data.ring_time = data.start_time + 1500000;                 /* 1.5 s */
  data.answer_time = data.ring_time + 10250000;               /* 10.25 s */
  data.end_time = data.answer_time + 62345678;                /* 62.345678 s */
  data.state = UST_CALL_ENDED;
  data.final_code = 200;
  data.final_reason = g_strdup ("OK");
  data.orig_reason = g_strdup ("OK");
  data.ended_by = UST_ENDED_BY_CALLEE;
  data.video = TRUE;
  data.caller_ua = g_strdup ("Linphone/5.2");

  assert_cell (&data, "call_id", "a84b4c76e66710@10.0.0.5");
  assert_cell (&data, "caller_name", "Ústredňa Test");
  assert_cell (&data, "start_time", "2026-11-24T18:40:22.123+01:00");
  assert_cell (&data, "ring_time", "2026-11-24T18:40:23.623+01:00");
  assert_cell (&data, "answer_time", "2026-11-24T18:40:33.873+01:00");
  assert_cell (&data, "end_time", "2026-11-24T18:41:36.218+01:00");
  assert_cell (&data, "setup_s", "1.500");
  assert_cell (&data, "ring_s", "10.250");
  assert_cell (&data, "talk_s", "62.346");
  assert_cell (&data, "total_s", "74.096");
  /* An answered call that ended is still "answered"; its end time says it is over. */
  assert_cell (&data, "disposition", "answered");
  assert_cell (&data, "final_code", "200");
  assert_cell (&data, "ended_by", "callee");
  assert_cell (&data, "media", "audio+video");
  assert_cell (&data, "transfer_to", "");
  assert_cell (&data, "callee_ua", "");

  ust_call_data_clear (&data);
}

static void
test_not_applicable (void)
{
  UstCallData data = { 0 };

  /* Cancelled while ringing: no answer, so no talk time. */
  data.call_id = g_strdup ("c1");
  data.start_time = local_us (2026, 11, 24, 9, 0, 0, 0);
  data.ring_time = data.start_time + 250000;
  data.end_time = data.ring_time + 7000000;
  data.state = UST_CALL_CANCELLED;
  data.final_code = 487;
  data.ended_by = UST_ENDED_BY_CALLER;
  assert_cell (&data, "answer_time", "");
  assert_cell (&data, "setup_s", "0.250");
  assert_cell (&data, "ring_s", "7.000");
  assert_cell (&data, "talk_s", "");
  assert_cell (&data, "total_s", "7.250");
  assert_cell (&data, "disposition", "cancelled");
  assert_cell (&data, "final_code", "487");
  assert_cell (&data, "media", "audio");

  /* Busy at once: setup runs to the end, nothing rang. */
  data.ring_time = 0;
  data.end_time = data.start_time + 80000;
  data.state = UST_CALL_BUSY;
  data.final_code = 486;
  assert_cell (&data, "ring_time", "");
  assert_cell (&data, "setup_s", "0.080");
  assert_cell (&data, "ring_s", "");
  assert_cell (&data, "disposition", "busy");

  /* A call still being set up: only its start is known. */
  data.end_time = 0;
  data.final_code = 0;
  data.state = UST_CALL_SETUP;
  data.ended_by = UST_ENDED_BY_NONE;
  assert_cell (&data, "end_time", "");
  assert_cell (&data, "setup_s", "");
  assert_cell (&data, "total_s", "");
  assert_cell (&data, "final_code", "");
  assert_cell (&data, "ended_by", "");
  assert_cell (&data, "caller", "");
  assert_cell (&data, "disposition", "setup");

  ust_call_data_clear (&data);
}

/* A Call-ID is kept as the phone sent it; its cell is text (U+FFFD for a
 * byte that is not UTF-8), for the window and the CSV. */
static void
test_call_id_not_utf8 (void)
{
  UstCallData data = { 0 };

  data.call_id = g_strdup ("a\xff" "b@host");
  assert_cell (&data, "call_id", "a\xef\xbf\xbd" "b@host");
  ust_call_data_clear (&data);
}

static void
test_time_format (void)
{
  g_autofree char *summer = ust_call_format_time (local_us (2026, 7, 1, 8, 5, 9, 7999));
  g_autofree char *none = ust_call_format_time (0);
  g_autofree char *negative = ust_call_format_duration (2000000, 1000000);
  g_autofree char *rounded = ust_call_format_duration (1000000, 1000000 + 1999500);

  /* Daylight-saving time carries its own offset; milliseconds are cut, not rounded. */
  g_assert_cmpstr (summer, ==, "2026-07-01T08:05:09.007+02:00");
  g_assert_cmpstr (none, ==, "");
  /* A wall clock stepped back never gives a negative duration. */
  g_assert_cmpstr (negative, ==, "0.000");
  g_assert_cmpstr (rounded, ==, "2.000");
}

int
main (int   argc,
      char *argv[])
{
  /* Before anything reads the local time zone. */
  g_setenv ("TZ", "Europe/Bratislava", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/call-columns/names", test_names);
  g_test_add_func ("/ust/call-columns/answered", test_answered);
  g_test_add_func ("/ust/call-columns/not-applicable", test_not_applicable);
  g_test_add_func ("/ust/call-columns/time-format", test_time_format);
  g_test_add_func ("/ust/call-columns/call-id-not-utf8", test_call_id_not_utf8);

  return g_test_run ();
}
