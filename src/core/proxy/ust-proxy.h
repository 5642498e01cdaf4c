/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange: registrar front end and transaction-stateful, record-routing
 * proxy (RFC 3261 §16) on one UDP transport. */

#include <gio/gio.h>

#include "ust-call-tracker.h"
#include "ust-reason-table.h"
#include "ust-registrar.h"
#include "ust-transport.h"

G_BEGIN_DECLS

#define UST_TYPE_PROXY (ust_proxy_get_type ())
G_DECLARE_FINAL_TYPE (UstProxy, ust_proxy, UST, PROXY, GObject)

/* RFC 3261 §17.1.1.1 defaults, in milliseconds. */
#define UST_DEFAULT_T1 500
#define UST_DEFAULT_T2 4000
#define UST_DEFAULT_T4 5000
/* §16.6 step 11: timer C, greater than 3 minutes: 362·T1 with the default T1. */
#define UST_TIMER_C 181000

typedef struct {
  guint64 datagrams_received;
  guint64 datagrams_dropped;
  guint64 requests_forwarded;
  guint64 responses_forwarded;
  guint64 responses_sent;
  guint64 retransmissions_absorbed;
} UstProxyStats;

UstProxy       *ust_proxy_new             (UstTransport   *transport,
                                           UstRegistrar   *registrar,
                                           UstReasonTable *reasons);
const char     *ust_proxy_get_domain      (UstProxy       *self);
void            ust_proxy_set_domain      (UstProxy       *self,
                                           const char     *domain);
gboolean        ust_proxy_get_open        (UstProxy       *self);
void            ust_proxy_set_open        (UstProxy       *self,
                                           gboolean        open);
guint           ust_proxy_get_timer_t1    (UstProxy       *self);
void            ust_proxy_set_timer_t1    (UstProxy       *self,
                                           guint           milliseconds);
UstRegistrar   *ust_proxy_get_registrar   (UstProxy       *self);
UstReasonTable *ust_proxy_get_reasons     (UstProxy       *self);
UstTransport   *ust_proxy_get_transport   (UstProxy       *self);
void            ust_proxy_get_stats       (UstProxy       *self,
                                           UstProxyStats  *stats);
guint           ust_proxy_get_n_transactions (UstProxy    *self);
void            ust_proxy_set_call_tracker (UstProxy      *self,
                                           UstCallTracker *tracker);

G_END_DECLS
