/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include "ust-call-index.h"

/* The writer's statements, prepared once. */
struct _UstCallIndex {
  sqlite3      *db;       /* not owned */
  sqlite3_stmt *marks;
  sqlite3_stmt *insert;
  sqlite3_stmt *advance;
};

/* The newest row and the index's mark: two lookups, no scan. */
static const char marks_sql[] =
  "SELECT (SELECT IFNULL(MAX(id), 0) FROM calls), "
  "(SELECT indexed_up_to FROM calls_search_mark)";

static const char insert_sql[] =
  "INSERT INTO calls_search (rowid, caller, callee, caller_name, call_id) "
  "SELECT id, caller, callee, caller_name, call_id FROM calls WHERE id > ?1 AND id <= ?2";

static const char advance_sql[] = "UPDATE calls_search_mark SET indexed_up_to = ?1";

/* Every statement has all its parameters bound before each step. */
static int
step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int
read_marks (UstCallIndex *self,
            gint64       *newest,
            gint64       *indexed)
{
  int rc = sqlite3_step (self->marks);

  if (rc == SQLITE_ROW)
    {
      *newest = sqlite3_column_int64 (self->marks, 0);
      *indexed = sqlite3_column_int64 (self->marks, 1);
      rc = SQLITE_OK;
    }
  sqlite3_reset (self->marks);
  return rc;
}

/* For the writer's connection @db, which must have the current schema and
 * outlive the index. NULL with @rc set when a statement cannot be made. */
UstCallIndex *
ust_call_index_new (sqlite3 *db,
                    int     *rc)
{
  g_autoptr (UstCallIndex) self = g_new0 (UstCallIndex, 1);
  unsigned int flags = SQLITE_PREPARE_PERSISTENT;

  g_return_val_if_fail (db != NULL && rc != NULL, NULL);

  self->db = db;
  if ((*rc = sqlite3_prepare_v3 (db, marks_sql, -1, flags, &self->marks, NULL)) != SQLITE_OK
      || (*rc = sqlite3_prepare_v3 (db, insert_sql, -1, flags, &self->insert, NULL)) != SQLITE_OK
      || (*rc = sqlite3_prepare_v3 (db, advance_sql, -1, flags, &self->advance, NULL))
           != SQLITE_OK)
    return NULL;
  return g_steal_pointer (&self);
}

void
ust_call_index_free (UstCallIndex *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->marks);
  sqlite3_finalize (self->insert);
  sqlite3_finalize (self->advance);
  g_free (self);
}

/* How many rows (by id) the index lags behind the table. */
int
ust_call_index_behind (UstCallIndex *self,
                       gint64       *behind)
{
  gint64 newest = 0, indexed = 0;
  int rc;

  g_return_val_if_fail (self != NULL && behind != NULL, SQLITE_MISUSE);

  rc = read_marks (self, &newest, &indexed);
  *behind = rc == SQLITE_OK ? MAX (newest - indexed, 0) : 0;
  return rc;
}

/* Indexes up to @limit rows above the mark, oldest first, and moves the
 * mark past them, in the caller's transaction (so the index and its mark
 * always agree). Row ids only grow (a clear resets both), so "above the
 * mark" is exactly what is not indexed yet. */
int
ust_call_index_step (UstCallIndex *self,
                     guint         limit)
{
  gint64 newest = 0, indexed = 0, upto;
  int rc;

  g_return_val_if_fail (self != NULL, SQLITE_MISUSE);

  rc = read_marks (self, &newest, &indexed);
  if (rc != SQLITE_OK || newest <= indexed || limit == 0)
    return rc;
  upto = MIN (newest, indexed + (gint64) limit);

  sqlite3_bind_int64 (self->insert, 1, indexed);
  sqlite3_bind_int64 (self->insert, 2, upto);
  rc = step_done (self->insert);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64 (self->advance, 1, upto);
  return step_done (self->advance);
}

/* Empties the index with the table (a clear of the diary): FTS5's
 * delete-all drops its segments at once instead of un-indexing row by row. */
int
ust_call_index_clear (UstCallIndex *self)
{
  g_return_val_if_fail (self != NULL, SQLITE_MISUSE);

  return sqlite3_exec (self->db,
                       "INSERT INTO calls_search (calls_search) VALUES ('delete-all');"
                       "UPDATE calls_search_mark SET indexed_up_to = 0;",
                       NULL, NULL, NULL);
}
