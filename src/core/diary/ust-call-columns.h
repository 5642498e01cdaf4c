/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The diary's fields, each described once: the CSV header, the title a
 * person reads, and how the cell text is made from a UstCallData. The
 * column view and the CSV writer both iterate this table, so a new field
 * is one entry here and nothing else. */

#include <glib.h>

#include "ust-call-record.h"

G_BEGIN_DECLS

typedef enum {
  UST_CALL_COLUMN_TEXT,     /* free text, partly from the network: guard it in CSV */
  UST_CALL_COLUMN_TIME,     /* ISO 8601 local time with offset */
  UST_CALL_COLUMN_NUMBER,   /* a number we produce ourselves (durations, codes) */
} UstCallColumnKind;

/* Returns the cell text, never NULL: "" when the field does not apply. */
typedef char *(*UstCallColumnFormat) (const UstCallData *data);

typedef struct {
  const char          *name;    /* CSV header; stable, never translated */
  const char          *title;   /* N_() string; show it with ust_call_column_get_title() */
  UstCallColumnKind    kind;
  UstCallColumnFormat  format;
} UstCallColumn;

const UstCallColumn *ust_call_columns           (guint               *n_columns);
const UstCallColumn *ust_call_column_find       (const char          *name);
const char          *ust_call_column_get_title  (const UstCallColumn *column);

char                *ust_call_format_time       (gint64               time_us);
char                *ust_call_format_duration   (gint64               from_us,
                                                 gint64               to_us);

G_END_DECLS
