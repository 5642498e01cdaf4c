/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange's UDP socket: bound without address reuse, drained by a
 * GSocket source on the main context that was thread-default when it was
 * created. */

#include <gio/gio.h>

#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_TRANSPORT (ust_transport_get_type ())
G_DECLARE_FINAL_TYPE (UstTransport, ust_transport, UST, TRANSPORT, GObject)

/* RFC 768 over IPv4: 65,535 - 8 (UDP) - 20 (IP) bytes of payload. */
#define UST_MAX_DATAGRAM 65507

typedef void (*UstDatagramFunc) (UstTransport   *transport,
                                 const char     *data,
                                 gsize           len,
                                 GSocketAddress *from,
                                 gpointer        user_data);

UstTransport       *ust_transport_new               (GInetSocketAddress  *address,
                                                     GError             **error);
void                ust_transport_set_receiver      (UstTransport        *self,
                                                     UstDatagramFunc      func,
                                                     gpointer             user_data);
gboolean            ust_transport_send              (UstTransport        *self,
                                                     GSocketAddress      *to,
                                                     const char          *data,
                                                     gsize                len,
                                                     GError             **error);
GInetSocketAddress *ust_transport_get_local_address (UstTransport        *self);
char               *ust_transport_describe          (UstTransport        *self);
void                ust_transport_close             (UstTransport        *self);
void                ust_transport_set_trace         (UstTransport        *self,
                                                     UstTrace            *trace);
UstTrace           *ust_transport_get_trace         (UstTransport        *self);

gboolean            ust_parse_host_port             (const char          *text,
                                                     guint                default_port,
                                                     GInetSocketAddress **address,
                                                     GError             **error);
char               *ust_socket_address_to_string    (GSocketAddress      *address);

G_END_DECLS
