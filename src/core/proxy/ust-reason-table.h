/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Custom reason phrases ("200 POHODKA", "486 Obsadené"), per status code. */

#include <glib-object.h>

G_BEGIN_DECLS

#define UST_TYPE_REASON_TABLE (ust_reason_table_get_type ())
G_DECLARE_FINAL_TYPE (UstReasonTable, ust_reason_table, UST, REASON_TABLE, GObject)

UstReasonTable *ust_reason_table_new             (void);
const char     *ust_reason_table_lookup          (UstReasonTable  *self,
                                                  guint            code);
const char     *ust_reason_table_phrase          (UstReasonTable  *self,
                                                  guint            code,
                                                  const char      *fallback);
gboolean        ust_reason_table_set             (UstReasonTable  *self,
                                                  guint            code,
                                                  const char      *phrase,
                                                  GError         **error);
gboolean        ust_reason_table_parse_assignment (UstReasonTable *self,
                                                  const char      *assignment,
                                                  GError         **error);
gboolean        ust_reason_table_get_relay       (UstReasonTable  *self);
void            ust_reason_table_set_relay       (UstReasonTable  *self,
                                                  gboolean         relay);
gboolean        ust_reason_table_load            (UstReasonTable  *self,
                                                  const char      *path,
                                                  GError         **error);
gboolean        ust_reason_table_save            (UstReasonTable  *self,
                                                  const char      *path,
                                                  GError         **error);
char           *ust_reason_table_default_path    (void);

G_END_DECLS
