/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-binding-store"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "ust-binding-store.h"
#include "ust-address-text.h"

#define SCHEMA_VERSION 3
/* How long a batch of changes may gather after the writer wakes up. */
#define GATHER_US 10000
/* While the file refuses (a full disk), the changes wait and are tried again this often;
 * beyond this many the oldest are given up. */
#define RETRY_US  (G_USEC_PER_SEC)
#define MAX_KEPT  100000

/* WITHOUT ROWID: a table keyed by (aor, contact) is then one B-tree, not a
 * table and an index, and each REGISTER's row is written once. */
#define BINDINGS_COLUMNS \
  "  aor TEXT NOT NULL," \
  "  contact TEXT NOT NULL," \
  "  contact_key TEXT NOT NULL," \
  "  source TEXT NOT NULL," \
  "  call_id TEXT," \
  "  cseq INTEGER," \
  "  expires INTEGER NOT NULL," \
  "  registered INTEGER," \
  "  q REAL," \
  "  user_agent TEXT," \
  "  instance TEXT," \
  "  reg_id INTEGER," \
  "  PRIMARY KEY (aor, contact)"

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS users (aor TEXT PRIMARY KEY) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS bindings (" BINDINGS_COLUMNS ") WITHOUT ROWID;";

/* Version 1 had no instance and reg-id (RFC 5626). */
static const char upgrade_1_sql[] =
  "ALTER TABLE bindings ADD COLUMN instance TEXT;"
  "ALTER TABLE bindings ADD COLUMN reg_id INTEGER;";

/* Version 2 had rowid tables: copied into WITHOUT ROWID ones. */
static const char upgrade_2_sql[] =
  "BEGIN;"
  "CREATE TABLE users_3 (aor TEXT PRIMARY KEY) WITHOUT ROWID;"
  "INSERT OR IGNORE INTO users_3 SELECT aor FROM users;"
  "DROP TABLE users;"
  "ALTER TABLE users_3 RENAME TO users;"
  "CREATE TABLE bindings_3 (" BINDINGS_COLUMNS ") WITHOUT ROWID;"
  "INSERT OR REPLACE INTO bindings_3 SELECT aor, contact, contact_key, source, call_id, cseq,"
  " expires, registered, q, user_agent, instance, reg_id FROM bindings;"
  "DROP TABLE bindings;"
  "ALTER TABLE bindings_3 RENAME TO bindings;"
  "PRAGMA user_version = 3;"
  "COMMIT;";

typedef enum {
  OP_PUT,
  OP_REMOVE,
  OP_USER,
  OP_STOP,
} OpKind;

typedef struct {
  OpKind      kind;
  UstBinding *binding;
  char       *aor;
  char       *contact;
} Op;

struct _UstBindingStore {
  char          *path;
  sqlite3       *db;
  GThread       *thread;
  GAsyncQueue   *queue;
  gint           queued;     /* atomic: ops pushed */
  gint           done;       /* atomic: ops committed (or given up) */
  GMutex         error_lock;
  char          *last_error;     /* while the file refuses */
  UstBindingStoreNotify notify;
  gpointer       notify_data;
  gboolean       read_only;      /* loading from a file it cannot write */
  gint           failing;        /* atomic: the file refuses */
  sqlite3_stmt  *statements[OP_STOP];  /* the writer's, prepared once */
};

static const char *const op_sql[OP_STOP] = {
  [OP_PUT] = "INSERT OR REPLACE INTO bindings (aor, contact, contact_key, source, call_id, "
             "cseq, expires, registered, q, user_agent, instance, reg_id) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
  [OP_REMOVE] = "DELETE FROM bindings WHERE aor = ?1 AND contact = ?2",
  [OP_USER] = "INSERT OR IGNORE INTO users (aor) VALUES (?1)",
};

static void
op_free (Op *op)
{
  g_clear_pointer (&op->binding, ust_binding_unref);
  g_free (op->aor);
  g_free (op->contact);
  g_free (op);
}

static void
push (UstBindingStore *self,
      Op              *op)
{
  g_atomic_int_inc (&self->queued);
  g_async_queue_push (self->queue, op);
}

static void
set_error (UstBindingStore *self,
           const char      *what)
{
  g_mutex_lock (&self->error_lock);
  g_free (self->last_error);
  self->last_error = g_strdup_printf (_("Cannot save registrations to %s: %s"), self->path, what);
  g_mutex_unlock (&self->error_lock);
}

static gboolean
apply (UstBindingStore *self,
       Op              *op)
{
  sqlite3_stmt *statement;
  int rc;

  /* Parsing SQL costs more than running it: prepare each statement once. */
  if (self->statements[op->kind] == NULL
      && sqlite3_prepare_v2 (self->db, op_sql[op->kind], -1, &self->statements[op->kind],
                             NULL) != SQLITE_OK)
    {
      set_error (self, sqlite3_errmsg (self->db));
      return FALSE;
    }
  statement = self->statements[op->kind];

  switch (op->kind)
    {
    case OP_PUT:
      sqlite3_bind_text (statement, 1, op->binding->aor, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 2, op->binding->contact_uri, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 3, op->binding->contact_key, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 4, op->binding->source_text, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 5, op->binding->call_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (statement, 6, op->binding->cseq);
      sqlite3_bind_int64 (statement, 7, op->binding->expires_at);
      sqlite3_bind_int64 (statement, 8, op->binding->registered_at);
      sqlite3_bind_double (statement, 9, op->binding->q);
      sqlite3_bind_text (statement, 10, op->binding->user_agent, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 11, op->binding->instance, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (statement, 12, op->binding->reg_id);
      break;
    case OP_REMOVE:
      sqlite3_bind_text (statement, 1, op->aor, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 2, op->contact, -1, SQLITE_STATIC);
      break;
    case OP_USER:
      sqlite3_bind_text (statement, 1, op->aor, -1, SQLITE_STATIC);
      break;
    default:
      g_assert_not_reached ();
    }

  rc = sqlite3_step (statement);
  sqlite3_reset (statement);
  sqlite3_clear_bindings (statement);
  if (rc != SQLITE_DONE)
    {
      set_error (self, sqlite3_errmsg (self->db));
      return FALSE;
    }
  return TRUE;
}

static gboolean prepare_schema (UstBindingStore *self);

/* Errors that concern the file or its disk (full, read-only, locked, not there to be
 * made): the changes wait and are tried again. Anything else (a damaged file, a newer
 * schema) stops the start, with the advice to move the file away. */
static gboolean
is_storage_error (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_AUTH:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Opens the file for writing (the start could not: a read-only or full disk). */
static gboolean
reopen (UstBindingStore *self)
{
  g_autofree char *directory = g_path_get_dirname (self->path);

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      set_error (self, g_strerror (errno));
      return FALSE;
    }
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) == SQLITE_OK
      && sqlite3_db_readonly (self->db, "main") == 0 && prepare_schema (self))
    return TRUE;
  set_error (self, self->db == NULL ? "out of memory"
                   : sqlite3_db_readonly (self->db, "main") == 1 ? sqlite3_errstr (SQLITE_READONLY)
                   : sqlite3_errmsg (self->db));
  sqlite3_close (self->db);
  self->db = NULL;
  return FALSE;
}

/* Writes @kept in one transaction. FALSE (rolled back, @kept untouched) when the file
 * refuses. */
static gboolean
commit_kept (UstBindingStore *self,
             sqlite3_stmt   **begin,
             sqlite3_stmt   **commit,
             GPtrArray       *kept)
{
  if (self->db == NULL && !reopen (self))
    return FALSE;
  if (*begin == NULL)
    {
      sqlite3_prepare_v2 (self->db, "BEGIN", -1, begin, NULL);
      sqlite3_prepare_v2 (self->db, "COMMIT", -1, commit, NULL);
    }
  sqlite3_reset (*begin);
  if (sqlite3_step (*begin) != SQLITE_DONE)
    {
      set_error (self, sqlite3_errmsg (self->db));
      return FALSE;
    }
  for (guint i = 0; i < kept->len; i++)
    if (!apply (self, g_ptr_array_index (kept, i)))
      goto rollback;
  sqlite3_reset (*commit);
  if (sqlite3_step (*commit) == SQLITE_DONE)
    return TRUE;
  set_error (self, sqlite3_errmsg (self->db));

rollback:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Tells the owner, once, that saving fails (the message set_error() made) or works
 * again. */
static void
tell (UstBindingStore *self,
      gboolean         failing)
{
  g_autofree char *message = NULL;

  g_mutex_lock (&self->error_lock);
  if (failing)
    message = g_strdup (self->last_error);
  else
    {
      g_clear_pointer (&self->last_error, g_free);
      message = g_strdup_printf (_("Registrations can be saved to %s again; the changes "
                                   "kept in memory are in it now."), self->path);
    }
  g_mutex_unlock (&self->error_lock);
  if (self->notify != NULL && message != NULL)
    self->notify (failing, message, self->notify_data);
}

/* Everything queued goes in one transaction: a burst of REGISTERs costs one
 * commit. While the file refuses (a full disk), the changes are kept and
 * tried again every second, so none is lost when the disk is back. */
static gpointer
writer_thread (gpointer user_data)
{
  UstBindingStore *self = user_data;
  sqlite3_stmt *begin = NULL, *commit = NULL;
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
  gboolean stop = FALSE;
  gboolean failing = self->db == NULL;

  /* Started without the file (read-only or full disk): said at once, and tried again
   * every second even with nothing to write, so the news that it works comes too. */
  if (failing)
    tell (self, TRUE);
  g_atomic_int_set (&self->failing, failing);
  while (!stop)
    {
      Op *op = kept->len > 0 || self->db == NULL
                 ? g_async_queue_timeout_pop (self->queue, RETRY_US)
                 : g_async_queue_pop (self->queue);

      /* A commit costs more than the rows it carries (the WAL frames, the
       * header): after a wake-up, let a burst of registrations gather, so a
       * busy exchange writes hundreds of rows per transaction. */
      if (op != NULL && op->kind != OP_STOP)
        g_usleep (GATHER_US);
      for (; op != NULL; op = g_async_queue_try_pop (self->queue))
        {
          if (op->kind == OP_STOP)
            {
              stop = TRUE;
              op_free (op);
              g_atomic_int_inc (&self->done);
            }
          else
            g_ptr_array_add (kept, op);
        }
      if (kept->len == 0 && (self->db != NULL || !reopen (self)))
        {
          if (failing && self->db != NULL)
            tell (self, FALSE);
          failing = failing && self->db == NULL;
          g_atomic_int_set (&self->failing, failing);
          continue;
        }

      if (commit_kept (self, &begin, &commit, kept))
        {
          g_atomic_int_add (&self->done, (gint) kept->len);
          g_ptr_array_set_size (kept, 0);
          if (failing)
            tell (self, FALSE);
          failing = FALSE;
          g_atomic_int_set (&self->failing, FALSE);
        }
      else
        {
          if (!failing)
            tell (self, TRUE);
          failing = TRUE;
          g_atomic_int_set (&self->failing, TRUE);
          if (kept->len > MAX_KEPT)
            {
              guint extra = kept->len - MAX_KEPT;

              g_ptr_array_remove_range (kept, 0, extra);
              g_atomic_int_add (&self->done, (gint) extra);
            }
        }
    }
  /* Stopping while the file refuses: flush() has said so; these are given up. */
  g_atomic_int_add (&self->done, (gint) kept->len);
  sqlite3_finalize (begin);
  sqlite3_finalize (commit);
  return NULL;
}

/* RFC 3261 §19.1.2: a sips: URI means TLS; else its transport parameter
 * says, and UDP is the default. (A binding made by a REGISTER takes the
 * transport the REGISTER came by; the file keeps only the Contact.) */
static UstProtocol
protocol_of_uri (const char *uri)
{
  g_autofree char *lower = g_ascii_strdown (uri != NULL ? uri : "", -1);
  const char *param = strstr (lower, ";transport=");
  UstProtocol protocol = UST_PROTOCOL_UDP;

  if (g_str_has_prefix (lower, "sips:"))
    return UST_PROTOCOL_TLS;
  if (param != NULL)
    {
      g_autofree char *value = g_strndup (param + 11, strcspn (param + 11, ";>?&"));

      ust_protocol_from_text (value, &protocol);
    }
  return protocol;
}

static UstBinding *
binding_from_row (sqlite3_stmt *row,
                  gint64        now)
{
  const char *source_text = (const char *) sqlite3_column_text (row, 3);
  g_autoptr(GInetSocketAddress) source = NULL;
  gint64 expires = sqlite3_column_int64 (row, 6);
  UstBinding *binding;

  if (expires <= now || source_text == NULL
      || !ust_address_text_parse (source_text, 5060, &source, NULL))
    return NULL;

  binding = ust_binding_new ((const char *) sqlite3_column_text (row, 0),
                             (const char *) sqlite3_column_text (row, 1),
                             (const char *) sqlite3_column_text (row, 2),
                             G_SOCKET_ADDRESS (source), source_text);
  binding->protocol = protocol_of_uri (binding->contact_uri);
  binding->call_id = g_strdup ((const char *) sqlite3_column_text (row, 4));
  binding->cseq = (guint32) sqlite3_column_int64 (row, 5);
  binding->expires_at = expires;
  binding->registered_at = sqlite3_column_int64 (row, 7);
  binding->q = sqlite3_column_double (row, 8);
  binding->user_agent = g_strdup ((const char *) sqlite3_column_text (row, 9));
  binding->instance = g_strdup ((const char *) sqlite3_column_text (row, 10));
  binding->reg_id = (guint) sqlite3_column_int64 (row, 11);
  return binding;
}

static gboolean
load (UstBindingStore *self,
      GPtrArray       *users,
      GPtrArray       *bindings)
{
  sqlite3_stmt *statement = NULL;
  gint64 now = g_get_real_time ();
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT aor FROM users", -1, &statement, NULL) != SQLITE_OK)
    return FALSE;
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (users, g_strdup ((const char *) sqlite3_column_text (statement, 0)));
  sqlite3_finalize (statement);
  if (rc != SQLITE_DONE)
    return FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT aor, contact, contact_key, source, call_id, cseq, expires, "
                          "registered, q, user_agent, instance, reg_id FROM bindings", -1,
                          &statement,
                          NULL) != SQLITE_OK)
    return FALSE;
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      UstBinding *binding = binding_from_row (statement, now);

      if (binding != NULL)
        g_ptr_array_add (bindings, binding);
    }
  sqlite3_finalize (statement);
  if (rc != SQLITE_DONE)
    return FALSE;

  /* Expired ones would only pile up. */
  if (!self->read_only)
    sqlite3_exec (self->db,
                  "DELETE FROM bindings WHERE expires <= strftime('%s','now') * 1000000",
                  NULL, NULL, NULL);
  return TRUE;
}

static gboolean
prepare_schema (UstBindingStore *self)
{
  sqlite3_stmt *statement = NULL;
  gint64 version = -1;

  sqlite3_busy_timeout (self->db, 2000);
  if (sqlite3_exec (self->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                    NULL) != SQLITE_OK)
    return FALSE;
  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &statement, NULL) != SQLITE_OK)
    return FALSE;
  if (sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);

  if (version > SCHEMA_VERSION)
    return FALSE;
  if (version == 1 && sqlite3_exec (self->db, upgrade_1_sql, NULL, NULL, NULL) != SQLITE_OK)
    return FALSE;
  if ((version == 1 || version == 2)
      && sqlite3_exec (self->db, upgrade_2_sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return sqlite3_exec (self->db, schema_sql, NULL, NULL, NULL) == SQLITE_OK
         && sqlite3_exec (self->db, "PRAGMA user_version = 3", NULL, NULL, NULL) == SQLITE_OK;
}

/* What a file the exchange cannot write still holds (a read-only disk): read as an
 * immutable file, so SQLite makes no -shm beside it. */
static void
load_read_only (UstBindingStore *self,
                GPtrArray       *users,
                GPtrArray       *bindings)
{
  g_autofree char *uri = NULL;
  g_autofree char *escaped = g_uri_escape_string (self->path, "/", FALSE);

  if (!g_file_test (self->path, G_FILE_TEST_IS_REGULAR))
    return;
  uri = g_strdup_printf ("file:%s?immutable=1", escaped);
  if (sqlite3_open_v2 (uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                       NULL) == SQLITE_OK)
    {
      /* Reading only: nothing expired is deleted. */
      self->read_only = TRUE;
      if (!load (self, users, bindings))
        g_debug ("Could not read the registrations in %s: %s", self->path,
                 sqlite3_errmsg (self->db));
    }
  sqlite3_close (self->db);
  self->db = NULL;
  self->read_only = FALSE;
}

/* Opens (or creates) the store and returns what it holds: the known user
 * names and the bindings that have not expired. @notify is called on the writer
 * thread, once when saving starts to fail (@failing; the message names the file and
 * why: also at once when the file cannot be written from the start) and once when it
 * works again. */
UstBindingStore *
ust_binding_store_open (const char             *path,
                        UstBindingStoreNotify   notify,
                        gpointer                user_data,
                        GPtrArray             **users,
                        GPtrArray             **bindings,
                        GError                **error)
{
  g_autofree char *directory = g_path_get_dirname (path);
  UstBindingStore *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (UstBindingStore, 1);
  self->path = g_strdup (path);
  self->notify = notify;
  self->notify_data = user_data;
  g_mutex_init (&self->error_lock);
  *users = g_ptr_array_new_with_free_func (g_free);
  *bindings = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_binding_unref);

  /* A folder that cannot be made or a file that cannot be written (a read-only or full
   * disk): the exchange starts all the same, with what the file holds if it can be read,
   * keeps the changes in memory and writes them when it can (the writer thread). */
  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      set_error (self, g_strerror (errno));
      goto without_file;
    }

  /* NOMUTEX, as the diary's writer: the opening thread, then only the writer
   * thread use the connection. */
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK
      || sqlite3_db_readonly (self->db, "main") == 1
      || !prepare_schema (self))
    {
      int rc = self->db == NULL ? SQLITE_NOMEM
               : sqlite3_db_readonly (self->db, "main") == 1 ? SQLITE_READONLY
               : sqlite3_errcode (self->db);

      if (is_storage_error (rc))
        {
          set_error (self, rc == SQLITE_READONLY ? sqlite3_errstr (rc)
                                                 : sqlite3_errmsg (self->db));
          sqlite3_close (self->db);
          self->db = NULL;
          goto without_file;
        }
    }
  if (self->db == NULL || !load (self, *users, *bindings))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Cannot read the saved registrations in %s: %s. Move the file away to "
                     "start with no registrations."), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      sqlite3_close (self->db);
      g_mutex_clear (&self->error_lock);
      g_free (self->path);
      g_free (self);
      g_clear_pointer (users, g_ptr_array_unref);
      g_clear_pointer (bindings, g_ptr_array_unref);
      return NULL;
    }

  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("ustredna-registrations", writer_thread, self);
  return self;

without_file:
  load_read_only (self, *users, *bindings);
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("ustredna-registrations", writer_thread, self);
  return self;
}

void
ust_binding_store_put (UstBindingStore *self,
                       UstBinding      *binding)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_PUT;
  op->binding = ust_binding_ref (binding);
  push (self, op);
}

void
ust_binding_store_remove (UstBindingStore *self,
                          const char      *aor,
                          const char      *contact_uri)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_REMOVE;
  op->aor = g_strdup (aor);
  op->contact = g_strdup (contact_uri);
  push (self, op);
}

void
ust_binding_store_add_user (UstBindingStore *self,
                            const char      *aor)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_USER;
  op->aor = g_strdup (aor);
  push (self, op);
}

/* Waits (bounded) until everything queued is committed. */
gboolean
ust_binding_store_flush (UstBindingStore  *self,
                         guint             timeout_ms,
                         GError          **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* A file that refuses gets one more try, not the whole time (a stop would hang). */
  if (g_atomic_int_get (&self->failing))
    deadline = MIN (deadline, g_get_monotonic_time () + RETRY_US + G_USEC_PER_SEC / 2);

  while (g_atomic_int_get (&self->done) < g_atomic_int_get (&self->queued))
    {
      if (g_get_monotonic_time () > deadline)
        {
          /* The file's own trouble says more than "in time". */
          g_mutex_lock (&self->error_lock);
          if (self->last_error != NULL)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, self->last_error);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("Registrations were not all saved to %s in time"), self->path);
          g_mutex_unlock (&self->error_lock);
          return FALSE;
        }
      g_usleep (1000);
    }

  g_mutex_lock (&self->error_lock);
  if (self->last_error != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, self->last_error);
      g_clear_pointer (&self->last_error, g_free);
      g_mutex_unlock (&self->error_lock);
      return FALSE;
    }
  g_mutex_unlock (&self->error_lock);
  return TRUE;
}

void
ust_binding_store_close (UstBindingStore *self)
{
  Op *stop;

  if (self == NULL)
    return;
  stop = g_new0 (Op, 1);
  stop->kind = OP_STOP;
  push (self, stop);
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  for (guint i = 0; i < G_N_ELEMENTS (self->statements); i++)
    sqlite3_finalize (self->statements[i]);
  sqlite3_close (self->db);
  g_mutex_clear (&self->error_lock);
  g_free (self->last_error);
  g_free (self->path);
  g_free (self);
}
