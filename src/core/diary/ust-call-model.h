/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The call diary as a GListModel of UstCallRecord, newest first. It reads
 * pages from the store when asked and keeps only a few, so a diary of a
 * million calls costs a count and the pages in view. With a search it shows
 * only the calls the search finds (run in SQLite on a worker thread, a
 * list of row ids), still a page at a time. */

#include <gio/gio.h>

#include "ust-call-search.h"
#include "ust-call-store.h"

G_BEGIN_DECLS

#define UST_TYPE_CALL_MODEL (ust_call_model_get_type ())
G_DECLARE_FINAL_TYPE (UstCallModel, ust_call_model, UST, CALL_MODEL, GObject)

UstCallModel *ust_call_model_new                  (UstCallStore *store);
UstCallStore *ust_call_model_get_store            (UstCallModel *self);
void          ust_call_model_refresh              (UstCallModel *self);
void          ust_call_model_set_refresh_interval (UstCallModel *self,
                                                   guint         interval_ms);
guint         ust_call_model_get_refresh_interval (UstCallModel *self);
void          ust_call_model_set_search           (UstCallModel  *self,
                                                   UstCallSearch *search);
UstCallSearch *ust_call_model_get_search          (UstCallModel *self);
gboolean      ust_call_model_get_searching        (UstCallModel *self);
guint         ust_call_model_get_n_calls          (UstCallModel *self);

/* For tests: how many pages are held right now. */
guint         ust_call_model_get_n_cached_pages   (UstCallModel *self);

G_END_DECLS
