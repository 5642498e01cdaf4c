/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A registered phone, as the window lists it: an immutable snapshot of a
 * binding (or of the bindings one +sip.instance holds: its flows), made
 * from the registrar's bindings and handed to the window. */

#include <glib-object.h>

G_BEGIN_DECLS

#define UST_TYPE_PHONE (ust_phone_get_type ())
G_DECLARE_FINAL_TYPE (UstPhone, ust_phone, UST, PHONE, GObject)

const char *ust_phone_get_user        (UstPhone *self);
const char *ust_phone_get_source      (UstPhone *self);
const char *ust_phone_get_contact     (UstPhone *self);
const char *ust_phone_get_user_agent  (UstPhone *self);
gint64      ust_phone_get_expires_at  (UstPhone *self);  /* wall-clock µs */
guint       ust_phone_get_n_flows     (UstPhone *self);
const char *ust_phone_get_flows       (UstPhone *self);
const char *ust_phone_get_transport   (UstPhone *self);
const char *ust_phone_get_instance    (UstPhone *self);
const char *ust_phone_get_earlier     (UstPhone *self);

G_END_DECLS
