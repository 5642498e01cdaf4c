/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-call-db.h"

/* Each entry brings the schema from version i to i + 1 (PRAGMA user_version).
 * Append a step to change the schema; never edit one that has shipped, since
 * databases out there have already run it. */
static const char *const migrations[] = {
  /* 1: the calls, and the events of each call. */
  "CREATE TABLE calls ("
  "  id              INTEGER PRIMARY KEY,"
  "  call_id         TEXT NOT NULL,"
  "  caller          TEXT,"
  "  caller_name     TEXT,"
  "  callee          TEXT,"
  "  caller_addr     TEXT,"
  "  callee_addr     TEXT,"
  "  start_time      INTEGER NOT NULL DEFAULT 0,"
  "  ring_time       INTEGER NOT NULL DEFAULT 0,"
  "  answer_time     INTEGER NOT NULL DEFAULT 0,"
  "  end_time        INTEGER NOT NULL DEFAULT 0,"
  "  state           TEXT NOT NULL DEFAULT 'setup',"
  "  final_code      INTEGER NOT NULL DEFAULT 0,"
  "  final_reason    TEXT,"
  "  orig_reason     TEXT,"
  "  ended_by        TEXT NOT NULL DEFAULT '',"
  "  video           INTEGER NOT NULL DEFAULT 0,"
  "  video_now       INTEGER NOT NULL DEFAULT 0,"
  "  on_hold         INTEGER NOT NULL DEFAULT 0,"
  "  transfer_to     TEXT,"
  "  transfer_result TEXT,"
  "  related_call_id TEXT,"
  "  caller_ua       TEXT,"
  "  callee_ua       TEXT,"
  "  UNIQUE (call_id, start_time)"
  ");"
  "CREATE TABLE events ("
  "  id     INTEGER PRIMARY KEY,"
  "  call   INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
  "  time   INTEGER NOT NULL,"
  "  kind   TEXT NOT NULL,"
  "  detail TEXT"
  ");"
  "CREATE INDEX events_by_call ON events (call, time);",

  /* 2: the diary order (newest first; the index ends in the rowid, which
   * breaks ties), and a change counter so the window can update the rows
   * that changed instead of reloading. (A trigger-kept row count was tried:
   * it makes every INSERT keep a statement journal, ~10 µs a row.) */
  "ALTER TABLE calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
  "UPDATE calls SET seq = id;"
  "CREATE INDEX calls_by_start ON calls (start_time);"
  "CREATE INDEX calls_by_seq ON calls (seq);",

  /* 3: the number of the last journal record (ust-diary-journal.c) whose step is in the
   * file, written in the same transaction as the step: after a crash, the records above
   * it are written again, and none twice. */
  "CREATE TABLE journal (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);"
  "INSERT INTO journal VALUES (0, 0);",

  /* 4: the search index (ust-call-index.c writes it, ust-call-search.c reads
   * it): every three characters of the texts the diary's search looks in,
   * FTS5's trigram tokenizer (SQLite 3.34), so a search finds its candidate
   * rows without reading the table. It holds no copy of the texts
   * (content=calls) and only row ids (detail=none: a quarter of the size;
   * the search checks each candidate row itself), no sizes of its texts
   * (columnsize=0: they serve ranking, which a search of the diary does not
   * do), and merges its segments 16 at a time instead of 4 (writing a row
   * costs ~4 µs instead of ~5.7; a search reads a few more segments, ms). It
   * covers the rows up to
   * calls_search_mark.indexed_up_to: the writer adds newer rows in steps and
   * builds it for an older diary in the background, so this step costs
   * nothing however big the diary is. No triggers: the texts it holds are
   * set when a row is made and never change (the writer's upsert keeps
   * them), rows leave the table only through a clear, which empties the
   * index itself, and any trigger on calls would make every statement of
   * the writer keep a statement journal (~25 µs a call). */
  "CREATE VIRTUAL TABLE calls_search USING fts5 ("
  "  caller, callee, caller_name, call_id,"
  "  content = 'calls', content_rowid = 'id', tokenize = 'trigram', detail = 'none',"
  "  columnsize = 0"
  ");"
  "INSERT INTO calls_search (calls_search, rank) VALUES ('automerge', 16);"
  "CREATE TABLE calls_search_mark (indexed_up_to INTEGER NOT NULL);"
  "INSERT INTO calls_search_mark VALUES (0);",
};

#define SCHEMA_VERSION ((int) G_N_ELEMENTS (migrations))

/* Brings the schema to SCHEMA_VERSION in one transaction: a migration that
 * fails half way leaves the file as it was. */
int
ust_call_db_migrate (sqlite3     *db,
                     const char  *path,
                     GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  int rc;

  /* Another program holding the write lock (past the busy timeout) fails here. */
  rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      ust_call_db_set_storage_error (error, path, rc, sqlite3_errmsg (db));
      return rc;
    }

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      version = sqlite3_column_int (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    goto failed;

  if (version > SCHEMA_VERSION)
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The call diary “%s” was written by a newer version of Ústredňa "
                     "(schema %d; this version knows up to %d). Use the newer version, or "
                     "move the file aside to start a new diary. Calls are kept in memory "
                     "meanwhile."), path, version, SCHEMA_VERSION);
      return SQLITE_ERROR;
    }

  for (int v = version; v < SCHEMA_VERSION; v++)
    {
      g_debug ("Migrating %s from schema %d to %d", path, v, v + 1);
      rc = sqlite3_exec (db, migrations[v], NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        goto failed;
    }
  if (version < SCHEMA_VERSION)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", SCHEMA_VERSION);

      rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        goto failed;
    }

  rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    return SQLITE_OK;

failed:
  ust_call_db_set_storage_error (error, path, rc, sqlite3_errmsg (db));
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

void
ust_call_db_bind_text (sqlite3_stmt *stmt,
                       int           index,
                       const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/* Binds ?1 … ?23 in UST_CALL_DB_FIELDS order. The texts are not copied: the
 * caller keeps @data alive until the statement is reset. */
void
ust_call_db_bind_call (sqlite3_stmt      *stmt,
                       const UstCallData *data)
{
  ust_call_db_bind_text (stmt, 1, data->call_id);
  ust_call_db_bind_text (stmt, 2, data->caller);
  ust_call_db_bind_text (stmt, 3, data->caller_name);
  ust_call_db_bind_text (stmt, 4, data->callee);
  ust_call_db_bind_text (stmt, 5, data->caller_addr);
  ust_call_db_bind_text (stmt, 6, data->callee_addr);
  sqlite3_bind_int64 (stmt, 7, data->start_time);
  sqlite3_bind_int64 (stmt, 8, data->ring_time);
  sqlite3_bind_int64 (stmt, 9, data->answer_time);
  sqlite3_bind_int64 (stmt, 10, data->end_time);
  ust_call_db_bind_text (stmt, 11, ust_call_state_to_string (data->state));
  sqlite3_bind_int64 (stmt, 12, data->final_code);
  ust_call_db_bind_text (stmt, 13, data->final_reason);
  ust_call_db_bind_text (stmt, 14, data->orig_reason);
  ust_call_db_bind_text (stmt, 15, ust_ended_by_to_string (data->ended_by));
  sqlite3_bind_int (stmt, 16, data->video ? 1 : 0);
  sqlite3_bind_int (stmt, 17, data->video_now ? 1 : 0);
  sqlite3_bind_int (stmt, 18, data->on_hold ? 1 : 0);
  ust_call_db_bind_text (stmt, 19, data->transfer_to);
  ust_call_db_bind_text (stmt, 20, data->transfer_result);
  ust_call_db_bind_text (stmt, 21, data->related_call_id);
  ust_call_db_bind_text (stmt, 22, data->caller_ua);
  ust_call_db_bind_text (stmt, 23, data->callee_ua);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Reads "id, UST_CALL_DB_FIELDS" starting at column @first. */
void
ust_call_db_read_call (sqlite3_stmt *stmt,
                       int           first,
                       UstCallData  *data)
{
  int c = first;

  memset (data, 0, sizeof *data);
  data->id = sqlite3_column_int64 (stmt, c++);
  data->call_id = column_strdup (stmt, c++);
  data->caller = column_strdup (stmt, c++);
  data->caller_name = column_strdup (stmt, c++);
  data->callee = column_strdup (stmt, c++);
  data->caller_addr = column_strdup (stmt, c++);
  data->callee_addr = column_strdup (stmt, c++);
  data->start_time = sqlite3_column_int64 (stmt, c++);
  data->ring_time = sqlite3_column_int64 (stmt, c++);
  data->answer_time = sqlite3_column_int64 (stmt, c++);
  data->end_time = sqlite3_column_int64 (stmt, c++);
  /* A state this version does not know (written by a newer one) still
   * shows as an outcome rather than as a call in progress. */
  if (!ust_call_state_from_string ((const char *) sqlite3_column_text (stmt, c++), &data->state))
    data->state = UST_CALL_FAILED;
  data->final_code = (guint) sqlite3_column_int64 (stmt, c++);
  data->final_reason = column_strdup (stmt, c++);
  data->orig_reason = column_strdup (stmt, c++);
  data->ended_by = ust_ended_by_from_string ((const char *) sqlite3_column_text (stmt, c++));
  data->video = sqlite3_column_int (stmt, c++) != 0;
  data->video_now = sqlite3_column_int (stmt, c++) != 0;
  data->on_hold = sqlite3_column_int (stmt, c++) != 0;
  data->transfer_to = column_strdup (stmt, c++);
  data->transfer_result = column_strdup (stmt, c++);
  data->related_call_id = column_strdup (stmt, c++);
  data->caller_ua = column_strdup (stmt, c++);
  data->callee_ua = column_strdup (stmt, c++);
  g_assert (c == first + 1 + UST_CALL_DB_N_FIELDS);
}

/* Errors that concern the file as a whole (locked, read-only, damaged, full):
 * the batch is kept and tried again later. Anything else is about one row,
 * which is dropped so it cannot hold the rest back forever. */
gboolean
ust_call_db_is_storage_error (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return FALSE;
    default:
      return TRUE;
    }
}

/* One message per kind of trouble, naming the file and what to do about it. */
void
ust_call_db_set_storage_error (GError     **error,
                               const char  *path,
                               int          rc,
                               const char  *detail)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("The call diary “%s” is locked by another program (another Ústredňa "
                     "using the same data folder?). Calls are kept in memory and written "
                     "as soon as it is free."), path);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                   _("The call diary “%s” is read-only. Check the permissions of the file "
                     "and its folder; calls are kept in memory until it can be written."),
                   path);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The call diary “%s” is damaged or is not a call diary. Move it aside "
                     "(rename it) and a new diary will be started; calls are kept in "
                     "memory until then."), path);
      break;
    case SQLITE_FULL:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("The disk holding the call diary “%s” is full. Free some space; calls "
                     "are kept in memory until then."), path);
      break;
    case SQLITE_CANTOPEN:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The call diary “%s” cannot be opened (%s). Check that its folder "
                     "exists and can be written; calls are kept in memory until then."),
                   path, detail);
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The call diary “%s” cannot be written (%s). Calls are kept in memory "
                     "and written when it becomes possible."), path, detail);
      break;
    }
}

/* A read that failed, naming the file; @db may be NULL when it did not open. */
void
ust_call_db_set_read_error (GError     **error,
                            const char  *path,
                            sqlite3     *db,
                            int          rc)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot read the call diary “%s”: %s"),
               path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}
