/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Searching a big call diary in the window: a diary of 50,000 calls is on
 * disk before the window opens; the tests type into the Call Diary tab's
 * search box and read what a person reads, the count line and the rows.
 * The search runs in SQLite (UstCallModel with a UstCallSearch), so the full
 * count comes at once instead of growing while GTK reads every row.
 *
 * With UST_DIARY_BENCH_DIR set (build-aux/bench-diary-search.sh) it is a
 * benchmark instead: it opens the diary in that folder (ustredna/calls.db)
 * and prints how long the window took to open it and each search took,
 * as "# bench: name=value" lines (only the opening with
 * UST_DIARY_BENCH_OPEN_ONLY=1). */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>
#include <sqlite3.h>

#include "ust-call-model.h"
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

static gboolean
count_is_calls (gpointer data)
{
  const char *text = count_text ();

  return g_str_has_suffix (text, " calls") && strstr (text, " of ") == NULL
         && g_ascii_isdigit (text[0]) && text[0] != '0';
}

/* The count line shows the whole diary (no search), whatever its size. */
static void
assert_count_calls (void)
{
  if (!ust_test_spin_until (count_is_calls, NULL, 600 * 1000))
    g_error ("The diary's count line says “%s”", count_text ());
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

/* Benchmark ------------------------------------------------------------------------- */

static gint64 search_started, search_ended;

static UstCallModel *
diary_model (void)
{
  GtkSelectionModel *selection = gtk_column_view_get_model (child ("diary_view"));
  GListModel *sort = gtk_single_selection_get_model (GTK_SINGLE_SELECTION (selection));

  return UST_CALL_MODEL (gtk_sort_list_model_get_model (GTK_SORT_LIST_MODEL (sort)));
}

static void
searching_cb (UstCallModel *model)
{
  if (ust_call_model_get_searching (model))
    search_started = g_get_monotonic_time ();
  else
    search_ended = g_get_monotonic_time ();
}

static gboolean
count_is_final (gpointer data)
{
  const char *text = count_text ();

  return strstr (text, " of ") != NULL && !ust_call_model_get_searching (diary_model ());
}

/* Types @text and prints how long until the count was in and the first row
 * could be shown: after the last key (the box waits for typing to pause),
 * and the search itself in SQLite on its worker thread. */
static void
bench_search (const char *name,
              const char *text)
{
  g_autoptr (UstCallRecord) first = NULL;
  gint64 typed;

  clear_search ();
  assert_count_calls ();
  search_started = search_ended = 0;
  type (text);
  typed = g_get_monotonic_time ();
  if (!ust_test_spin_until (count_is_final, NULL, 600 * 1000))
    g_error ("No count for “%s” after 10 minutes: “%s”", text, count_text ());
  if (n_rows () > 0)
    row (0, &first);
  g_print ("# bench: search_%s text=%s count=\"%s\" after_last_key_ms=%.0f "
           "sqlite_search_ms=%.0f\n", name, text, count_text (), (g_get_monotonic_time () - typed) / 1e3,
           (search_ended - search_started) / 1e3);
}

static gboolean
index_ready_cb (gpointer path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ready = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT (SELECT indexed_up_to FROM calls_search_mark) "
                                 ">= (SELECT IFNULL(MAX(id), 0) FROM calls)", -1, &stmt, NULL)
           == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    ready = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ready;
}

static void
test_bench (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "ustredna", "calls.db", NULL);
  gint64 opened = g_get_monotonic_time ();
  gboolean was_ready = index_ready_cb (path);

  g_signal_connect (diary_model (), "notify::searching", G_CALLBACK (searching_cb), NULL);
  gtk_stack_set_visible_child_name (child ("stack"), "diary");
  if (!was_ready)
    bench_search ("before_index", "c0050");
  if (!ust_test_spin_until (index_ready_cb, path, 3600 * 1000))
    g_error ("The search index of %s was not built within an hour", path);
  if (!was_ready)
    g_print ("# bench: index_built_s=%.1f (after the window opened)\n",
             (g_get_monotonic_time () - opened) / 1e6);
  bench_search ("c0050", "c0050");
  bench_search ("upper_case", "C0050@127");
  bench_search ("one_letter", "c");
  bench_search ("outcome", "busy");
  bench_search ("nothing", "nobody-called-this");
  bench_search ("c0050_again", "c0050");
}

static gboolean
is_mapped_cb (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* Opens the window on the diary of UST_DIARY_BENCH_DIR, timed: the window
 * drawn with the diary counted. */
static void
bench_open (void)
{
  gint64 started = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;

  gui_test_app = g_object_new (UST_TYPE_APPLICATION,
                               "application-id", "io.github.ustredna.Ustredna.DiaryBench",
                               "flags", G_APPLICATION_NON_UNIQUE, NULL);
  g_application_register (G_APPLICATION (gui_test_app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (gui_test_app));
  gui_test_window = ust_application_get_window (gui_test_app);
  g_assert_nonnull (gui_test_window);
  assert_count_calls ();
  g_assert_true (ust_test_spin_until (is_mapped_cb, gui_test_window, GUI_TEST_WAIT_MS));
  g_print ("# bench: open_ms=%.0f count=\"%s\"\n", (g_get_monotonic_time () - started) / 1e3,
           count_text ());
}

int
main (int   argc,
      char *argv[])
{
  const char *bench_dir = g_getenv ("UST_DIARY_BENCH_DIR");

  gui_test_make_home ("diary-search");
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  ust_sqlite_init ();
  if (bench_dir != NULL)
    {
      g_setenv ("XDG_DATA_HOME", bench_dir, TRUE);
      bench_open ();
      if (g_strcmp0 (g_getenv ("UST_DIARY_BENCH_OPEN_ONLY"), "1") != 0)
        g_test_add_func ("/ust/gui/diary-search/bench", test_bench);
      return gui_test_finish (g_test_run (), FALSE);
    }
  make_diary ();
  gui_test_open_app ("DiarySearch");

  g_test_add_func ("/ust/gui/diary-search/count", test_count);
  g_test_add_func ("/ust/gui/diary-search/kinds", test_kinds);
  g_test_add_func ("/ust/gui/diary-search/new-call", test_new_call);

  return gui_test_finish (g_test_run (), FALSE);
}
