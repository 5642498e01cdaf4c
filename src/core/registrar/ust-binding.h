/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One registration: an address-of-record bound to a contact (RFC 3261 §10). */

#include <gio/gio.h>

#include "ust-protocol.h"

G_BEGIN_DECLS

#define UST_TYPE_BINDING (ust_binding_get_type ())

typedef struct {
  /*< public, read-only >*/
  char           *aor;          /* user part of the address-of-record */
  char           *contact_uri;  /* the Contact URI, used as the new Request-URI */
  char           *contact_key;  /* "host:port" of the Contact URI */
  GSocketAddress *source;       /* where the REGISTER came from: the next hop (NAT) */
  char           *source_text;
  UstProtocol     protocol;     /* how it came: requests to the phone go the same way */
  guint64         connection;   /* TCP or TLS: the connection it came on (RFC 5626 flow);
                                 * 0 after a restart, or for UDP */
  char           *call_id;
  guint32         cseq;
  gint64          expires_at;   /* wall-clock microseconds */
  gint64          registered_at;
  char           *user_agent;
  double          q;
  char           *instance;     /* +sip.instance (RFC 5626 §4.1): the phone, whatever its
                                 * Contact; NULL when it sent none */
  guint           reg_id;       /* reg-id (RFC 5626 §4.2), 0 when none */
  char           *earlier;      /* where this phone registered from before, newest first,
                                 * "addr:port (UDP), …" (for the window's details), or NULL */
  /*< private >*/
  gatomicrefcount ref_count;
  gpointer        expiry_iter;
} UstBinding;

GType       ust_binding_get_type          (void) G_GNUC_CONST;
UstBinding *ust_binding_new               (const char     *aor,
                                           const char     *contact_uri,
                                           const char     *contact_key,
                                           GSocketAddress *source,
                                           const char     *source_text);
UstBinding *ust_binding_ref               (UstBinding     *self);
void        ust_binding_unref             (UstBinding     *self);
gint64      ust_binding_get_seconds_left  (const UstBinding *self,
                                           gint64          now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstBinding, ust_binding_unref)

G_END_DECLS
