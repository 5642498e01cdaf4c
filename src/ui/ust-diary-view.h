/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The "Call Diary" tab: every call the store kept, newest first, searchable,
 * sortable while it is small, with the columns of the column table (the
 * CSV's) and a window with everything about a call on a double-click. It
 * follows the store quickly while it shows and slowly behind another tab,
 * and writes the diary as CSV on a worker thread.
 *
 * Its Export and Clear buttons activate the window's win.export and
 * win.clear-diary, which the window enables. The column view, the count,
 * the search entry and the Excel check are internal children ("diary_view",
 * "diary_count", "search_entry", "excel_check"), so a template that embeds
 * the view can name them. */

#include <gtk/gtk.h>

#include "ust-call-store.h"
#include "ust-settings.h"

G_BEGIN_DECLS

#define UST_TYPE_DIARY_VIEW (ust_diary_view_get_type ())
G_DECLARE_FINAL_TYPE (UstDiaryView, ust_diary_view, UST, DIARY_VIEW, GtkWidget)

UstCallStore *ust_diary_view_get_store     (UstDiaryView        *self);
void          ust_diary_view_set_store     (UstDiaryView        *self,
                                            UstCallStore        *store);
/* The "For Excel" check button shows and sets the settings' CSV flavour. */
UstSettings  *ust_diary_view_get_settings  (UstDiaryView        *self);
void          ust_diary_view_set_settings  (UstDiaryView        *self,
                                            UstSettings         *settings);
/* How many calls the diary holds, whatever the search shows. */
guint         ust_diary_view_get_n_calls   (UstDiaryView        *self);
void          ust_diary_view_focus_search  (UstDiaryView        *self);

/* Writes the whole diary to @path, oldest call first, on a worker thread. */
void          ust_diary_view_export_async  (UstDiaryView        *self,
                                            const char          *path,
                                            gboolean             excel,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* A sentence for the person saying where the diary went, or NULL and
 * @error. */
char         *ust_diary_view_export_finish (UstDiaryView        *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
