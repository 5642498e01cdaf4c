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
  g_autoptr (GPtrArray) rows = ust_call_store_fetch (store, 0, 1000, NULL);

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

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Europe/Bratislava", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/call-model/million", test_million);
  g_test_add_func ("/ust/call-model/live", test_live);

  return g_test_run ();
}
