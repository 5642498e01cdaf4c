/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The setup card's "scan the code" section: a QR code per phone that sets
 * up Linphone for a free user name (Linphone's remote provisioning, served
 * by the exchange), and what to type into MicroSIP, Zoiper and baresip, a
 * line to copy each. It reads the exchange and changes nothing in it. */

#include <gtk/gtk.h>

#include "ust-exchange.h"

G_BEGIN_DECLS

#define UST_TYPE_PHONE_SETUP (ust_phone_setup_get_type ())
G_DECLARE_FINAL_TYPE (UstPhoneSetup, ust_phone_setup, UST, PHONE_SETUP, GtkWidget)

GtkWidget   *ust_phone_setup_new          (void);
UstExchange *ust_phone_setup_get_exchange (UstPhoneSetup *self);
void         ust_phone_setup_set_exchange (UstPhoneSetup *self,
                                           UstExchange   *exchange);
const char  *ust_phone_setup_get_user     (UstPhoneSetup *self);
const char  *ust_phone_setup_get_url      (UstPhoneSetup *self);
GdkTexture  *ust_phone_setup_get_code     (UstPhoneSetup *self);
char        *ust_phone_setup_line         (UstPhoneSetup *self,
                                           const char    *phone);

G_END_DECLS
