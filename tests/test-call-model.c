/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <time.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#include <sqlite3.h>

#include "ust-call-model.h"
#include "ust-test-util.h"

#define T0 G_GINT64_CONSTANT (1795542022000000)
#define N_MILLION 1000000

/* Resident memory in bytes, or 0 where /proc is not there. */
static gsize
resident_bytes (void)
{
#ifdef G_OS_UNIX
  g_autofree char *statm = NULL;
  g_auto (GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  fields = g_strsplit (statm, " ", -1);
  if (g_strv_length (fields) < 2)
    return 0;
  return (gsize) g_ascii_strtoull (fields[1], NULL, 10) * (gsize) sysconf (_SC_PAGESIZE);
#else
  return 0;
#endif
}

static const UstCallData *
item_data (GListModel *model,
           guint       position,
           UstCallRecord **record)
{
  *record = g_list_model_get_item (model, position);
  g_assert_nonnull (*record);
  return ust_call_record_get_data (*record);
}

static void
assert_item (GListModel *model,
             guint       position,
             const char *call_id)
{
  g_autoptr (UstCallRecord) record = NULL;

  g_assert_cmpstr (item_data (model, position, &record)->call_id, ==, call_id);
}

static UstCallStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  UstCallStore *store = ust_call_store_new (path);

  g_assert_true (ust_call_store_open (store, &error));
  g_assert_no_error (error);
  return store;
}

static void
test_million (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (UstCallModel) model = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 started;
  gsize rss_before, rss_after;

  /* The store makes the schema; the rows go in directly, in one transaction. */
  store = open_store (path);
  g_clear_object (&store);

  started = g_get_monotonic_time ();
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO calls (id, call_id, caller, callee, "
                                       "start_time, end_time, state, final_code, seq) "
                                       "VALUES (?1, ?2, 'alice@pbx', 'bob@pbx', ?3, ?4, "
                                       "'busy', 486, ?1)", -1, &stmt, NULL), ==, SQLITE_OK);
  for (int i = 0; i < N_MILLION; i++)
    {
      char call_id[32];

      g_snprintf (call_id, sizeof call_id, "call-%07d", i);
      sqlite3_bind_int64 (stmt, 1, i + 1);
      sqlite3_bind_text (stmt, 2, call_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, T0 + (gint64) i * 1000);
      sqlite3_bind_int64 (stmt, 4, T0 + (gint64) i * 1000 + 500);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_test_message ("Inserted %d rows in %.1f s", N_MILLION,
                  (g_get_monotonic_time () - started) / 1e6);

  rss_before = resident_bytes ();
  started = g_get_monotonic_time ();
  store = open_store (path);
  model = ust_call_model_new (store);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MILLION);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == UST_TYPE_CALL_RECORD);
  /* Newest first. */
  assert_item (G_LIST_MODEL (model), 0, "call-0999999");
  assert_item (G_LIST_MODEL (model), N_MILLION - 1, "call-0000000");
  assert_item (G_LIST_MODEL (model), N_MILLION / 2, "call-0499999");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_MILLION));

  /* Jumping around keeps only a few pages. */
  for (int k = 0; k < 20; k++)
    {
      guint position = (guint) g_test_rand_int_range (0, N_MILLION);
      char expected[32];

      g_snprintf (expected, sizeof expected, "call-%07u", N_MILLION - 1 - position);
      assert_item (G_LIST_MODEL (model), position, expected);
    }
  g_assert_cmpuint (ust_call_model_get_n_cached_pages (model), <=, 8);
  g_test_message ("Count and 23 pages in %.2f s",
                  (g_get_monotonic_time () - started) / 1e6);

  rss_after = resident_bytes ();
  if (rss_before > 0)
    {
      g_test_message ("Resident memory grew by %.1f MB", (rss_after - rss_before) / 1e6);
      g_assert_cmpuint (rss_after, <, rss_before + 50 * 1000 * 1000);
    }

  g_clear_object (&model);
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  /* What a view would do: the count must already be right. */
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, added);
  g_array_append_val (changes, change);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gboolean   *flag)
{
  *flag = TRUE;
}

static void
save (UstCallStore *store,
      const char   *call_id,
      gint64        start_time,
      UstCallState  state)
{
  UstCallData data = { 0 };

  data.call_id = g_strdup (call_id);
  data.caller = g_strdup ("alice@pbx");
  data.start_time = start_time;
  data.state = state;
  ust_call_store_save_call (store, &data);
  ust_call_data_clear (&data);
}

static void
calls_changed_cb (UstCallStore *store,
                  gboolean     *flag)
{
  *flag = TRUE;
}

/* Saves, flushes, and runs the loop until the store has said so. */
static void
commit (UstCallStore *store)
{
  gboolean changed = FALSE;
  gulong handler = g_signal_connect (store, "calls-changed", G_CALLBACK (calls_changed_cb),
                                     &changed);

  g_assert_true (ust_call_store_flush (store, 5000));
  g_assert_true (ust_test_spin_until (ust_test_flag_is_set, &changed, 5000));
  g_signal_handler_disconnect (store, handler);
}

/* Every position of the model holds what the store has there. */
static void
assert_consistent (UstCallModel *model,
                   UstCallStore *store)
{
  g_autoptr (GPtrArray) rows = ust_call_store_fetch (store, 0, G_MAXUINT, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, rows->len);
  for (guint i = 0; i < rows->len; i++)
    assert_item (G_LIST_MODEL (model), i,
                 ust_call_record_get_data (g_ptr_array_index (rows, i))->call_id);
}

static void
test_live (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = open_store (path);
  g_autoptr (UstCallModel) model = NULL;
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr (UstCallRecord) ringing = NULL;
  gboolean state_changed = FALSE;

  save (store, "a", T0, UST_CALL_ENDED);
  save (store, "b", T0 + 1000000, UST_CALL_ENDED);
  save (store, "c", T0 + 2000000, UST_CALL_RINGING);
  commit (store);

  model = ust_call_model_new (store);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);

  /* A live call shown in a row turns answered in that same row. */
  g_assert_cmpint (item_data (G_LIST_MODEL (model), 0, &ringing)->state, ==, UST_CALL_RINGING);
  g_signal_connect (ringing, "notify::state", G_CALLBACK (notify_cb), &state_changed);
  save (store, "c", T0 + 2000000, UST_CALL_ANSWERED);
  commit (store);
  g_assert_true (state_changed);
  g_assert_cmpint (ust_call_record_get_data (ringing)->state, ==, UST_CALL_ANSWERED);
  g_assert_cmpuint (changes->len, ==, 0);
  {
    g_autoptr (UstCallRecord) again = g_list_model_get_item (G_LIST_MODEL (model), 0);

    g_assert_true (again == ringing);
  }

  /* A new call goes on top, announced as one insertion. */
  save (store, "d", T0 + 3000000, UST_CALL_SETUP);
  commit (store);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 1);
  assert_item (G_LIST_MODEL (model), 0, "d");

  /* A call older than all goes to the bottom. */
  save (store, "old", T0 - 1000000, UST_CALL_BUSY);
  commit (store);
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (changes, Change, 1).position, ==, 4);
  assert_item (G_LIST_MODEL (model), 4, "old");

  /* Several at once, in the middle and on top, plus an update. */
  save (store, "mid", T0 + 1500000, UST_CALL_SETUP);
  save (store, "top", T0 + 10000000, UST_CALL_SETUP);
  save (store, "d", T0 + 3000000, UST_CALL_RINGING);
  commit (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  assert_consistent (model, store);
  assert_item (G_LIST_MODEL (model), 0, "top");
  assert_item (G_LIST_MODEL (model), 3, "mid");

  /* Committed but not announced yet: the model still reads the diary it
   * counted, so its positions and items agree. */
  g_array_set_size (changes, 0);
  save (store, "newest", T0 + 20000000, UST_CALL_SETUP);
  g_assert_true (ust_test_wait_committed (path, "newest", 5000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  assert_item (G_LIST_MODEL (model), 0, "top");
  assert_item (G_LIST_MODEL (model), 6, "old");
  commit (store);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  assert_item (G_LIST_MODEL (model), 0, "newest");
  assert_consistent (model, store);

  /* Clearing empties the model. */
  g_array_set_size (changes, 0);
  ust_call_store_clear (store);
  commit (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 8);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 0);

  /* And fills again. */
  save (store, "after", T0, UST_CALL_SETUP);
  commit (store);
  assert_consistent (model, store);

  /* The record outlives the model and the store. */
  g_assert_finalize_object (g_steal_pointer (&model));
  g_clear_object (&store);
  g_assert_cmpint (ust_call_record_get_data (ringing)->state, ==, UST_CALL_ANSWERED);
  ust_test_remove_tree (dir);
}

/* Searching ------------------------------------------------------------------------- */

/* Version 2 of calls.db exactly as it shipped, for the upgrade test: a
 * genuine old file, not one made by today's code. */
static const char schema_v2[] =
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
  "ALTER TABLE calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
  "UPDATE calls SET seq = id;"
  "CREATE INDEX calls_by_start ON calls (start_time);"
  "CREATE INDEX calls_by_seq ON calls (seq);"
  "PRAGMA user_version = 2;";

/* One integer from @sql on a connection of the test's own. */
static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static gboolean
indexed_cb (gpointer path)
{
  return query_int (path, "SELECT (SELECT indexed_up_to FROM calls_search_mark) "
                          ">= (SELECT IFNULL(MAX(id), 0) FROM calls)");
}

/* Waits (bounded) until the writer has indexed every row for searching. */
static void
wait_indexed (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!indexed_cb ((gpointer) path))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static gboolean
search_done_cb (gpointer model)
{
  return !ust_call_model_get_searching (model);
}

static gboolean
is_null_cb (gpointer pointer)
{
  return *(gpointer *) pointer == NULL;
}

/* Drops @model and waits until it is gone: a search's worker thread holds
 * it until the thread has stopped, which can be just after the result was
 * shown (GTask lets go of its thread's reference last), and searches it
 * cancelled hold it too. */
static void
unref_and_wait (UstCallModel *model)
{
  gpointer weak = model;

  g_object_add_weak_pointer (G_OBJECT (model), &weak);
  g_object_unref (model);
  g_assert_true (ust_test_spin_until (is_null_cb, &weak, 20000));
}

/* Shows what @text finds (NULL: every call) and waits for the result. */
static void
search_for (UstCallModel *model,
            const char   *text)
{
  g_autoptr (UstCallSearch) search = text != NULL ? ust_call_search_new (text, 0) : NULL;

  ust_call_model_set_search (model, search);
  g_assert_true (ust_test_spin_until (search_done_cb, model, 20000));
}

/* The model shows exactly the calls of the diary that @text matches, newest
 * first: checked against every row of the store, one by one. */
static guint
assert_search_shows (UstCallModel *model,
                     UstCallStore *store,
                     const char   *text)
{
  g_autoptr (UstCallSearch) search = ust_call_search_new (text, 0);
  g_autoptr (GPtrArray) all = ust_call_store_fetch (store, 0, G_MAXUINT, NULL);
  GListModel *list = G_LIST_MODEL (model);
  guint n = 0;

  search_for (model, text);
  g_assert_cmpuint (ust_call_model_get_n_calls (model), ==, all->len);
  for (guint i = 0; i < all->len; i++)
    {
      const UstCallData *data = ust_call_record_get_data (g_ptr_array_index (all, i));

      if (ust_call_search_matches (search, data))
        assert_item (list, n++, data->call_id);
    }
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, n);
  return n;
}

static void
save_call (UstCallStore *store,
           guint         i,
           const char   *caller,
           const char   *caller_name,
           UstCallState  state)
{
  UstCallData data = { 0 };

  data.call_id = g_strdup_printf ("%u-4242@10.0.0.%u", i, i % 7);
  data.caller = g_strdup (caller);
  data.caller_name = g_strdup (caller_name);
  data.callee = g_strdup ("service@pbx");
  data.start_time = T0 + (gint64) i * 1000;
  data.state = state;
  ust_call_store_save_call (store, &data);
  ust_call_data_clear (&data);
}

/* 3,000 calls from 100 callers (c0000 … c0099), one in seven with a name
 * that is not ASCII, one in ten busy. */
static void
fill (UstCallStore *store,
      guint         first,
      guint         n)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *caller = g_strdup_printf ("c%04u@pbx", i % 100);

      save_call (store, i, caller, i % 7 == 0 ? "Ľubomír Čierny" : NULL,
                 i % 10 == 0 ? UST_CALL_BUSY : UST_CALL_ENDED);
    }
}

static void
test_search_match (void)
{
  UstCallData data = { 0 };
  g_autoptr (UstCallSearch) alice = ust_call_search_new ("ALICE", 0);
  g_autoptr (UstCallSearch) middle = ust_call_search_new ("lice@P", 0);
  g_autoptr (UstCallSearch) accent = ust_call_search_new ("ľUBO", 0);
  g_autoptr (UstCallSearch) plain = ust_call_search_new ("lubo", 0);
  g_autoptr (UstCallSearch) raw = ust_call_search_new ("ABC", 0);
  g_autoptr (UstCallSearch) busy = ust_call_search_new ("Bus", 0);
  g_autoptr (UstCallSearch) answered = ust_call_search_new ("answ", 0);
  g_autoptr (UstCallSearch) ended = ust_call_search_new ("ended", 0);
  g_autoptr (UstCallSearch) slovak = ust_call_search_new ("obsad", 1u << UST_CALL_BUSY);

  data.call_id = (char *) "\xff\xfe" "abc@host";  /* not UTF-8: kept as sent */
  data.caller = (char *) "alice@pbx";
  data.caller_name = (char *) "Ľubomír Čierny";
  data.callee = (char *) "bob@pbx";
  data.state = UST_CALL_ENDED;

  /* Any case, anywhere in the caller, callee, name or Call-ID. */
  g_assert_true (ust_call_search_matches (alice, &data));
  g_assert_true (ust_call_search_matches (middle, &data));
  g_assert_true (ust_call_search_matches (accent, &data));
  g_assert_false (ust_call_search_matches (plain, &data));
  g_assert_true (ust_call_search_matches (raw, &data));

  /* Outcomes, as the diary's outcome column says them: an answered call
   * that ended is "answered". */
  g_assert_false (ust_call_search_matches (busy, &data));
  g_assert_true (ust_call_search_matches (answered, &data));
  g_assert_false (ust_call_search_matches (ended, &data));
  g_assert_cmpuint (ust_call_search_get_states (answered), ==,
                    (1u << UST_CALL_ANSWERED) | (1u << UST_CALL_ENDED));
  data.state = UST_CALL_BUSY;
  g_assert_true (ust_call_search_matches (busy, &data));
  /* The window's own words for an outcome come as extra states. */
  g_assert_true (ust_call_search_matches (slovak, &data));
  g_assert_true (ust_call_search_text_contains ("Obsadené", "OBSADENÉ"));
  g_assert_false (ust_call_search_text_contains ("Obsadené", "obsadene"));
}

static void
test_search (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = open_store (path);
  g_autoptr (UstCallModel) model = NULL;
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  gboolean n_calls_changed = FALSE;

  fill (store, 0, 3000);
  commit (store);
  wait_indexed (path);
  model = ust_call_model_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3000);

  /* One caller in a hundred, counted in full at once; newest first. */
  search_for (model, "c0050");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 30);
  g_assert_cmpuint (ust_call_model_get_n_calls (model), ==, 3000);
  assert_item (G_LIST_MODEL (model), 0, "2950-4242@10.0.0.3");
  assert_item (G_LIST_MODEL (model), 29, "50-4242@10.0.0.1");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 30));
  /* Any case, and the same calls as every row checked one by one. */
  g_assert_cmpuint (assert_search_shows (model, store, "C0050@PBX"), ==, 30);
  g_assert_cmpuint (assert_search_shows (model, store, "ľubomír"), ==, 429);
  g_assert_cmpuint (assert_search_shows (model, store, "ČIER"), ==, 429);
  /* Short texts (no trigram to look up), outcomes, a Call-ID's middle. */
  g_assert_cmpuint (assert_search_shows (model, store, "c"), ==, 3000);
  g_assert_cmpuint (assert_search_shows (model, store, "99"), >, 30);
  g_assert_cmpuint (assert_search_shows (model, store, "busy"), ==, 300);
  g_assert_cmpuint (assert_search_shows (model, store, "42@10.0.0.6"), ==, 428);
  g_assert_cmpuint (assert_search_shows (model, store, "nobody"), ==, 0);

  /* Many pages of hits, read a page at a time as they are looked at. */
  g_assert_cmpuint (assert_search_shows (model, store, "c00"), ==, 3000);
  g_assert_cmpuint (ust_call_model_get_n_cached_pages (model), <=, 8);

  /* A new call that matches appears at its place; one that does not only
   * adds to the total. */
  search_for (model, "c0050");
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);
  g_signal_connect (model, "notify::n-calls", G_CALLBACK (notify_cb), &n_calls_changed);
  save_call (store, 5000, "c0050@pbx", NULL, UST_CALL_RINGING);
  save_call (store, 5001, "c0051@pbx", NULL, UST_CALL_RINGING);
  commit (store);
  g_assert_true (n_calls_changed);
  g_assert_cmpuint (ust_call_model_get_n_calls (model), ==, 3002);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 31);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 1);
  assert_item (G_LIST_MODEL (model), 0, "5000-4242@10.0.0.2");
  /* ...and one that goes in among the older ones, in diary order (a call
   * saved late: its row is new, its start time is not). */
  {
    UstCallData data = { 0 };

    data.call_id = g_strdup ("late@10.0.0.9");
    data.caller = g_strdup ("x-c0050-y@pbx");
    data.start_time = T0 + 1234500;
    data.state = UST_CALL_ENDED;
    ust_call_store_save_call (store, &data);
    ust_call_data_clear (&data);
    commit (store);
  }
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (changes, Change, 1).position, ==, 19);
  assert_item (G_LIST_MODEL (model), 19, "late@10.0.0.9");
  g_assert_cmpuint (assert_search_shows (model, store, "c0050"), ==, 32);

  /* A row already shown is updated where it stands (the ringing call
   * answered). */
  {
    g_autoptr (UstCallRecord) record = g_list_model_get_item (G_LIST_MODEL (model), 0);

    save_call (store, 5000, "c0050@pbx", NULL, UST_CALL_ANSWERED);
    commit (store);
    g_assert_cmpint (ust_call_record_get_data (record)->state, ==, UST_CALL_ANSWERED);
  }

  /* No search: every call again. */
  search_for (model, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3003);
  assert_consistent (model, store);

  /* A clear empties a search too. */
  search_for (model, "c0050");
  ust_call_store_clear (store);
  commit (store);
  g_assert_true (ust_test_spin_until (search_done_cb, model, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpuint (ust_call_model_get_n_calls (model), ==, 0);
  g_assert_cmpint (query_int (path, "SELECT indexed_up_to FROM calls_search_mark"), ==, 0);

  unref_and_wait (g_steal_pointer (&model));
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* More changes at once than the model reads one by one (a flood of calls)
 * while a search is shown: the new calls that match still go in, and a row
 * shown is still updated where it stands. */
static void
test_search_flood (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = open_store (path);
  g_autoptr (UstCallModel) model = NULL;
  g_autoptr (UstCallRecord) shown = NULL;

  fill (store, 0, 3000);
  commit (store);
  model = ust_call_model_new (store);
  search_for (model, "c0050");
  g_assert_cmpstr (item_data (G_LIST_MODEL (model), 0, &shown)->call_id, ==,
                   "2950-4242@10.0.0.3");
  g_assert_cmpint (ust_call_record_get_data (shown)->state, ==, UST_CALL_BUSY);

  fill (store, 3000, 1500);
  save_call (store, 2950, "c0050@pbx", NULL, UST_CALL_ANSWERED);
  commit (store);
  g_assert_cmpuint (ust_call_model_get_n_calls (model), ==, 4500);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 45);
  g_assert_cmpint (ust_call_record_get_data (shown)->state, ==, UST_CALL_ANSWERED);
  assert_item (G_LIST_MODEL (model), 0, "4450-4242@10.0.0.5");
  g_assert_cmpuint (assert_search_shows (model, store, "c0050"), ==, 45);

  unref_and_wait (g_steal_pointer (&model));
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* Typing: each keystroke starts a search; only the last one's result is
 * shown, and the model is never left "searching". */
static void
test_search_typing (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = open_store (path);
  g_autoptr (UstCallModel) model = NULL;
  const char *typed[] = { "c", "c0", "c00", "c005", "c0050" };

  fill (store, 0, 3000);
  commit (store);
  model = ust_call_model_new (store);
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      g_autoptr (UstCallSearch) search = ust_call_search_new (typed[i], 0);

      ust_call_model_set_search (model, search);
      g_assert_true (ust_call_model_get_searching (model));
    }
  g_assert_true (ust_test_spin_until (search_done_cb, model, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 30);
  g_assert_cmpstr (ust_call_search_get_text (ust_call_model_get_search (model)), ==, "c0050");

  unref_and_wait (g_steal_pointer (&model));
  g_clear_object (&store);
  ust_test_remove_tree (dir);
}

/* A diary written before the search index (schema 2) is upgraded once: the
 * index is built in the background, and searches give the same answer
 * before and after. */
static void
test_search_upgrade (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-call-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "calls.db", NULL);
  g_autoptr (UstCallStore) store = NULL;
  g_autoptr (UstCallModel) model = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_v2, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                 "                        WHERE i < 20000) "
                                 "INSERT INTO calls (id, call_id, caller, callee, start_time, "
                                 "                   state, seq) "
                                 "SELECT i, i || '-77@10.0.0.1', printf('c%04d@pbx', i % 100), "
                                 "       'service@pbx', 1795542022000000 + i * 1000, 'ended', i "
                                 "FROM n",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  /* Searchable at once, index or not. */
  store = open_store (path);
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, 4);
  model = ust_call_model_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 20000);
  g_assert_cmpuint (assert_search_shows (model, store, "c0050"), ==, 200);

  /* Built by the writer thread, and the same answer through it. */
  wait_indexed (path);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM calls_search "
                                    "WHERE calls_search MATCH '\"050\" AND \"50@\"'"), ==, 200);
  g_assert_cmpuint (assert_search_shows (model, store, "c0050"), ==, 200);
  g_assert_cmpuint (assert_search_shows (model, store, "1005"), >, 10);

  /* A call saved again keeps the parties of its first save (what the index
   * holds): a later save with another caller changes its state, not them. */
  search_for (model, NULL);
  {
    UstCallData data = { 0 };
    g_autoptr (UstCallRecord) record = NULL;

    data.call_id = g_strdup ("50-77@10.0.0.1");
    data.caller = g_strdup ("renamed@pbx");
    data.start_time = 1795542022000000 + 50 * 1000;
    data.state = UST_CALL_BUSY;
    ust_call_store_save_call (store, &data);
    ust_call_data_clear (&data);
    commit (store);
    search_for (model, "c0050");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 200);
    g_assert_cmpstr (item_data (G_LIST_MODEL (model), 199, &record)->call_id, ==,
                     "50-77@10.0.0.1");
    g_assert_cmpstr (ust_call_record_get_data (record)->caller, ==, "c0050@pbx");
    g_assert_cmpint (ust_call_record_get_data (record)->state, ==, UST_CALL_BUSY);
  }
  g_assert_cmpuint (assert_search_shows (model, store, "renamed"), ==, 0);

  /* Done once: opened again, nothing is built again. */
  unref_and_wait (g_steal_pointer (&model));
  g_clear_object (&store);
  store = open_store (path);
  g_assert_cmpint (query_int (path, "SELECT indexed_up_to FROM calls_search_mark"), ==, 20000);
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

  g_test_add_func ("/ust/call-model/million", test_million);
  g_test_add_func ("/ust/call-model/live", test_live);
  g_test_add_func ("/ust/call-model/search-match", test_search_match);
  g_test_add_func ("/ust/call-model/search", test_search);
  g_test_add_func ("/ust/call-model/search-flood", test_search_flood);
  g_test_add_func ("/ust/call-model/search-typing", test_search_typing);
  g_test_add_func ("/ust/call-model/search-upgrade", test_search_upgrade);

  return g_test_run ();
}
