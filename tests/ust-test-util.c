/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Helpers for every test program, the unit tests' and the window's alike.
 * Nothing here knows SIP or GTK: the phone is in ust-test-phone.c, the
 * window's helpers in gui/gui-test-util.c. */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ust-test-util.h"

/* How often a wait wakes when nothing in the main context is due, to look at
 * a condition that another thread changes without waking the context (a
 * file a writer thread saves). Short enough that no test notices the delay;
 * long enough that a waiting window thread stays as idle as the application
 * would be: gui/test-load.c measures its CPU time and its frames, and under
 * ASan a 5 ms tick cost it frames. */
#define TICK_MS 20

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A timer on the default main context that does nothing but end a blocking
 * turn of the loop, so that the caller looks at its condition and clock. */
static GSource *
wake_source_new (guint interval_ms)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, wake_cb, NULL, NULL);
  g_source_attach (source, NULL);
  return source;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* A condition for the commonest wait: until a callback sets the gboolean
 * @flag points to. */
gboolean
ust_test_flag_is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* Runs the default main context until @condition holds or @timeout_ms pass;
 * returns whether it held. The loop blocks between events as a program's
 * own main loop does (a busy loop would eat the CPU the code under test
 * needs); two timers end a blocking turn, one at the deadline and one every
 * TICK_MS. */
gboolean
ust_test_spin_until (UstTestCondition condition,
                     gpointer         data,
                     guint            timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GSource) tick = NULL;
  g_autoptr(GSource) end = NULL;
  gboolean met;

  g_return_val_if_fail (condition != NULL, FALSE);

  /* The clock decides, not the timers: a source that is always ready would
   * keep them from firing, never the loop from ending. */
  tick = wake_source_new (TICK_MS);
  end = wake_source_new (timeout_ms);
  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_destroy (end);
  return met;
}

/* Runs the default main context for @milliseconds whatever happens: to let
 * the code under test act, or to see that nothing more does. */
void
ust_test_spin (guint milliseconds)
{
  ust_test_spin_until (never, NULL, milliseconds);
}

/* Waits, without running the main context, until a connection of its own
 * sees @call_id in the diary at @db_path: the moment the row is on disk but
 * not yet announced ("calls-changed" goes through the main context), which
 * the tests of what the store's readers see need. Returns whether it came
 * within @timeout_ms. */
gboolean
ust_test_wait_committed (const char *db_path,
                         const char *call_id,
                         guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean committed;

  /* No SQLITE_OPEN_CREATE: a diary that is not there is a mistake of the
   * test, not an empty diary. */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, (int) timeout_ms);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM calls WHERE call_id = ?1", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, call_id, -1, SQLITE_STATIC);
  for (;;)
    {
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      committed = sqlite3_column_int64 (stmt, 0) > 0;
      sqlite3_reset (stmt);
      if (committed || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (1000);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return committed;
}

/* Removes the folder @path and everything in it; returns whether all of it
 * went. A link is removed, never followed: cleaning up a test's folder must
 * not reach outside it. */
gboolean
ust_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  gboolean removed = TRUE;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          if (!ust_test_remove_tree (child))
            removed = FALSE;
        }
      else if (g_unlink (child) != 0)
        {
          removed = FALSE;
        }
    }
  g_clear_pointer (&dir, g_dir_close);
  return g_rmdir (path) == 0 && removed;
}

/* A program the test needs is missing. The README's test command installs
 * everything (build-aux/install-deps.sh) and says so with
 * UST_TEST_REQUIRE_ALL=1: then a missing program is a failure, since a skip
 * there would hide a broken install step. Run by hand, it is a skip. */
void
ust_test_missing (const char *what)
{
  if (g_strcmp0 (g_getenv ("UST_TEST_REQUIRE_ALL"), "1") == 0)
    g_test_fail_printf ("%s, although the test command installs it", what);
  else
    g_test_skip (what);
}
