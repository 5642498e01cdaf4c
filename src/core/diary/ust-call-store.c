/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "ust-call-db.h"
#include "ust-call-store.h"
#include "ust-diary-writer.h"

/* How often readers hear of committed rows. */
#define NOTIFY_INTERVAL_MS 100
#define DEFAULT_RETRY_MS   2000

struct _UstCallStore {
  GObject         parent_instance;

  char           *path;
  char           *text_path;
  GMainContext   *context;          /* signals are emitted here */

  UstDiaryWriter *writer;           /* its thread owns the disk */
  gboolean        closed;           /* atomic */
  GThread        *owner;            /* the thread that reads */

  GMutex          lock;             /* guards the notify fields */
  GSource        *notify_source;
  gboolean        notify_changed;
  GPtrArray      *notify_errors;    /* char*: "-message" for "error", "+message" for "resumed" */

  /* The reader stays inside one read transaction, renewed just before
   * "calls-changed": the owner thread sees the diary change only when told,
   * so a model's count, its pages and its positions always agree. */
  sqlite3        *reader;
  sqlite3_stmt   *count_stmt;
  sqlite3_stmt   *page_desc_stmt;
  sqlite3_stmt   *page_asc_stmt;
  sqlite3_stmt   *events_stmt;
  sqlite3_stmt   *marks_stmt;
  sqlite3_stmt   *changed_stmt;
  sqlite3_stmt   *position_stmt;
  sqlite3_stmt   *by_id_stmt;
  gint64          snapshot_count;   /* count(*) in the current snapshot; -1 = not yet */
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_RETRY_INTERVAL,
  N_PROPS,
};

enum {
  ERROR,
  RESUMED,
  CALLS_CHANGED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstCallStore, ust_call_store, G_TYPE_OBJECT)

void
ust_call_event_free (UstCallEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->kind);
  g_free (event->detail);
  g_free (event);
}

static UstCallRecord *
record_from_row (sqlite3_stmt *stmt,
                 int           first)
{
  UstCallData data;
  UstCallRecord *record;

  ust_call_db_read_call (stmt, first, &data);
  record = ust_call_record_new (&data);
  ust_call_data_clear (&data);
  return record;
}

static gboolean notify_cb (gpointer user_data);
static void reader_renew (UstCallStore *self);

/* The writer thread hands a change or an error to the thread that owns the
 * store. One idle source at a time carries whatever has piled up, so a busy
 * writer does not flood the main loop. */
static void
writer_notify_cb (UstDiaryWriterEvent  event,
                  const char          *message,
                  gpointer             user_data)
{
  UstCallStore *self = user_data;

  g_mutex_lock (&self->lock);
  self->notify_changed |= event == UST_DIARY_WRITER_COMMITTED;
  /* In order: a file that failed and came back says both, one after the other. */
  if (message != NULL)
    g_ptr_array_add (self->notify_errors,
                     g_strdup_printf ("%c%s", event == UST_DIARY_WRITER_RESUMED ? '+' : '-',
                                      message));
  if (self->notify_source == NULL)
    {
      /* At most ten a second: each wakes the reading thread (in the
       * headless server, the proxy's own) and renews its snapshot. */
      self->notify_source = g_timeout_source_new (NOTIFY_INTERVAL_MS);
      g_source_set_priority (self->notify_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->notify_source, notify_cb, self, NULL);
      g_source_set_static_name (self->notify_source, "UstCallStore notify");
      g_source_attach (self->notify_source, self->context);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
notify_cb (gpointer user_data)
{
  UstCallStore *self = g_object_ref (user_data);
  g_autoptr (GPtrArray) errors = NULL;
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = self->notify_changed;
  self->notify_changed = FALSE;
  errors = g_steal_pointer (&self->notify_errors);
  self->notify_errors = g_ptr_array_new_with_free_func (g_free);
  g_clear_pointer (&self->notify_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < errors->len; i++)
    {
      const char *message = g_ptr_array_index (errors, i);

      g_signal_emit (self, signals[message[0] == '+' ? RESUMED : ERROR], 0, message + 1);
    }
  if (changed)
    {
      reader_renew (self);
      g_signal_emit (self, signals[CALLS_CHANGED], 0);
    }

  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
reader_close (UstCallStore *self)
{
  g_clear_pointer (&self->count_stmt, sqlite3_finalize);
  g_clear_pointer (&self->page_desc_stmt, sqlite3_finalize);
  g_clear_pointer (&self->page_asc_stmt, sqlite3_finalize);
  g_clear_pointer (&self->events_stmt, sqlite3_finalize);
  g_clear_pointer (&self->marks_stmt, sqlite3_finalize);
  g_clear_pointer (&self->changed_stmt, sqlite3_finalize);
  g_clear_pointer (&self->position_stmt, sqlite3_finalize);
  g_clear_pointer (&self->by_id_stmt, sqlite3_finalize);
  g_clear_pointer (&self->reader, sqlite3_close);
  self->snapshot_count = -1;
}

/* Starts the read transaction and reads once: a deferred BEGIN takes its
 * snapshot at the first read, not at BEGIN. */
static int
reader_pin (UstCallStore *self)
{
  int rc = sqlite3_exec (self->reader, "BEGIN; SELECT 1 FROM sqlite_master LIMIT 1;", NULL,
                         NULL, NULL);

  self->snapshot_count = -1;
  if (rc != SQLITE_OK)
    sqlite3_exec (self->reader, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

/* Moves the reader's snapshot to the newest commit. Every statement is reset
 * after use, so nothing keeps the old transaction busy. */
static void
reader_renew (UstCallStore *self)
{
  if (self->reader == NULL)
    return;
  if (sqlite3_exec (self->reader, "COMMIT", NULL, NULL, NULL) != SQLITE_OK
      || reader_pin (self) != SQLITE_OK)
    {
      g_debug ("Reopening the reader of %s: %s", self->path, sqlite3_errmsg (self->reader));
      reader_close (self);
    }
}

/* The reader connection opens once the writer has made the schema: before
 * that (or in memory-only mode) there is nothing to read. */
static gboolean
ensure_reader (UstCallStore  *self,
               GError       **error)
{
  int rc;

  if (self->reader != NULL)
    return TRUE;

  if (g_atomic_int_get (&self->closed) || !ust_diary_writer_is_ready (self->writer))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   _("The call diary “%s” is not open."), self->path);
      return FALSE;
    }

  rc = sqlite3_open_v2 (self->path, &self->reader, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (self->reader, UST_CALL_DB_BUSY_TIMEOUT_MS);
      rc = reader_pin (self);
    }
  if (rc != SQLITE_OK)
    {
      ust_call_db_set_read_error (error, self->path, self->reader, rc);
      reader_close (self);
      return FALSE;
    }
  return TRUE;
}

/* Returns the statement in @slot, prepared on first use. */
static sqlite3_stmt *
reader_statement (UstCallStore  *self,
                  sqlite3_stmt **slot,
                  const char    *sql,
                  GError       **error)
{
  int rc;

  if (!ensure_reader (self, error))
    return NULL;
  if (*slot != NULL)
    return *slot;

  rc = sqlite3_prepare_v3 (self->reader, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
  if (rc != SQLITE_OK)
    {
      ust_call_db_set_read_error (error, self->path, self->reader, rc);
      return NULL;
    }
  return *slot;
}

/* Runs a statement that returns call rows ("id, UST_CALL_DB_FIELDS" from
 * column @first) into an array of UstCallRecord. Always resets it: an active
 * statement would stop reader_renew() from ending the transaction. */
static GPtrArray *
collect_records (UstCallStore  *self,
                 sqlite3_stmt  *stmt,
                 int            first,
                 gint64        *last_seq,
                 GError       **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (records, record_from_row (stmt, first));
      if (last_seq != NULL)
        *last_seq = MAX (*last_seq, sqlite3_column_int64 (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ust_call_db_set_read_error (error, self->path, self->reader, rc);
      return NULL;
    }
  return g_steal_pointer (&records);
}

static void
ust_call_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  UstCallStore *self = UST_CALL_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_RETRY_INTERVAL:
      g_value_set_uint (value, ust_call_store_get_retry_interval (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_store_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  UstCallStore *self = UST_CALL_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_RETRY_INTERVAL:
      ust_call_store_set_retry_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_store_constructed (GObject *object)
{
  UstCallStore *self = UST_CALL_STORE (object);

  G_OBJECT_CLASS (ust_call_store_parent_class)->constructed (object);

  g_assert (self->path != NULL);
  /* calls.db → calls.txt, in the same folder. */
  if (g_str_has_suffix (self->path, ".db"))
    {
      g_autofree char *stem = g_strndup (self->path, strlen (self->path) - strlen (".db"));

      self->text_path = g_strconcat (stem, ".txt", NULL);
    }
  else
    self->text_path = g_strconcat (self->path, ".txt", NULL);

  self->writer = ust_diary_writer_new (self->path, self->text_path, DEFAULT_RETRY_MS,
                                       writer_notify_cb, self);
}

static void
ust_call_store_dispose (GObject *object)
{
  UstCallStore *self = UST_CALL_STORE (object);

  ust_call_store_close (self);

  /* A notification still waiting would run on a freed store. */
  g_mutex_lock (&self->lock);
  if (self->notify_source != NULL)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (ust_call_store_parent_class)->dispose (object);
}

static void
ust_call_store_finalize (GObject *object)
{
  UstCallStore *self = UST_CALL_STORE (object);

  ust_diary_writer_free (self->writer);
  g_ptr_array_unref (self->notify_errors);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self->text_path);

  G_OBJECT_CLASS (ust_call_store_parent_class)->finalize (object);
}

static void
ust_call_store_class_init (UstCallStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_call_store_get_property;
  object_class->set_property = ust_call_store_set_property;
  object_class->constructed = ust_call_store_constructed;
  object_class->dispose = ust_call_store_dispose;
  object_class->finalize = ust_call_store_finalize;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_INTERVAL] =
    g_param_spec_uint ("retry-interval", NULL, NULL, 10, 3600 * 1000, DEFAULT_RETRY_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A message a person can act on, once each time writing starts to fail. */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The file that failed takes writes again, and what was kept is in it: a message
   * saying so. */
  signals[RESUMED] = g_signal_new ("resumed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Rows were added, changed or removed by a committed batch. */
  signals[CALLS_CHANGED] = g_signal_new ("calls-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
ust_call_store_init (UstCallStore *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
  self->snapshot_count = -1;
  self->notify_errors = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->lock);
}

/* @path is the database file, e.g. ~/.local/share/ustredna/calls.db; the
 * text diary goes beside it. Nothing touches the disk until open(). */
UstCallStore *
ust_call_store_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (UST_TYPE_CALL_STORE, "path", path, NULL);
}

const char *
ust_call_store_get_path (UstCallStore *self)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);

  return self->path;
}

const char *
ust_call_store_get_text_path (UstCallStore *self)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);

  return self->text_path;
}

guint
ust_call_store_get_retry_interval (UstCallStore *self)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (self), 0);

  return ust_diary_writer_get_retry_interval (self->writer);
}

/* How long the writer waits before trying again a file that refused. */
void
ust_call_store_set_retry_interval (UstCallStore *self,
                                   guint         retry_ms)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));

  if (ust_call_store_get_retry_interval (self) == retry_ms)
    return;
  ust_diary_writer_set_retry_interval (self->writer, retry_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_INTERVAL]);
}

/* Creates the folder and the database, brings the schema up to date and
 * starts the writer thread. On failure the store still takes calls: it keeps
 * them in memory, emits "error" once with the same message, and keeps
 * trying to open the file every retry interval. */
gboolean
ust_call_store_open (UstCallStore  *self,
                     GError       **error)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (self), FALSE);
  g_return_val_if_fail (!g_atomic_int_get (&self->closed), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return ust_diary_writer_start (self->writer, error);
}

/* Writes what is queued (one last try if the file is refusing), stops the
 * writer thread and closes both connections. Later saves are dropped. The
 * reader goes first: SQLite checkpoints and removes the write-ahead log only
 * when the last connection closes and is not read-only, and a log left
 * behind (the search index's build leaves a few hundred MB) is read again
 * at every opening. */
void
ust_call_store_close (UstCallStore *self)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));

  if (g_atomic_int_get (&self->closed))
    return;
  g_atomic_int_set (&self->closed, TRUE);
  reader_close (self);
  ust_diary_writer_stop (self->writer);
}

/* Waits until everything saved so far is committed, at most @timeout_ms.
 * Returns FALSE if it is not (the file is refusing, or the time ran out). */
gboolean
ust_call_store_flush (UstCallStore *self,
                      guint         timeout_ms)
{
  gboolean done;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), FALSE);

  done = ust_diary_writer_flush (self->writer, timeout_ms);

  /* Whoever flushed wants to read what was written. A model still gets its
   * "calls-changed", already on its way. */
  if (done && g_thread_self () == self->owner)
    reader_renew (self);
  return done;
}

/* Saves the call as it is now; saving it again later updates the same row
 * (a call is known by its Call-ID and start time; its caller, caller's name
 * and callee stay those of its first save). Live calls are saved too, so
 * the diary shows them while they ring. */
void
ust_call_store_save_call (UstCallStore      *self,
                          const UstCallData *data)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));
  g_return_if_fail (data != NULL && data->call_id != NULL);

  ust_diary_writer_save_call (self->writer, data);
}

/* Adds a line to @call's history, and @text_line (if not NULL) to the
 * text diary. */
void
ust_call_store_add_event (UstCallStore      *self,
                          const UstCallData *call,
                          gint64             time_us,
                          const char        *kind,
                          const char        *detail,
                          const char        *text_line)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));
  g_return_if_fail (call != NULL && call->call_id != NULL);
  g_return_if_fail (kind != NULL);

  ust_diary_writer_add_event (self->writer, call, time_us, kind, detail, text_line);
}

/* Both of the above for one step of a call: its row as it is now, the event
 * and the text line, in one job that holds one copy of @call. */
void
ust_call_store_save_step (UstCallStore      *self,
                          const UstCallData *call,
                          gint64             time_us,
                          const char        *kind,
                          const char        *detail,
                          const char        *text_line)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));
  g_return_if_fail (call != NULL && call->call_id != NULL);
  g_return_if_fail (kind != NULL);

  ust_diary_writer_save_step (self->writer, call, time_us, kind, detail, text_line);
}

/* Deletes every call and event. The text diary is a log and is kept. */
void
ust_call_store_clear (UstCallStore *self)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));

  ust_diary_writer_clear (self->writer);
}

/* Between begin and end, what this thread saves is held and then handed to
 * the writer in one piece (one queue push per main-loop turn, not several
 * per call). Only for a single producer thread. */
void
ust_call_store_begin_batch (UstCallStore *self)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));

  ust_diary_writer_begin_batch (self->writer);
}

void
ust_call_store_end_batch (UstCallStore *self)
{
  g_return_if_fail (UST_IS_CALL_STORE (self));

  ust_diary_writer_end_batch (self->writer);
}

/* The number of calls in the diary, as of the last "calls-changed"; 0 when
 * it cannot be read. count(*) walks an index (~5 ms for a million calls), so
 * it is done once per snapshot. */
guint
ust_call_store_count (UstCallStore *self)
{
  g_autoptr (GError) error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), 0);

  stmt = reader_statement (self, &self->count_stmt, "SELECT count(*) FROM calls", &error);
  if (stmt == NULL)
    {
      g_debug ("%s", error->message);
      return 0;
    }
  if (self->snapshot_count < 0)
    {
      if (sqlite3_step (stmt) == SQLITE_ROW)
        self->snapshot_count = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  return (guint) MAX (self->snapshot_count, 0);
}

/* Up to @n calls from @position in diary order (newest first), as
 * UstCallRecord. Positions in the far half are read backwards from the
 * oldest end: SQLite walks the index to an OFFSET, so this halves the walk
 * for the last rows of a long diary. */
GPtrArray *
ust_call_store_fetch (UstCallStore  *self,
                      guint          position,
                      guint          n,
                      GError       **error)
{
  g_autoptr (GPtrArray) records = NULL;
  sqlite3_stmt *stmt;
  guint total;
  gboolean backwards;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  total = ust_call_store_count (self);
  if (position >= total || n == 0)
    return g_ptr_array_new_with_free_func (g_object_unref);
  n = MIN (n, total - position);
  backwards = position > total / 2;

  if (backwards)
    stmt = reader_statement (self, &self->page_asc_stmt,
                             "SELECT id, " UST_CALL_DB_FIELDS " FROM calls "
                             "ORDER BY start_time ASC, id ASC LIMIT ?1 OFFSET ?2", error);
  else
    stmt = reader_statement (self, &self->page_desc_stmt,
                             "SELECT id, " UST_CALL_DB_FIELDS " FROM calls "
                             "ORDER BY start_time DESC, id DESC LIMIT ?1 OFFSET ?2", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, n);
  sqlite3_bind_int64 (stmt, 2, backwards ? total - position - n : position);
  records = collect_records (self, stmt, 0, NULL, error);
  if (records != NULL && backwards)
    {
      for (guint i = 0, j = records->len - 1; records->len > 0 && i < j; i++, j--)
        {
          gpointer tmp = records->pdata[i];

          records->pdata[i] = records->pdata[j];
          records->pdata[j] = tmp;
        }
    }
  return g_steal_pointer (&records);
}

/* The history of one call, oldest first, as UstCallEvent. */
GPtrArray *
ust_call_store_fetch_events (UstCallStore  *self,
                             const char    *call_id,
                             gint64         start_time,
                             GError       **error)
{
  g_autoptr (GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);
  g_return_val_if_fail (call_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = reader_statement (self, &self->events_stmt,
                           "SELECT e.time, e.kind, e.detail FROM events e "
                           "JOIN calls c ON c.id = e.call "
                           "WHERE c.call_id = ?1 AND c.start_time = ?2 "
                           "ORDER BY e.time, e.id", error);
  if (stmt == NULL)
    return NULL;

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_call_event_free);
  sqlite3_bind_text (stmt, 1, call_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, start_time);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      UstCallEvent *event = g_new0 (UstCallEvent, 1);

      event->time_us = sqlite3_column_int64 (stmt, 0);
      event->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      event->detail = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      ust_call_db_set_read_error (error, self->path, self->reader, rc);
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* The newest change number and the highest row id: a model remembers them
 * and later asks what changed since (fetch_changed) and which rows are new
 * (ids above @last_id). */
gboolean
ust_call_store_get_marks (UstCallStore  *self,
                          gint64        *last_seq,
                          gint64        *last_id,
                          GError       **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Two subqueries, so each MAX() is one index lookup. */
  stmt = reader_statement (self, &self->marks_stmt,
                           "SELECT (SELECT IFNULL(MAX(seq), 0) FROM calls), "
                           "(SELECT IFNULL(MAX(id), 0) FROM calls)", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *last_seq = sqlite3_column_int64 (stmt, 0);
      *last_id = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      ust_call_db_set_read_error (error, self->path, self->reader, rc);
      return FALSE;
    }
  return TRUE;
}

/* Up to @limit calls changed after change number @after_seq, in the order
 * they changed; @last_seq is raised to the newest change returned. */
GPtrArray *
ust_call_store_fetch_changed (UstCallStore  *self,
                              gint64         after_seq,
                              guint          limit,
                              gint64        *last_seq,
                              GError       **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);
  g_return_val_if_fail (last_seq != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = reader_statement (self, &self->changed_stmt,
                           "SELECT seq, id, " UST_CALL_DB_FIELDS " FROM calls "
                           "WHERE seq > ?1 ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);
  *last_seq = MAX (*last_seq, after_seq);
  return collect_records (self, stmt, 1, last_seq, error);
}

/* Where the row (@start_time, @id) stands in diary order: the number of
 * rows before it. */
guint
ust_call_store_position_of (UstCallStore *self,
                            gint64        start_time,
                            gint64        id)
{
  g_autoptr (GError) error = NULL;
  sqlite3_stmt *stmt;
  guint position = 0;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), 0);

  stmt = reader_statement (self, &self->position_stmt,
                           "SELECT count(*) FROM calls WHERE (start_time, id) > (?1, ?2)",
                           &error);
  if (stmt == NULL)
    {
      g_debug ("%s", error->message);
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, start_time);
  sqlite3_bind_int64 (stmt, 2, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    position = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return position;
}

/* The calls with these row ids, in the order given; rows not in the diary
 * (any more) are left out. For the pages of a search's result. */
GPtrArray *
ust_call_store_fetch_ids (UstCallStore  *self,
                          const gint64  *ids,
                          guint          n,
                          GError       **error)
{
  g_autoptr (GPtrArray) records = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (UST_IS_CALL_STORE (self), NULL);
  g_return_val_if_fail (ids != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = reader_statement (self, &self->by_id_stmt,
                           "SELECT id, " UST_CALL_DB_FIELDS " FROM calls WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;

  records = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      int rc;

      sqlite3_bind_int64 (stmt, 1, ids[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (records, record_from_row (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          ust_call_db_set_read_error (error, self->path, self->reader, rc);
          return NULL;
        }
    }
  return g_steal_pointer (&records);
}

/* Adds to @hits the calls after row @after_id that match @search (in row
 * order), and sets @n_rows to how many calls there are after it: what a
 * model showing a search needs to follow new calls. */
gboolean
ust_call_store_search (UstCallStore   *self,
                       UstCallSearch  *search,
                       gint64          after_id,
                       GArray         *hits,
                       guint          *n_rows,
                       GError        **error)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (self), FALSE);
  g_return_val_if_fail (UST_IS_CALL_SEARCH (search), FALSE);
  g_return_val_if_fail (hits != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_reader (self, error))
    return FALSE;
  return ust_call_search_scan (search, self->reader, after_id, G_MAXINT64, hits, n_rows, NULL,
                               error);
}
