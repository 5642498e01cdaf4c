/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The call diary on disk: an SQLite database (calls.db) and a plain text
 * diary beside it (calls.txt). Saving never blocks: the data is copied to a
 * queue and a writer thread commits it. Reading happens on the thread that
 * created the store, through a second, read-only connection; so a window
 * creates the store on its own thread and lets the exchange's thread save
 * into it. */

#include <gio/gio.h>

#include "ust-call-record.h"
#include "ust-call-search.h"

G_BEGIN_DECLS

/* One line of a call's history ("INVITE from 10.0.0.5:5062"). */
typedef struct {
  gint64  time_us;   /* wall-clock microseconds */
  char   *kind;
  char   *detail;
} UstCallEvent;

void ust_call_event_free (UstCallEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCallEvent, ust_call_event_free)

#define UST_TYPE_CALL_STORE (ust_call_store_get_type ())
G_DECLARE_FINAL_TYPE (UstCallStore, ust_call_store, UST, CALL_STORE, GObject)

UstCallStore *ust_call_store_new                (const char         *path);
const char   *ust_call_store_get_path           (UstCallStore       *self);
const char   *ust_call_store_get_text_path      (UstCallStore       *self);
guint         ust_call_store_get_retry_interval (UstCallStore       *self);
void          ust_call_store_set_retry_interval (UstCallStore       *self,
                                                 guint               retry_ms);

gboolean      ust_call_store_open               (UstCallStore       *self,
                                                 GError            **error);
void          ust_call_store_close              (UstCallStore       *self);
gboolean      ust_call_store_flush              (UstCallStore       *self,
                                                 guint               timeout_ms);

/* Writing: never blocks, callable from any thread. */
void          ust_call_store_save_call          (UstCallStore       *self,
                                                 const UstCallData  *data);
void          ust_call_store_add_event          (UstCallStore       *self,
                                                 const UstCallData  *call,
                                                 gint64              time_us,
                                                 const char         *kind,
                                                 const char         *detail,
                                                 const char         *text_line);
void          ust_call_store_save_step          (UstCallStore       *self,
                                                 const UstCallData  *call,
                                                 gint64              time_us,
                                                 const char         *kind,
                                                 const char         *detail,
                                                 const char         *text_line);
void          ust_call_store_clear              (UstCallStore       *self);
void          ust_call_store_begin_batch        (UstCallStore       *self);
void          ust_call_store_end_batch          (UstCallStore       *self);

/* Reading: on the thread that created the store, which sees the diary as of
 * the last "calls-changed" (or successful flush), so what it reads in between
 * fits together. */
guint         ust_call_store_count              (UstCallStore       *self);
GPtrArray    *ust_call_store_fetch              (UstCallStore       *self,
                                                 guint               position,
                                                 guint               n,
                                                 GError            **error);
GPtrArray    *ust_call_store_fetch_events       (UstCallStore       *self,
                                                 const char         *call_id,
                                                 gint64              start_time,
                                                 GError            **error);

/* What UstCallModel needs to follow changes without reloading, and to
 * show the calls a search found (ust-call-search.h). */
gboolean      ust_call_store_get_marks          (UstCallStore       *self,
                                                 gint64             *last_seq,
                                                 gint64             *last_id,
                                                 GError            **error);
GPtrArray    *ust_call_store_fetch_changed      (UstCallStore       *self,
                                                 gint64              after_seq,
                                                 guint               limit,
                                                 gint64             *last_seq,
                                                 GError            **error);
guint         ust_call_store_position_of        (UstCallStore       *self,
                                                 gint64              start_time,
                                                 gint64              id);
GPtrArray    *ust_call_store_fetch_ids          (UstCallStore       *self,
                                                 const gint64       *ids,
                                                 guint               n,
                                                 GError            **error);
gboolean      ust_call_store_search             (UstCallStore       *self,
                                                 UstCallSearch      *search,
                                                 gint64              after_id,
                                                 GArray             *hits,
                                                 guint              *n_rows,
                                                 GError            **error);

/* The diary file as CSV, through a read-only connection of its own: it
 * needs no store and works beside a running exchange (ust-csv-export.c). */
gboolean      ust_call_store_export_csv         (const char         *db_path,
                                                 const char         *csv_path,
                                                 gint64              since_us,
                                                 gint64              until_us,
                                                 gboolean            excel,
                                                 GError            **error);

G_END_DECLS
