/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <time.h>

#include <gio/gio.h>

#include "ust-server-options.h"

/* 2026-11-24T18:40:22+01:00 */
#define T0 G_GINT64_CONSTANT (1795542022000000)

static gint64
local_us (int year,
          int month,
          int day,
          int hour,
          int minute,
          int second)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr (GDateTime) when = g_date_time_new (tz, year, month, day, hour, minute, second);

  return g_date_time_to_unix (when) * G_USEC_PER_SEC;
}

/* --since and --until: dates, times, offsets, and what is refused. */
static void
test_parse_time (void)
{
  static const struct {
    const char *text;
    gint64      expected;   /* 0: computed as local time below */
    int         local[6];
  } good[] = {
    { "2026-11-24", 0, { 2026, 11, 24, 0, 0, 0 } },
    { "2026-11-24T18:40", 0, { 2026, 11, 24, 18, 40, 0 } },
    { "2026-11-24T18:40:22", 0, { 2026, 11, 24, 18, 40, 22 } },
    { "2026-11-24 18:40", 0, { 2026, 11, 24, 18, 40, 0 } },
    { " 2026-07-01 08:00:00 ", 0, { 2026, 7, 1, 8, 0, 0 } },
    { "2026-11-24T18:40:22+01:00", T0, { 0 } },
    { "2026-11-24T17:40:22Z", T0, { 0 } },
    { "2026-11-24 19:40:22+0200", T0, { 0 } },
    { "2026-11-24T12:40:22-05", T0, { 0 } },
  };
  static const char *const bad[] = {
    "", "yesterday", "2026-13-01", "2026-11-31", "2026-11-24T25:00", "2026-11-24T18",
    "24.11.2026", "2026-11-24T18:40:22.5x", "2026-11-24T18:40+1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 expected = good[i].expected;
      gint64 got = 0;

      if (expected == 0)
        expected = local_us (good[i].local[0], good[i].local[1], good[i].local[2],
                             good[i].local[3], good[i].local[4], good[i].local[5]);
      g_assert_true (ust_parse_time_arg (good[i].text, &got, &error));
      g_assert_no_error (error);
      g_assert_cmpint (got, ==, expected);
    }
  /* Local Bratislava midnight is 23:00 UTC the day before. */
  {
    gint64 got;

    g_assert_true (ust_parse_time_arg ("2026-11-24", &got, NULL));
    g_assert_cmpint (got, ==, G_GINT64_CONSTANT (1795474800) * G_USEC_PER_SEC);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 got = 0;

      g_assert_false (ust_parse_time_arg (bad[i], &got, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

int
main (int   argc,
      char *argv[])
{
  /* The local times below are Bratislava's, whatever the machine's zone. */
  g_setenv ("TZ", "Europe/Bratislava", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/server-options/parse-time", test_parse_time);

  return g_test_run ();
}
