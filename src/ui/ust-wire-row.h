/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A row of the Wire tab's list: one message of the trace, with the texts
 * the list shows (time, addresses, transport, summary, Call-ID), made the
 * first time they are asked for. */

#include <glib-object.h>

#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_WIRE_ROW (ust_wire_row_get_type ())
G_DECLARE_FINAL_TYPE (UstWireRow, ust_wire_row, UST, WIRE_ROW, GObject)

UstWireRow    *ust_wire_row_new       (UstTraceEntry *entry);
UstTraceEntry *ust_wire_row_get_entry (UstWireRow    *self);
/* Whether @needle (already casefolded) is in the row's addresses,
 * transport, summary or Call-ID. */
gboolean       ust_wire_row_matches   (UstWireRow    *self,
                                       const char    *needle);

G_END_DECLS
