/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange's UDP socket: bound without address reuse, drained by a
 * GSocket source on the main context that was thread-default when it was
 * created.
 *
 * Bound to one address, the exchange is that address. Bound to all
 * addresses (0.0.0.0 or ::), it is whichever address a phone sent to: the
 * transport reports that with each datagram, and for a destination it picks
 * the address the system's routes would send from. */

#include <gio/gio.h>

#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_TRANSPORT (ust_transport_get_type ())
G_DECLARE_FINAL_TYPE (UstTransport, ust_transport, UST, TRANSPORT, GObject)

/* RFC 768 over IPv4: 65,535 - 8 (UDP) - 20 (IP) bytes of payload. */
#define UST_MAX_DATAGRAM 65507

/* One of the exchange's own addresses with its port. The transport owns
 * it; it stays valid, at the same place, until the transport is finalized,
 * so pointers to it may be kept and compared. */
typedef struct {
  GInetSocketAddress *address;
  char                host[64];  /* as in URIs and Via: "192.168.1.10", "[fd00::2]" */
  char                bare[48];  /* without brackets, for comparisons */
  guint               port;
  guint8              bytes[16]; /* the address, 4 or 16 bytes */
  gsize               n_bytes;
  UstTraceAddress     trace;
} UstLocalAddress;

typedef void (*UstDatagramFunc) (UstTransport          *transport,
                                 const char            *data,
                                 gsize                  len,
                                 GSocketAddress        *from,
                                 const UstLocalAddress *local,
                                 gpointer               user_data);

UstTransport       *ust_transport_new               (GInetSocketAddress  *address,
                                                     GError             **error);
void                ust_transport_set_receiver      (UstTransport        *self,
                                                     UstDatagramFunc      func,
                                                     gpointer             user_data);
gboolean            ust_transport_send              (UstTransport        *self,
                                                     const UstLocalAddress *from,
                                                     GSocketAddress      *to,
                                                     const char          *data,
                                                     gsize                len,
                                                     GError             **error);
GInetSocketAddress *ust_transport_get_local_address (UstTransport        *self);
gboolean            ust_transport_is_any            (UstTransport        *self);
const UstLocalAddress *ust_transport_local_for      (UstTransport        *self,
                                                     GSocketAddress      *to,
                                                     const UstLocalAddress *fallback);
const UstLocalAddress *ust_transport_find_local     (UstTransport        *self,
                                                     const char          *bare_host);
char               *ust_transport_describe          (UstTransport        *self);
void                ust_transport_close             (UstTransport        *self);
void                ust_transport_set_trace         (UstTransport        *self,
                                                     UstTrace            *trace);
UstTrace           *ust_transport_get_trace         (UstTransport        *self);

G_END_DECLS
