/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A search of the call diary: the calls whose caller, callee, caller's name
 * or Call-ID contain a text, ignoring case, or whose outcome does. What
 * matches is decided here, in C, for every row (ust_call_search_matches);
 * calls.db's trigram index (ust-call-index.c) only finds the rows worth
 * looking at, so a search of millions of calls reads a few thousand rows.
 * A search never changes once made, so a worker thread can run it while the
 * window holds it (UstCallModel). */

#include <gio/gio.h>

#include "ust-call-record.h"

G_BEGIN_DECLS

/* A matching row: where it goes in diary order, and which it is. */
typedef struct {
  gint64 start_time;
  gint64 id;
} UstCallHit;

#define UST_TYPE_CALL_SEARCH (ust_call_search_get_type ())
G_DECLARE_FINAL_TYPE (UstCallSearch, ust_call_search, UST, CALL_SEARCH, GObject)

UstCallSearch *ust_call_search_new           (const char          *text,
                                              guint                extra_states);
const char    *ust_call_search_get_text      (UstCallSearch       *self);
guint          ust_call_search_get_states    (UstCallSearch       *self);
gboolean       ust_call_search_matches       (UstCallSearch       *self,
                                              const UstCallData   *data);
gboolean       ust_call_search_text_contains (const char          *haystack,
                                              const char          *text);

/* Reading calls.db, for the diary part's own connections (the store's
 * reader, a model's worker thread). */
struct sqlite3;

gboolean       ust_call_search_scan          (UstCallSearch       *self,
                                              struct sqlite3      *db,
                                              gint64               after_id,
                                              gint64               up_to_id,
                                              GArray              *hits,
                                              guint               *n_rows,
                                              GCancellable        *cancellable,
                                              GError             **error);
GArray        *ust_call_search_run           (UstCallSearch       *self,
                                              const char          *path,
                                              gint64               up_to_id,
                                              GCancellable        *cancellable,
                                              GError             **error);
gint           ust_call_hit_compare          (gconstpointer        a,
                                              gconstpointer        b);

G_END_DECLS
