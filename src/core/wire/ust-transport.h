/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange's sockets: UDP, bound without address reuse and drained by
 * a GSocket source on the main context that was thread-default when it was
 * created, and TCP on the same port and TLS on the next (ust-stream-server.c)
 * when asked for.
 *
 * Bound to one address, the exchange is that address. Bound to all
 * addresses (0.0.0.0 or ::), it is whichever address a phone sent to: the
 * transport reports that with each datagram, and for a destination it picks
 * the address the system's routes would send from. */

#include <gio/gio.h>

#include "ust-protocol.h"
#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_TRANSPORT (ust_transport_get_type ())
G_DECLARE_FINAL_TYPE (UstTransport, ust_transport, UST, TRANSPORT, GObject)

/* RFC 768 over IPv4: 65,535 - 8 (UDP) - 20 (IP) bytes of payload. */
#define UST_MAX_DATAGRAM 65507

/* A phone may be told what to change once a minute, not for every packet. */
#define UST_ADVICE_INTERVAL_SECONDS 60

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

/* Where a message came from, and so how to answer it the same way: the
 * phone's address and port, ours it arrived at, the transport, and for TCP
 * and TLS the number of its connection (RFC 3261 §18.2.2: responses go back
 * on it). To send, the same: a connection number that is no longer open
 * (or 0) opens a new connection to @address. */
typedef struct {
  GSocketAddress        *address;
  const UstLocalAddress *local;       /* NULL when sending: the routes choose */
  UstProtocol            protocol;
  guint64                connection;  /* 0 for UDP */
} UstPeer;

/* What a UstTransport listens on besides UDP. */
typedef struct {
  gboolean         tcp;              /* TCP on the UDP port */
  gboolean         tls;              /* TLS on @tls_port */
  guint            tls_port;         /* 0: the UDP port + 1, or any free one with port 0 */
  GTlsCertificate *certificate;      /* for TLS; NULL: the TLS port only tells phones it is off */
  guint            max_connections;  /* 0: 1000 */
  guint            stall_seconds;    /* 0: 30 */
  guint            idle_seconds;     /* 0: 300 */
} UstTransportOptions;

/* @frame_error is set for the header section of a stream message that
 * could not be framed (missing Content-Length…): answer it 400 if it is a
 * request, do not process it; its connection closes after the answer. */
typedef void (*UstReceiveFunc) (UstTransport          *transport,
                                const char            *data,
                                gsize                  len,
                                const UstPeer         *peer,
                                const char            *frame_error,
                                gpointer               user_data);
typedef gboolean (*UstConnectionKeepFunc) (guint64     connection,
                                           gpointer    user_data);
/* A connection the exchange opened never came up: what was sent on it is
 * lost (RFC 3261 §18.4: a transport error, 503 for its transactions). */
typedef void     (*UstConnectionFailedFunc) (guint64   connection,
                                             gpointer  user_data);

void                ust_peer_copy                   (UstPeer             *dest,
                                                     const UstPeer       *src);
void                ust_peer_clear                  (UstPeer             *peer);

UstTransport       *ust_transport_new               (GInetSocketAddress  *address,
                                                     GError             **error);
UstTransport       *ust_transport_new_with_options  (GInetSocketAddress  *address,
                                                     const UstTransportOptions *options,
                                                     GError             **error);
void                ust_transport_set_receiver      (UstTransport        *self,
                                                     UstReceiveFunc       func,
                                                     gpointer             user_data);
void                ust_transport_set_connection_keeper (UstTransport    *self,
                                                     UstConnectionKeepFunc func,
                                                     gpointer             user_data);
void                ust_transport_set_connection_failed (UstTransport    *self,
                                                     UstConnectionFailedFunc func,
                                                     gpointer             user_data);
gboolean            ust_transport_send              (UstTransport        *self,
                                                     UstPeer             *to,
                                                     const char          *data,
                                                     gsize                len,
                                                     GError             **error);
GInetSocketAddress *ust_transport_get_local_address (UstTransport        *self);
gboolean            ust_transport_is_any            (UstTransport        *self);
gboolean            ust_transport_has_protocol      (UstTransport        *self,
                                                     UstProtocol          protocol);
guint               ust_transport_get_port          (UstTransport        *self,
                                                     UstProtocol          protocol);
guint               ust_transport_get_n_connections (UstTransport        *self);
gboolean            ust_transport_has_connection    (UstTransport        *self,
                                                     guint64              connection);
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
void                ust_transport_advise_cut_short  (UstTransport        *self,
                                                     GSocketAddress      *from,
                                                     gsize                received,
                                                     gsize                declared);

G_END_DECLS
