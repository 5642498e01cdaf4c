/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ust-call-store.h"
#include "ust-diary-journal.h"
#include "ust-test-util.h"

/* 2026-11-24T18:40:22+01:00 */
#define T0 G_GINT64_CONSTANT (1795542022000000)
#define HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ust-call-store-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
make_call (UstCallData  *data,
           const char   *call_id,
           gint64        start_time,
           UstCallState  state)
{
  memset (data, 0, sizeof *data);
  data->call_id = g_strdup (call_id);
  data->caller = g_strdup ("alice@192.168.1.10");
  data->caller_name = g_strdup ("Ústredňa, \"test\"");
  data->callee = g_strdup ("bob@192.168.1.10");
  data->caller_addr = g_strdup ("10.0.0.5:5062");
  data->start_time = start_time;
  data->state = state;
}

typedef struct {
  guint  count;
  char  *message;
} Errors;

static void
error_cb (UstCallStore *store,
          const char   *message,
          Errors       *errors)
{
  errors->count++;
  g_free (errors->message);
  errors->message = g_strdup (message);
}

static gboolean
has_error (gpointer data)
{
  Errors *errors = data;

  return errors->count > 0;
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_printerr ("%s\n", message);
  g_assert_null (message);
}

static void
test_save_reopen (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "sub", "calls.db", NULL);
  g_autofree char *text_path = g_build_filename (dir, "sub", "calls.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) calls = NULL;
  g_autoptr (GPtrArray) events = NULL;
  const UstCallData *got;
  UstCallData call, other;

  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_call_store_get_text_path (store), ==, text_path);

  /* Saving one call three times, as it rings, answers and ends, leaves one row. */
  make_call (&call, "abc@10.0.0.5", T0, UST_CALL_SETUP);
  ust_call_store_save_call (store, &call);
  ust_call_store_add_event (store, &call, T0, "INVITE", "from 10.0.0.5:5062",
                            "18:40:22 INVITE alice → bob");
  call.state = UST_CALL_RINGING;
  call.ring_time = T0 + 1000000;
  ust_call_store_save_call (store, &call);
  ust_call_store_add_event (store, &call, call.ring_time, "180", "Ringing", NULL);
  call.state = UST_CALL_ENDED;
  call.answer_time = T0 + 3000000;
  call.end_time = T0 + 9000000;
  call.final_code = 200;
  call.final_reason = g_strdup ("OK");
  call.ended_by = UST_ENDED_BY_CALLER;
  call.video = TRUE;
  call.related_call_id = g_strdup ("xyz@10.0.0.7");
  ust_call_store_save_call (store, &call);
  ust_call_store_add_event (store, &call, call.end_time, "BYE", "from caller",
                            "18:40:31 BYE alice");

  /* An event for a call never saved still gets its call a row. */
  make_call (&other, "other@10.0.0.9", T0 - 60000000, UST_CALL_SETUP);
  ust_call_store_add_event (store, &other, other.start_time, "INVITE", NULL, NULL);

  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 2);
  ust_call_store_close (store);
  g_clear_object (&store);

  /* A new store on the same file sees it all. */
  store = ust_call_store_new (path);
  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ust_call_store_count (store), ==, 2);

  calls = ust_call_store_fetch (store, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 2);
  /* Newest first. */
  got = ust_call_record_get_data (g_ptr_array_index (calls, 0));
  g_assert_cmpstr (got->call_id, ==, "abc@10.0.0.5");
  g_assert_cmpint (got->id, >, 0);
  g_assert_cmpstr (got->caller_name, ==, "Ústredňa, \"test\"");
  g_assert_cmpint (got->start_time, ==, T0);
  g_assert_cmpint (got->ring_time, ==, T0 + 1000000);
  g_assert_cmpint (got->answer_time, ==, T0 + 3000000);
  g_assert_cmpint (got->end_time, ==, T0 + 9000000);
  g_assert_cmpint (got->state, ==, UST_CALL_ENDED);
  g_assert_cmpuint (got->final_code, ==, 200);
  g_assert_cmpstr (got->final_reason, ==, "OK");
  g_assert_null (got->orig_reason);
  g_assert_cmpint (got->ended_by, ==, UST_ENDED_BY_CALLER);
  g_assert_true (got->video);
  g_assert_cmpstr (got->related_call_id, ==, "xyz@10.0.0.7");
  got = ust_call_record_get_data (g_ptr_array_index (calls, 1));
  g_assert_cmpstr (got->call_id, ==, "other@10.0.0.9");

  events = ust_call_store_fetch_events (store, "abc@10.0.0.5", T0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpstr (((UstCallEvent *) g_ptr_array_index (events, 0))->kind, ==, "INVITE");
  g_assert_cmpstr (((UstCallEvent *) g_ptr_array_index (events, 0))->detail, ==,
                   "from 10.0.0.5:5062");
  g_assert_cmpstr (((UstCallEvent *) g_ptr_array_index (events, 1))->kind, ==, "180");
  g_assert_cmpint (((UstCallEvent *) g_ptr_array_index (events, 2))->time_us, ==,
                   T0 + 9000000);

  /* The text diary got the lines given, in order. */
  g_assert_true (g_file_get_contents (ust_call_store_get_text_path (store), &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "18:40:22 INVITE alice → bob\n18:40:31 BYE alice\n");

  /* Clearing empties the diary and the events. */
  ust_call_store_clear (store);
  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = ust_call_store_fetch_events (store, "abc@10.0.0.5", T0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 0);

  ust_call_data_clear (&call);
  ust_call_data_clear (&other);
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* Version 1 exactly as it shipped: the migration test needs a genuine old
 * file, not one made by today's code. */
static const char schema_v1[] =
  "CREATE TABLE calls ("
  "  id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, caller TEXT, caller_name TEXT,"
  "  callee TEXT, caller_addr TEXT, callee_addr TEXT,"
  "  start_time INTEGER NOT NULL DEFAULT 0, ring_time INTEGER NOT NULL DEFAULT 0,"
  "  answer_time INTEGER NOT NULL DEFAULT 0, end_time INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL DEFAULT 'setup', final_code INTEGER NOT NULL DEFAULT 0,"
  "  final_reason TEXT, orig_reason TEXT, ended_by TEXT NOT NULL DEFAULT '',"
  "  video INTEGER NOT NULL DEFAULT 0, video_now INTEGER NOT NULL DEFAULT 0,"
  "  on_hold INTEGER NOT NULL DEFAULT 0, transfer_to TEXT, transfer_result TEXT,"
  "  related_call_id TEXT, caller_ua TEXT, callee_ua TEXT,"
  "  UNIQUE (call_id, start_time));"
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY,"
  "  call INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
  "  time INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT);"
  "CREATE INDEX events_by_call ON events (call, time);"
  "PRAGMA user_version = 1;";

static void
test_migrate_v1 (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) calls = NULL;
  g_autoptr (GPtrArray) events = NULL;
  UstCallData call;
  sqlite3 *db = open_raw (path);

  exec_ok (db, schema_v1);
  exec_ok (db, "INSERT INTO calls (call_id, caller, start_time, end_time, state, final_code) "
               "VALUES ('old@1', 'carol@host', 1000000, 5000000, 'busy', 486);"
               "INSERT INTO events (call, time, kind, detail) VALUES (1, 1000000, 'INVITE', 'x');"
               "INSERT INTO calls (call_id, caller, callee, start_time, state) "
               "VALUES ('old@2', 'dave@host', 'erin@host', 2000000, 'ended'),"
               "       ('old@3', 'frank@host', NULL, 3000000, 'cancelled');");
  sqlite3_close (db);

  store = ust_call_store_new (path);
  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);

  /* The old rows are there, newest first, with their events... */
  calls = ust_call_store_fetch (store, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 3);
  g_assert_cmpstr (ust_call_record_get_data (g_ptr_array_index (calls, 0))->call_id, ==, "old@3");
  g_assert_cmpstr (ust_call_record_get_data (g_ptr_array_index (calls, 1))->callee, ==,
                   "erin@host");
  g_assert_cmpstr (ust_call_record_get_data (g_ptr_array_index (calls, 2))->call_id, ==, "old@1");
  g_assert_cmpint (ust_call_record_get_data (g_ptr_array_index (calls, 2))->state, ==,
                   UST_CALL_BUSY);
  events = ust_call_store_fetch_events (store, "old@1", 1000000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);

  /* ...and new saves use the version 2 columns. */
  make_call (&call, "new@1", T0, UST_CALL_RINGING);
  ust_call_store_save_call (store, &call);
  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 4);

  /* Brought all the way up: version 2's change numbers, version 3's journal
   * mark, version 4's search index, which the writer builds of the old rows
   * in the background (test-call-model.c searches an upgraded diary of
   * version 2, migrate-v3 below upgrades one of version 3). */
  db = open_raw (path);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_master "
                                  "WHERE name = 'calls_search'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT seq FROM journal WHERE id = 0"), >=, 0);
  g_assert_cmpint (query_int (db, "SELECT seq FROM calls WHERE call_id = 'old@1'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT seq FROM calls WHERE call_id = 'old@3'"), ==, 3);
  g_assert_cmpint (query_int (db, "SELECT seq FROM calls WHERE call_id = 'new@1'"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_master "
                                  "WHERE name = 'calls_by_start'"), ==, 1);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (query_int (db, "SELECT indexed_up_to FROM calls_search_mark") < 4)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10000);
      }
  }
  /* detail=none: a search asks for trigrams, as ust-call-search.c does. */
  g_assert_cmpint (query_int (db, "SELECT rowid FROM calls_search "
                                  "WHERE calls_search MATCH '\"car\" AND \"rol\"'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT rowid FROM calls_search "
                                  "WHERE calls_search MATCH '\"eri\" AND \"rin\"'"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT rowid FROM calls_search "
                                  "WHERE calls_search MATCH '\"d@3\"'"), ==, 3);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls_search "
                                  "WHERE calls_search MATCH '\"hos\"'"), ==, 3);
  sqlite3_close (db);
  g_clear_object (&store);

  ust_call_data_clear (&call);
  ust_test_remove_tree (dir);
}

/* Version 3 as main shipped it (the journal mark, no search index): every
 * row and event stays, the journal mark stays, and the rows are indexed. */
static void
test_migrate_v3 (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = open_raw (path);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  exec_ok (db, schema_v1);
  exec_ok (db, "ALTER TABLE calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
               "CREATE INDEX calls_by_start ON calls (start_time);"
               "CREATE INDEX calls_by_seq ON calls (seq);"
               "CREATE TABLE journal (id INTEGER PRIMARY KEY CHECK (id = 0), "
               "                      seq INTEGER NOT NULL);"
               "INSERT INTO journal VALUES (0, 0);"
               "PRAGMA user_version = 3;"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
               "INSERT INTO calls (id, call_id, caller, callee, start_time, state, seq) "
               "SELECT i, i || '-3@10.0.0.1', printf('c%04d@pbx', i % 100), 'service@pbx', "
               "       1000000 + i * 1000, 'ended', i FROM n;"
               "INSERT INTO events (call, time, kind, detail) VALUES (7, 1007000, 'INVITE', 'x');");
  sqlite3_close (db);

  store = ust_call_store_new (path);
  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ust_call_store_count (store), ==, 5000);

  db = open_raw (path);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls"), ==, 5000);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM events"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT seq FROM journal WHERE id = 0"), ==, 0);
  while (query_int (db, "SELECT indexed_up_to FROM calls_search_mark") < 5000)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
  /* c0050@pbx: the trigrams a search for it asks for. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls_search "
                                  "WHERE calls_search MATCH '\"005\" AND \"050\" AND \"50@\"'"),
                   ==, 50);
  sqlite3_close (db);
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* Closing leaves no write-ahead log behind (SQLite removes it only when the
 * last connection to close can write), so the next opening need not read it. */
static void
test_close_removes_log (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GError) error = NULL;
  UstCallData call;

  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  make_call (&call, "log@1", T0, UST_CALL_ENDED);
  ust_call_store_save_call (store, &call);
  g_assert_true (ust_call_store_flush (store, 5000));
  /* The reader is open (it counts), as a window showing the diary has it. */
  g_assert_cmpuint (ust_call_store_count (store), ==, 1);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

  ust_call_store_close (store);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  ust_call_data_clear (&call);
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

static void
test_newer_schema (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = open_raw (path);

  exec_ok (db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  sqlite3_close (db);

  store = ust_call_store_new (path);
  g_assert_false (ust_call_store_open (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_object (&store);

  /* The file was not touched. */
  db = open_raw (path);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 99);
  sqlite3_close (db);
  ust_test_remove_tree (dir);
}

/* A file that is not a database: one clear message, saves keep working and
 * are kept, and once the file is moved aside they reach a new diary. */
static void
test_corrupt (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autofree char *garbage = g_strnfill (8192, 'x');
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  Errors errors = { 0 };
  gint64 started;

  g_assert_true (g_file_set_contents (path, garbage, -1, NULL));

  store = ust_call_store_new (path);
  ust_call_store_set_retry_interval (store, 50);
  g_signal_connect (store, "error", G_CALLBACK (error_cb), &errors);
  g_assert_false (ust_call_store_open (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "Move it aside"));

  /* Saving does not wait for the disk. */
  started = g_get_monotonic_time ();
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("call-%u", i);
      UstCallData call;

      make_call (&call, id, T0 + i, UST_CALL_SETUP);
      ust_call_store_save_call (store, &call);
      ust_call_data_clear (&call);
    }
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC / 2);

  /* Several retries fail; the person is told once. */
  ust_test_spin (400);
  g_assert_cmpuint (errors.count, ==, 1);
  g_assert_cmpstr (errors.message, ==, error->message);
  g_assert_false (ust_call_store_flush (store, 100));
  g_assert_cmpuint (ust_call_store_count (store), ==, 0);

  /* The garbage is untouched... */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, garbage);
  }

  /* ...and once moved aside, the kept calls go to a fresh diary. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 1000);
  g_assert_cmpuint (errors.count, ==, 1);

  g_clear_object (&store);
  g_free (errors.message);
  ust_test_remove_tree (dir);
}

/* A folder that cannot be made (its parent is a file; root cannot either). */
static void
test_bad_folder (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_autofree char *path = g_build_filename (file, "sub", "calls.db", NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  Errors errors = { 0 };
  UstCallData call;

  g_assert_true (g_file_set_contents (file, "", -1, NULL));

  store = ust_call_store_new (path);
  ust_call_store_set_retry_interval (store, 50);
  g_signal_connect (store, "error", G_CALLBACK (error_cb), &errors);
  g_assert_false (ust_call_store_open (store, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, folder));

  make_call (&call, "c@1", T0, UST_CALL_SETUP);
  ust_call_store_save_call (store, &call);
  ust_call_store_add_event (store, &call, T0, "INVITE", NULL, "a line");
  ust_test_spin (300);
  g_assert_false (ust_call_store_flush (store, 50));
  /* The database and the text diary both fail, each said once. */
  g_assert_cmpuint (errors.count, ==, 2);
  g_assert_cmpuint (ust_call_store_count (store), ==, 0);

  ust_call_data_clear (&call);
  g_clear_object (&store);
  /* What was never written waits in the journal for an exchange on this folder. */
  ust_diary_journal_remove (path);
  g_free (errors.message);
  ust_test_remove_tree (dir);
}

/* Another program holds the write lock: the message says so, the rows wait,
 * and they are written when the lock goes. Also: flush() keeps its bound. */
static void
test_locked (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GError) error = NULL;
  Errors errors = { 0 };
  UstCallData call;
  gint64 started;
  sqlite3 *db;

  ust_call_store_set_retry_interval (store, 100);
  g_signal_connect (store, "error", G_CALLBACK (error_cb), &errors);
  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);

  db = open_raw (path);
  exec_ok (db, "BEGIN IMMEDIATE");

  make_call (&call, "locked@1", T0, UST_CALL_RINGING);
  ust_call_store_save_call (store, &call);

  started = g_get_monotonic_time ();
  g_assert_false (ust_call_store_flush (store, 300));
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);

  /* The writer gives up waiting after the busy timeout (2 s). */
  ust_test_spin_until (has_error, &errors, 10000);
  g_assert_cmpuint (errors.count, ==, 1);
  g_assert_nonnull (strstr (errors.message, path));
  g_assert_nonnull (strstr (errors.message, "locked"));

  exec_ok (db, "COMMIT");
  sqlite3_close (db);
  g_assert_true (ust_call_store_flush (store, 10000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 1);

  ust_call_data_clear (&call);
  g_clear_object (&store);
  g_free (errors.message);
  ust_test_remove_tree (dir);
}

/* Another program already holds the write lock when the store opens (an exchange
 * started while a student's SQLite browser has a change open): the store says so and
 * keeps the calls, and writes them once the lock goes. */
static void
test_locked_at_open (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (GError) error = NULL;
  UstCallData call;
  sqlite3 *db;

  db = open_raw (path);
  exec_ok (db, "PRAGMA journal_mode = WAL; BEGIN IMMEDIATE; CREATE TABLE t (x);");

  store = ust_call_store_new (path);
  ust_call_store_set_retry_interval (store, 100);
  g_assert_false (ust_call_store_open (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, path));

  make_call (&call, "locked-at-open@1", T0, UST_CALL_SETUP);
  ust_call_store_save_call (store, &call);
  ust_call_data_clear (&call);

  exec_ok (db, "ROLLBACK");
  sqlite3_close (db);
  g_assert_true (ust_call_store_flush (store, 10000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 1);

  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* A call whose end was saved is on disk a few milliseconds later, even if
 * the process is then killed without any chance to clean up. */
static void
test_kill (void)
{
#ifdef G_OS_UNIX
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  sqlite3 *db;

  if (g_test_subprocess ())
    {
      g_autoptr (UstCallStore) store = NULL;
      UstCallData call;

      dir = g_strdup_printf ("%s/ust-call-store-kill-%d", g_get_tmp_dir (), (int) getppid ());
      path = g_build_filename (dir, "calls.db", NULL);
      store = ust_call_store_new (path);
      g_assert_true (ust_call_store_open (store, NULL));
      make_call (&call, "killed@1", T0, UST_CALL_ENDED);
      call.end_time = T0 + 5000000;
      ust_call_store_save_call (store, &call);
      g_usleep (50000);
      raise (SIGKILL);
      return;
    }

  dir = g_strdup_printf ("%s/ust-call-store-kill-%d", g_get_tmp_dir (), (int) getpid ());
  path = g_build_filename (dir, "calls.db", NULL);
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  db = open_raw (path);
  g_assert_cmpint (query_int (db, "SELECT end_time FROM calls WHERE call_id = 'killed@1'"), ==,
                   T0 + 5000000);
  sqlite3_close (db);
  /* The journal the killed process left: nothing in it is missing from the file, and a
   * store that opens the folder again writes nothing twice and removes it. */
  {
    g_autoptr (UstCallStore) again = ust_call_store_new (path);

    g_assert_true (ust_call_store_open (again, NULL));
    g_assert_true (ust_call_store_flush (again, 5000));
    g_assert_cmpuint (ust_call_store_count (again), ==, 1);
  }
  db = open_raw (path);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM events"), ==, 0);
  sqlite3_close (db);
  ust_test_remove_tree (dir);
#else
  g_test_skip ("needs fork and SIGKILL");
#endif
}

/* The exchange relays a call's end while the writer cannot commit (here another program
 * holds the file's write lock), and is killed: the step is in the journal, and the next
 * store on the folder writes it, once, in the database and in the text diary. */
static void
test_kill_uncommitted (void)
{
#ifdef G_OS_UNIX
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text_path = NULL;
  g_autofree char *text = NULL;
  sqlite3 *db;

  if (g_test_subprocess ())
    {
      g_autoptr (UstCallStore) store = NULL;
      UstCallData call;

      dir = g_strdup_printf ("%s/ust-call-store-journal-%d", g_get_tmp_dir (), (int) getppid ());
      path = g_build_filename (dir, "calls.db", NULL);
      store = ust_call_store_new (path);
      ust_call_store_set_retry_interval (store, 60000);
      ust_call_store_open (store, NULL);    /* locked: the rows wait in memory */
      make_call (&call, "journal@1", T0, UST_CALL_ENDED);
      call.answer_time = T0 + 1000000;
      call.end_time = T0 + 5000000;
      ust_call_store_add_event (store, &call, T0 + 5000000, "ended", NULL,
                                "TIME: [18:40:27] CALL ID: journal@1 ENDED");
      ust_call_data_clear (&call);
      g_usleep (100000);
      raise (SIGKILL);
      return;
    }

  dir = g_strdup_printf ("%s/ust-call-store-journal-%d", g_get_tmp_dir (), (int) getpid ());
  path = g_build_filename (dir, "calls.db", NULL);
  text_path = g_build_filename (dir, "calls.txt", NULL);
  {
    g_autoptr (UstCallStore) store = ust_call_store_new (path);

    g_assert_true (ust_call_store_open (store, NULL));
  }
  db = open_raw (path);
  exec_ok (db, "BEGIN IMMEDIATE");
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  exec_ok (db, "ROLLBACK");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls"), ==, 0);
  sqlite3_close (db);

  {
    g_autoptr (UstCallStore) store = ust_call_store_new (path);

    g_assert_true (ust_call_store_open (store, NULL));
    g_assert_true (ust_call_store_flush (store, 5000));
  }
  db = open_raw (path);
  g_assert_cmpint (query_int (db, "SELECT end_time FROM calls WHERE call_id = 'journal@1'"), ==,
                   T0 + 5000000);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM events WHERE kind = 'ended'"), ==, 1);
  sqlite3_close (db);
  /* The text diary was not locked: the killed process wrote its line, and it is there
   * once. */
  text = read_text (text_path);
  g_assert_cmpstr (text, ==, "TIME: [18:40:27] CALL ID: journal@1 ENDED\n");
  ust_test_remove_tree (dir);
#else
  g_test_skip ("needs fork and SIGKILL");
#endif
}

static void
calls_changed_cb (UstCallStore *store,
                  gboolean     *flag)
{
  *flag = TRUE;
}

static void
step (UstCallStore *store,
      UstCallData  *call,
      UstCallState  state,
      gint64        time_us,
      const char   *kind)
{
  call->state = state;
  if (state == UST_CALL_RINGING)
    call->ring_time = time_us;
  else if (state == UST_CALL_ANSWERED)
    call->answer_time = time_us;
  else if (state == UST_CALL_ENDED)
    call->end_time = time_us;
  ust_call_store_save_step (store, call, time_us, kind, NULL, NULL);
}

/* At thousands of calls a second a call's steps reach the writer together
 * and its row is written once with the latest snapshot: the row must still
 * be the call's last state, every event must be there in order, calls
 * interleaved in the batch keep their own rows, and a clear in the middle
 * of the batch removes what came before it only. */
static void
test_batch_steps (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) calls = NULL;
  g_autoptr (GPtrArray) events = NULL;
  const char *const kinds[] = { "INVITE", "180", "200", "BYE" };
  UstCallData gone, a, b;

  g_assert_true (ust_call_store_open (store, &error));
  ust_call_store_begin_batch (store);
  make_call (&gone, "gone@10.0.0.5", T0 - 1000, UST_CALL_SETUP);
  step (store, &gone, UST_CALL_SETUP, T0 - 1000, "INVITE");
  ust_call_store_clear (store);
  make_call (&a, "a@10.0.0.5", T0, UST_CALL_SETUP);
  make_call (&b, "b@10.0.0.5", T0 + 10, UST_CALL_SETUP);
  step (store, &a, UST_CALL_SETUP, T0, kinds[0]);
  step (store, &b, UST_CALL_SETUP, T0 + 10, "INVITE");
  step (store, &a, UST_CALL_RINGING, T0 + 100, kinds[1]);
  step (store, &a, UST_CALL_ANSWERED, T0 + 200, kinds[2]);
  step (store, &b, UST_CALL_RINGING, T0 + 250, "180");
  step (store, &a, UST_CALL_ENDED, T0 + 300, kinds[3]);
  ust_call_store_end_batch (store);
  g_assert_true (ust_call_store_flush (store, 5000));

  g_assert_cmpuint (ust_call_store_count (store), ==, 2);
  calls = ust_call_store_fetch (store, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 2);
  /* Newest first: b, then a. */
  g_assert_cmpstr (ust_call_record_get_data (g_ptr_array_index (calls, 0))->call_id, ==,
                   "b@10.0.0.5");
  g_assert_cmpint (ust_call_record_get_data (g_ptr_array_index (calls, 0))->state, ==,
                   UST_CALL_RINGING);
  g_assert_cmpint (ust_call_record_get_data (g_ptr_array_index (calls, 1))->state, ==,
                   UST_CALL_ENDED);
  g_assert_cmpint (ust_call_record_get_data (g_ptr_array_index (calls, 1))->answer_time, ==,
                   T0 + 200);

  events = ust_call_store_fetch_events (store, "a@10.0.0.5", T0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, G_N_ELEMENTS (kinds));
  for (guint i = 0; i < events->len; i++)
    g_assert_cmpstr (((UstCallEvent *) g_ptr_array_index (events, i))->kind, ==, kinds[i]);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = ust_call_store_fetch_events (store, "gone@10.0.0.5", T0 - 1000, &error);
  g_assert_cmpuint (events->len, ==, 0);

  ust_call_data_clear (&gone);
  ust_call_data_clear (&a);
  ust_call_data_clear (&b);
  ust_call_store_close (store);
  g_clear_object (&store);
  g_assert_true (ust_test_remove_tree (dir));
}

/* What the owner thread reads moves on only with "calls-changed": a count
 * and a page read in between always fit together. */
static void
test_snapshot (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GPtrArray) rows = NULL;
  gboolean changed = FALSE;
  UstCallData call;

  g_assert_true (ust_call_store_open (store, NULL));
  make_call (&call, "first", T0, UST_CALL_SETUP);
  ust_call_store_save_call (store, &call);
  ust_call_data_clear (&call);
  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 1);

  g_signal_connect (store, "calls-changed", G_CALLBACK (calls_changed_cb), &changed);
  make_call (&call, "second", T0 + 1, UST_CALL_SETUP);
  ust_call_store_save_call (store, &call);
  ust_call_data_clear (&call);
  g_assert_true (ust_test_wait_committed (path, "second", 5000));

  /* Committed, but not announced yet. */
  g_assert_false (changed);
  g_assert_cmpuint (ust_call_store_count (store), ==, 1);
  rows = ust_call_store_fetch (store, 0, 10, NULL);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  g_assert_true (ust_test_spin_until (ust_test_flag_is_set, &changed, 5000));
  g_assert_cmpuint (ust_call_store_count (store), ==, 2);
  rows = ust_call_store_fetch (store, 0, 10, NULL);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (ust_call_record_get_data (g_ptr_array_index (rows, 0))->call_id, ==,
                   "second");

  g_clear_object (&store);
  ust_test_remove_tree (dir);
}


static void
test_export (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autofree char *csv = g_build_filename (dir, "out.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (UstCallStore) store = ust_call_store_new (path);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_true (ust_call_store_open (store, &error));
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("call-%u", i);
      UstCallData call;

      /* One call an hour. */
      make_call (&call, id, T0 + i * HOUR, UST_CALL_ENDED);
      call.answer_time = call.start_time + 1000000;
      call.end_time = call.start_time + 2000000;
      if (i == 3)
        {
          g_free (call.caller_name);
          call.caller_name = g_strdup ("=EVIL()");
        }
      ust_call_store_save_call (store, &call);
      ust_call_data_clear (&call);
    }
  g_assert_true (ust_call_store_flush (store, 5000));

  /* The store stays open with its two connections while the export reads. */
  g_assert_true (ust_call_store_export_csv (path, csv, 0, 0, FALSE, &error));
  g_assert_no_error (error);
  text = read_text (csv);
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 5 + 1);
  g_assert_true (g_str_has_prefix (lines[0], "call_id,caller,"));
  /* Oldest first. */
  g_assert_true (g_str_has_prefix (lines[1], "call-0,"));
  g_assert_true (g_str_has_prefix (lines[5], "call-4,"));
  g_assert_nonnull (strstr (lines[4], ",'=EVIL(),"));
  g_assert_nonnull (strstr (lines[1], ",\"Ústredňa, \"\"test\"\"\","));
  g_clear_pointer (&lines, g_strfreev);
  g_clear_pointer (&text, g_free);

  /* Since is inclusive, until exclusive. */
  g_assert_true (ust_call_store_export_csv (path, csv, T0 + HOUR,
                                            T0 + 3 * HOUR, TRUE, &error));
  g_assert_no_error (error);
  text = read_text (csv);
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF" "call_id;caller;"));
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 2 + 1);
  g_assert_true (g_str_has_prefix (lines[1], "call-1;"));
  g_assert_true (g_str_has_prefix (lines[2], "call-2;"));
  g_clear_pointer (&lines, g_strfreev);
  g_clear_pointer (&text, g_free);

  g_assert_true (ust_call_store_export_csv (path, csv, T0 + 4 * HOUR, 0,
                                            FALSE, &error));
  text = read_text (csv);
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 1 + 1);
  g_assert_true (g_str_has_prefix (lines[1], "call-4,"));

  /* Errors name the file. */
  {
    g_autofree char *missing = g_build_filename (dir, "missing.db", NULL);
    g_autofree char *bad_csv = g_build_filename (dir, "no-such-dir", "out.csv", NULL);

    g_assert_false (ust_call_store_export_csv (missing, csv, 0, 0, FALSE, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, missing));
    g_clear_error (&error);

    g_assert_false (ust_call_store_export_csv (path, bad_csv, 0, 0, FALSE, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, bad_csv));
    g_clear_error (&error);
  }

  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Europe/Bratislava", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/call-store/save-reopen", test_save_reopen);
  g_test_add_func ("/ust/call-store/migrate-v1", test_migrate_v1);
  g_test_add_func ("/ust/call-store/migrate-v3", test_migrate_v3);
  g_test_add_func ("/ust/call-store/close-removes-log", test_close_removes_log);
  g_test_add_func ("/ust/call-store/newer-schema", test_newer_schema);
  g_test_add_func ("/ust/call-store/corrupt", test_corrupt);
  g_test_add_func ("/ust/call-store/bad-folder", test_bad_folder);
  g_test_add_func ("/ust/call-store/locked", test_locked);
  g_test_add_func ("/ust/call-store/locked-at-open", test_locked_at_open);
  g_test_add_func ("/ust/call-store/kill", test_kill);
  g_test_add_func ("/ust/call-store/kill-uncommitted", test_kill_uncommitted);
  g_test_add_func ("/ust/call-store/snapshot", test_snapshot);
  g_test_add_func ("/ust/call-store/batch-steps", test_batch_steps);
  g_test_add_func ("/ust/call-store/export", test_export);

  return g_test_run ();
}
