/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A report bundle for a lab report: a folder a student hands in or opens in
 * a browser. Per call the ladder as SVG and PNG, the capture of just that
 * call, and a caption in the language of the messages catalogue; for all of
 * them the findings (text and JSON), the calls as CSV, the exchange's diary
 * rows as CSV when there is a diary, and an index.html that ties them
 * together. The window ("Export for Report…") and `ustredna-server
 * --report DIR` write the same. GLib, cairo and Pango; no GTK. */

#include <gio/gio.h>

#include "ust-capture.h"
#include "ust-capture-check.h"

G_BEGIN_DECLS

typedef struct {
  UstCapture      *capture;       /* the messages, and which address is the proxy */
  UstCaptureCheck *check;         /* the findings, or NULL to leave them out */
  const char      *call_id;       /* one call, or NULL for every call */
  const char      *diary_db;      /* a calls.db to copy rows of as diary.csv, or NULL */
  gboolean         own_exchange;  /* Ústredňa's own trace: its column is "Exchange" */
} UstReportSource;

gboolean ust_report_write (const char            *dir,
                           const UstReportSource *source,
                           GError               **error);

G_END_DECLS
