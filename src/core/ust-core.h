/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A running exchange core, assembled in one place: the transport on its
 * address, the registrar with its file, the proxy between them, the call
 * tracker that watches the proxy, the feed that carries the tracker's
 * steps into the diary, the robot phones that register at it, and the web
 * server that hands phones their setup. ustredna-server runs one on its main thread;
 * UstExchange runs one on a thread of its own for the window. Not
 * thread-safe: made, used and stopped on the thread whose main context was
 * the thread default when it was made. */

#include <gio/gio.h>

#include "ust-call-store.h"
#include "ust-call-tracker.h"
#include "ust-provisioning.h"
#include "ust-proxy.h"
#include "ust-robots.h"
#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  GInetSocketAddress *address;      /* where phones reach the exchange (port 0: any) */
  const char         *data_dir;     /* holds registrations.db */
  UstReasonTable     *reasons;      /* custom phrases, used as they change */
  UstCallStore       *store;        /* the diary; opened (or not) by the caller */
  UstTrace           *trace;        /* or NULL: every datagram in and out */
  const char         *domain;       /* or NULL: a name phones may use for us */
  gboolean            open;         /* unregistered callers may call */
  guint               timer_t1;     /* milliseconds, or 0 for RFC 3261's 500 */
  guint               min_expires;  /* seconds, or 0 for the registrar's default */
  guint               protocols;    /* UST_CORE_UDP | UST_CORE_TCP | UST_CORE_TLS; 0: UDP */
  guint               tls_port;     /* 0: the UDP port + 1 (any free one with port 0) */
  guint               robots;       /* UST_ROBOT_BIT()s of the robot phones on; 0: none */
  const char         *transfer_to;  /* whom the transfer robot sends callers to; NULL: echo */
  gboolean            provisioning; /* serve the phone-setup documents over HTTP */
  guint               provisioning_port; /* their port; 0: any free one */
} UstCoreConfig;

/* RFC 3261 §18: every element serves UDP and TCP; TLS (§26) is what
 * Linphone picks by default. */
#define UST_CORE_UDP (1u << UST_PROTOCOL_UDP)
#define UST_CORE_TCP (1u << UST_PROTOCOL_TCP)
#define UST_CORE_TLS (1u << UST_PROTOCOL_TLS)
#define UST_CORE_ALL_PROTOCOLS (UST_CORE_UDP | UST_CORE_TCP | UST_CORE_TLS)

typedef struct _UstCore UstCore;

UstCore        *ust_core_new         (const UstCoreConfig  *config,
                                      GError              **error);
gboolean        ust_core_stop        (UstCore              *self,
                                      GError              **error);
void            ust_core_free        (UstCore              *self);
UstTransport   *ust_core_get_transport (UstCore            *self);
UstRegistrar   *ust_core_get_registrar (UstCore            *self);
UstProxy       *ust_core_get_proxy   (UstCore              *self);
UstCallTracker *ust_core_get_tracker (UstCore              *self);
UstRobots      *ust_core_get_robots  (UstCore              *self);
UstProvisioning *ust_core_get_provisioning   (UstCore        *self);
const char     *ust_core_get_provisioning_problem (UstCore   *self);
const char     *ust_core_get_tls_problem     (UstCore        *self);
const char     *ust_core_get_tls_fingerprint (UstCore        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCore, ust_core_free)

G_END_DECLS
