/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* calls.db as a file, for every connection to it (the writer thread's in
 * ust-diary-writer.c, the store's reader and the CSV export's): its schema
 * and the migrations that bring an older file up to date, the calls table's
 * columns mapped to a UstCallData and back (here only, so all connections
 * agree on them), and the messages for what can go wrong with the file.
 * Private to the diary part. */

#include <gio/gio.h>
#include <sqlite3.h>

#include "ust-call-record.h"

G_BEGIN_DECLS

/* How long a connection waits for another's lock before giving up. */
#define UST_CALL_DB_BUSY_TIMEOUT_MS 2000

/* The UstCallData fields in the order ust_call_db_bind_call() and
 * ust_call_db_read_call() use: the columns of the calls table (see the
 * migrations in ust-call-db.c). */
#define UST_CALL_DB_FIELDS \
  "call_id, caller, caller_name, callee, caller_addr, callee_addr, start_time, ring_time, " \
  "answer_time, end_time, state, final_code, final_reason, orig_reason, ended_by, video, " \
  "video_now, on_hold, transfer_to, transfer_result, related_call_id, caller_ua, callee_ua"
#define UST_CALL_DB_N_FIELDS 23
#define UST_CALL_DB_PARAMS \
  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, " \
  "?20, ?21, ?22, ?23"

int      ust_call_db_migrate           (sqlite3            *db,
                                        const char         *path,
                                        GError            **error);

void     ust_call_db_bind_text         (sqlite3_stmt       *stmt,
                                        int                 index,
                                        const char         *text);
void     ust_call_db_bind_call         (sqlite3_stmt       *stmt,
                                        const UstCallData  *data);
void     ust_call_db_read_call         (sqlite3_stmt       *stmt,
                                        int                 first,
                                        UstCallData        *data);

gboolean ust_call_db_is_storage_error  (int                 rc);
void     ust_call_db_set_storage_error (GError            **error,
                                        const char         *path,
                                        int                 rc,
                                        const char         *detail);
void     ust_call_db_set_read_error    (GError            **error,
                                        const char         *path,
                                        sqlite3            *db,
                                        int                 rc);

G_END_DECLS
