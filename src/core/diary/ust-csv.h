/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The call diary as CSV (RFC 4180): a header row of the column names from
 * ust-call-columns.h, then one row per call, CRLF line ends. The Excel
 * variant starts with a UTF-8 byte order mark and separates cells with ';',
 * which is what Excel expects in locales whose decimal mark is a comma. */

#include <gio/gio.h>

#include "ust-call-record.h"

G_BEGIN_DECLS

typedef struct _UstCsvWriter UstCsvWriter;

UstCsvWriter *ust_csv_writer_new           (GOutputStream      *stream,
                                            gboolean            excel);
gboolean      ust_csv_writer_write_header  (UstCsvWriter       *self,
                                            GCancellable       *cancellable,
                                            GError            **error);
gboolean      ust_csv_writer_write_call    (UstCsvWriter       *self,
                                            const UstCallData  *data,
                                            GCancellable       *cancellable,
                                            GError            **error);
gboolean      ust_csv_writer_finish        (UstCsvWriter       *self,
                                            GCancellable       *cancellable,
                                            GError            **error);
void          ust_csv_writer_free          (UstCsvWriter       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCsvWriter, ust_csv_writer_free)

void          ust_csv_append_cell          (GString            *line,
                                            const char         *text,
                                            char                separator,
                                            gboolean            guard_formula);

gboolean      ust_csv_write_calls          (GOutputStream      *stream,
                                            const UstCallData *const *calls,
                                            guint               n_calls,
                                            gboolean            excel,
                                            GCancellable       *cancellable,
                                            GError            **error);
gboolean      ust_csv_write_file           (const char         *path,
                                            const UstCallData *const *calls,
                                            guint               n_calls,
                                            gboolean            excel,
                                            GError            **error);

GOutputStream *ust_csv_create_file         (const char         *path,
                                            GError            **error);
gboolean      ust_csv_close_file           (GOutputStream      *stream,
                                            const char         *path,
                                            gboolean            keep,
                                            GError            **error);

G_END_DECLS
