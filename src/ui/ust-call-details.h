/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One call from the diary: every field, and every event from the INVITE to
 * the end, in a window of its own. */

#include <gtk/gtk.h>

#include "ust-call-store.h"

G_BEGIN_DECLS

#define UST_TYPE_CALL_DETAILS (ust_call_details_get_type ())
G_DECLARE_FINAL_TYPE (UstCallDetails, ust_call_details, UST, CALL_DETAILS, GtkWindow)

UstCallDetails *ust_call_details_new          (GtkWindow      *parent,
                                               UstCallStore   *store,
                                               UstCallRecord  *record);
UstCallRecord  *ust_call_details_get_record   (UstCallDetails *self);
guint           ust_call_details_get_n_events (UstCallDetails *self);

G_END_DECLS
