/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The "Wire" tab: every datagram the exchange received or sent (a live list,
 * searchable, pausable), the full text of the selected one, the ladder of its
 * call (exportable as PNG, SVG or text) and, for a forwarded message, what
 * the exchange changed in it. */

#include <gtk/gtk.h>

#include "ust-exchange.h"
#include "ust-wire-row.h"

G_BEGIN_DECLS

#define UST_TYPE_WIRE_VIEW (ust_wire_view_get_type ())
G_DECLARE_FINAL_TYPE (UstWireView, ust_wire_view, UST, WIRE_VIEW, GtkWidget)

void        ust_wire_view_set_exchange   (UstWireView  *self,
                                          UstExchange  *exchange);
void        ust_wire_view_set_entries    (UstWireView  *self,
                                          GPtrArray    *entries);
void        ust_wire_view_select_entry   (UstWireView  *self,
                                          UstTraceEntry *entry);
/* Reads what the trace recorded since the last time, now. */
void        ust_wire_view_refresh        (UstWireView  *self);
/* The rows as shown (after the search), UstWireRow items. */
GListModel *ust_wire_view_get_model      (UstWireView  *self);
void        ust_wire_view_select         (UstWireView  *self,
                                          guint         position);
UstTraceEntry *ust_wire_view_get_selected (UstWireView *self);
/* Format by extension: .png, .svg, else text. */
gboolean    ust_wire_view_export_ladder  (UstWireView  *self,
                                          const char   *path,
                                          GError      **error);

/* The report bundle of the selected message's call into the folder @path. */
gboolean    ust_wire_view_export_report  (UstWireView  *self,
                                          const char   *path,
                                          GError      **error);

G_END_DECLS
