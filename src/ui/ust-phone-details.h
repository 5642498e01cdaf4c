/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One registered phone from the window's list, in a window of its own:
 * where it is and how, what it is, until when, its flows, and where it
 * registered from before (a phone that moved or restarted on a new port
 * is one row; its earlier addresses are only here). */

#include <gtk/gtk.h>

#include "ust-phone.h"

G_BEGIN_DECLS

#define UST_TYPE_PHONE_DETAILS (ust_phone_details_get_type ())
G_DECLARE_FINAL_TYPE (UstPhoneDetails, ust_phone_details, UST, PHONE_DETAILS, GtkWindow)

UstPhoneDetails *ust_phone_details_new       (GtkWindow       *parent,
                                              UstPhone        *phone);
UstPhone        *ust_phone_details_get_phone (UstPhoneDetails *self);

G_END_DECLS
