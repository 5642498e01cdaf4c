/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The search index of calls.db (calls_search, migration 4 in ust-call-db.c)
 * as its one writer keeps it: the writer thread of ust-diary-writer.c, on its
 * own connection and inside its own transactions. The index covers the rows
 * up to a mark; a step indexes the rows above it, up to a limit, as one
 * INSERT … SELECT. Steps, not a trigger per row: FTS5 writes its pending
 * rows out at the end of each statement, and a trigger makes every
 * statement on the table keep a statement journal; indexing the writer's
 * upserts one by one cost ~30 µs a call, a step of a few hundred rows
 * ~5 µs a row. A row's indexed texts never change (the writer's upsert
 * keeps them), so a row once indexed stays right.
 * The search (ust-call-search.c) reads the rows above the mark from the
 * table itself. Private to the diary part. */

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _UstCallIndex UstCallIndex;

UstCallIndex *ust_call_index_new    (sqlite3       *db,
                                     int           *rc);
void          ust_call_index_free   (UstCallIndex  *self);
int           ust_call_index_behind (UstCallIndex  *self,
                                     gint64        *behind);
int           ust_call_index_step   (UstCallIndex  *self,
                                     guint          limit);
int           ust_call_index_clear  (UstCallIndex  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCallIndex, ust_call_index_free)

G_END_DECLS
