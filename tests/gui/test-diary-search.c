/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Searching a big call diary in the window: a diary of 50,000 calls is on
 * disk before the window opens; the tests type into the Call Diary tab's
 * search box and read what a person reads, the count line and the rows.
 * The search runs in SQLite (UstCallModel with a UstCallSearch), so the full
 * count comes at once instead of growing while GTK reads every row. */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>
#include <sqlite3.h>

#include "ust-call-record.h"
#include "ust-call-store.h"
#include "ust-sqlite.h"
#include "gui-test-util.h"

#define N_CALLS 50000
#define T0      G_GINT64_CONSTANT (1795542022000000)

/* Reading the window ---------------------------------------------------------------- */

static gpointer
child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                   name);

  g_assert_nonnull (object);
  return object;
}

static const char *
count_text (void)
{
  return gtk_label_get_text (GTK_LABEL (child ("diary_count")));
}

static gboolean
count_is (gpointer text)
{
  return strcmp (count_text (), text) == 0;
}

/* The count line reads @text within the usual wait; says what it read if
 * not. */
static void
assert_count (const char *text)
{
  if (!ust_test_spin_until (count_is, (gpointer) text, GUI_TEST_WAIT_MS))
    g_error ("The diary's count line says “%s”, not “%s”", count_text (), text);
}

static const UstCallData *
row (guint           position,
     UstCallRecord **record)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (child ("diary_view")));

  *record = g_list_model_get_item (model, position);
  g_assert_nonnull (*record);
  return ust_call_record_get_data (*record);
}

static guint
n_rows (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (child ("diary_view"))));
}

/* Typing, one character at a time at the end of the search box, as a
 * keyboard would; the box says "search-changed" once typing pauses. */
static void
type (const char *text)
{
  GtkEditable *entry = child ("search_entry");

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      int position = (int) g_utf8_strlen (gtk_editable_get_text (entry), -1);

      gtk_editable_insert_text (entry, p, (int) (g_utf8_next_char (p) - p), &position);
      gtk_editable_set_position (entry, position);
      ust_test_spin (20);
    }
}

static void
clear_search (void)
{
  gtk_editable_set_text (child ("search_entry"), "");
}

/* The diary ------------------------------------------------------------------------- */

/* N_CALLS calls from 100 callers (c0000 … c0099), one in ten busy, written
 * straight into a diary the store has made, in one transaction. */
static void
make_diary (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ustredna", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  store = ust_call_store_new (path);
  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  ust_call_store_close (store);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO calls (id, call_id, caller, callee, "
                                       "start_time, end_time, state, final_code, seq) "
                                       "VALUES (?1, ?2, ?3, 'service@10.0.0.1', ?4, ?4 + 1000, "
                                       "?5, ?6, ?1)", -1, &stmt, NULL), ==, SQLITE_OK);
  for (int i = 0; i < N_CALLS; i++)
    {
      char call_id[32], caller[32];
      gboolean busy = i % 10 == 0;

      g_snprintf (call_id, sizeof call_id, "%d-4242@10.0.0.1", i);
      g_snprintf (caller, sizeof caller, "c%04d@10.0.0.1", i % 100);
      sqlite3_bind_int64 (stmt, 1, i + 1);
      sqlite3_bind_text (stmt, 2, call_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, caller, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, T0 + (gint64) i * 1000);
      sqlite3_bind_text (stmt, 5, busy ? "busy" : "ended", -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 6, busy ? 486 : 200);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Tests ----------------------------------------------------------------------------- */

static void
show_diary_tab (void)
{
  gtk_stack_set_visible_child_name (child ("stack"), "diary");
  assert_count ("50000 calls");
}

/* One caller in a hundred: all 500 counted and shown at once, newest first. */
static void
test_count (void)
{
  g_autoptr (UstCallRecord) first = NULL;
  g_autoptr (UstCallRecord) last = NULL;
  gint64 started;

  show_diary_tab ();
  started = g_get_monotonic_time ();
  type ("c0050");
  assert_count ("500 of 50000 calls");
  g_test_message ("Typed c0050: 500 of 50000 calls counted %.0f ms after the last key",
                  (g_get_monotonic_time () - started) / 1e3 - 5 * 20);
  g_assert_cmpuint (n_rows (), ==, 500);
  g_assert_cmpstr (row (0, &first)->call_id, ==, "49950-4242@10.0.0.1");
  g_assert_cmpstr (row (499, &last)->caller, ==, "c0050@10.0.0.1");
  clear_search ();
  assert_count ("50000 calls");
}

/* Upper case, a text too short for the index, an outcome. */
static void
test_kinds (void)
{
  type ("C0050@");
  assert_count ("500 of 50000 calls");
  clear_search ();
  type ("c");
  assert_count ("50000 of 50000 calls");
  clear_search ();
  type ("Busy");
  assert_count ("5000 of 50000 calls");
  clear_search ();
  assert_count ("50000 calls");
}

/* A call that matches, arriving while the search shows, appears on top;
 * one that does not only adds to the total. */
static void
test_new_call (void)
{
  UstCallStore *store = ust_exchange_get_store (gui_test_exchange ());
  UstCallData data = { 0 };
  g_autoptr (UstCallRecord) first = NULL;

  type ("c0050");
  assert_count ("500 of 50000 calls");

  data.call_id = g_strdup ("late-call@10.0.0.1");
  data.caller = g_strdup ("c0050@10.0.0.1");
  data.callee = g_strdup ("service@10.0.0.1");
  data.start_time = T0 + (gint64) N_CALLS * 1000;
  data.state = UST_CALL_RINGING;
  ust_call_store_save_call (store, &data);
  g_free (data.call_id);
  g_free (data.caller);
  data.call_id = g_strdup ("other-call@10.0.0.1");
  data.caller = g_strdup ("c0051@10.0.0.1");
  data.start_time += 1000;
  ust_call_store_save_call (store, &data);
  ust_call_data_clear (&data);

  assert_count ("501 of 50002 calls");
  g_assert_cmpstr (row (0, &first)->call_id, ==, "late-call@10.0.0.1");
  clear_search ();
  assert_count ("50002 calls");
}

int
main (int   argc,
      char *argv[])
{
  gui_test_make_home ("diary-search");
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  ust_sqlite_init ();
  make_diary ();
  gui_test_open_app ("DiarySearch");

  g_test_add_func ("/ust/gui/diary-search/count", test_count);
  g_test_add_func ("/ust/gui/diary-search/kinds", test_kinds);
  g_test_add_func ("/ust/gui/diary-search/new-call", test_new_call);

  return gui_test_finish (g_test_run (), FALSE);
}
