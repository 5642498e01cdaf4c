/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The location service (RFC 3261 §10.3): bindings from user names to the
 * phones that registered them, kept on disk across restarts. */

#include <gio/gio.h>
#include <osipparser2/osip_parser.h>

#include "ust-binding.h"

G_BEGIN_DECLS

#define UST_TYPE_REGISTRAR (ust_registrar_get_type ())
G_DECLARE_FINAL_TYPE (UstRegistrar, ust_registrar, UST, REGISTRAR, GObject)

#define UST_DEFAULT_MIN_EXPIRES 60
#define UST_DEFAULT_EXPIRES 3600
#define UST_MAX_EXPIRES 86400

typedef struct {
  guint       code;
  const char *phrase;       /* a phrase naming the problem, or NULL for the standard one */
  guint       min_expires;  /* for 423 */
  GPtrArray  *contacts;     /* for 200: "<uri>;expires=N", one per live binding */
  gboolean    outbound;     /* a Contact had reg-id: answer with Require: outbound */
} UstRegisterResult;

UstRegistrar *ust_registrar_new                (const char        *store_path);
gboolean      ust_registrar_load               (UstRegistrar      *self,
                                                GError           **error);
gboolean      ust_registrar_flush              (UstRegistrar      *self,
                                                GError           **error);
void          ust_registrar_handle_register    (UstRegistrar      *self,
                                                osip_message_t    *request,
                                                GSocketAddress    *source,
                                                UstProtocol        protocol,
                                                guint64            connection,
                                                UstRegisterResult *result);
gboolean      ust_registrar_uses_connection    (UstRegistrar      *self,
                                                guint64            connection);
void          ust_register_result_clear        (UstRegisterResult *result);
gboolean      ust_registrar_is_known           (UstRegistrar      *self,
                                                const char        *aor);
GPtrArray    *ust_registrar_lookup             (UstRegistrar      *self,
                                                const char        *aor);
UstBinding   *ust_registrar_find_by_contact    (UstRegistrar      *self,
                                                const char        *host,
                                                guint              port);
GPtrArray    *ust_registrar_list_bindings      (UstRegistrar      *self);
guint         ust_registrar_get_min_expires    (UstRegistrar      *self);
void          ust_registrar_set_min_expires    (UstRegistrar      *self,
                                                guint              seconds);
char         *ust_contact_key                  (const char        *host,
                                                guint              port);

G_END_DECLS
