/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange for a window: the proxy, registrar and call tracker run on a
 * thread of their own with their own main context, so repainting never
 * delays a SIP timer and a flood of calls never freezes the window. This
 * object lives on the thread that created it (the GUI thread) and receives
 * batched snapshots from the core a few times a second. */

#include <gio/gio.h>

#include "ust-call-store.h"
#include "ust-phone.h"
#include "ust-protocol.h"
#include "ust-reason-table.h"
#include "ust-robots.h"
#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_EXCHANGE (ust_exchange_get_type ())
G_DECLARE_FINAL_TYPE (UstExchange, ust_exchange, UST, EXCHANGE, GObject)

UstExchange    *ust_exchange_new                (const char      *data_dir);
gboolean        ust_exchange_start              (UstExchange     *self,
                                                 const char      *address,
                                                 guint            port,
                                                 GError         **error);
void            ust_exchange_stop               (UstExchange     *self);
gboolean        ust_exchange_get_running        (UstExchange     *self);
const char     *ust_exchange_get_address        (UstExchange     *self);
guint           ust_exchange_get_port           (UstExchange     *self);
GListModel     *ust_exchange_get_phones         (UstExchange     *self);
GListModel     *ust_exchange_get_active_calls   (UstExchange     *self);
UstCallStore   *ust_exchange_get_store          (UstExchange     *self);
UstReasonTable *ust_exchange_get_reasons        (UstExchange     *self);
UstTrace       *ust_exchange_get_trace          (UstExchange     *self);
gboolean        ust_exchange_get_open           (UstExchange     *self);
void            ust_exchange_set_open           (UstExchange     *self,
                                                 gboolean         open);
guint64         ust_exchange_get_calls_handled  (UstExchange     *self);
guint           ust_exchange_get_protocols      (UstExchange     *self);
void            ust_exchange_set_protocols      (UstExchange     *self,
                                                 guint            protocols);
gboolean        ust_exchange_has_protocol       (UstExchange     *self,
                                                 UstProtocol      protocol);
guint           ust_exchange_get_protocol_port  (UstExchange     *self,
                                                 UstProtocol      protocol);
const char     *ust_exchange_get_tls_fingerprint (UstExchange    *self);
const char     *ust_exchange_get_tls_problem    (UstExchange     *self);
const char     *ust_exchange_get_data_dir       (UstExchange     *self);
guint           ust_exchange_get_robots         (UstExchange     *self);
void            ust_exchange_set_robots         (UstExchange     *self,
                                                 guint            robots);
const char     *ust_exchange_get_transfer_to    (UstExchange     *self);
void            ust_exchange_set_transfer_to    (UstExchange     *self,
                                                 const char      *user);
char           *ust_exchange_get_provisioning_url (UstExchange   *self,
                                                 const char      *host,
                                                 const char      *user,
                                                 UstProtocol      protocol);
const char     *ust_exchange_get_provisioning_problem (UstExchange *self);

G_END_DECLS
