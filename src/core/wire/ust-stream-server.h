/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange's TCP and TLS side (RFC 3261 §18): a listening socket for
 * each, the connections phones open and those the exchange opens to
 * phones, all on the main context that was thread-default when it was
 * made. Connections have numbers; a message says which one it came on, and
 * an answer names it to go back the same way (§18.2.2). Limits keep one
 * phone from hurting the others: a number of connections, a time to finish
 * a message once begun, and a time an idle connection that nobody needs
 * (no registration on it) may stay open. */

#include <gio/gio.h>

#include "ust-protocol.h"
#include "ust-stream.h"

G_BEGIN_DECLS

typedef struct _UstStreamServer UstStreamServer;

typedef struct {
  GInetSocketAddress *tcp_address;     /* or NULL: no TCP */
  GInetSocketAddress *tls_address;     /* or NULL: nothing on the TLS port */
  GTlsCertificate    *certificate;     /* NULL: the TLS port only tells phones TLS is off */
  guint               max_connections; /* 0: 1000 */
  guint               stall_seconds;   /* 0: 30; to finish a message once begun */
  guint               idle_seconds;    /* 0: 300; an unneeded connection with no traffic */
} UstStreamServerConfig;

typedef void     (*UstStreamMessageFunc) (UstStreamServer *server,
                                          UstStream       *stream,
                                          const char      *data,
                                          gsize            len,
                                          const char      *frame_error,
                                          gpointer         user_data);
typedef void     (*UstStreamNoteFunc)    (UstStreamServer *server,
                                          GSocketAddress  *remote,
                                          UstProtocol      protocol,
                                          UstStreamNote    note,
                                          const char      *detail,
                                          gpointer         user_data);
/* Connection @id closed; @established FALSE: it never came up. */
typedef void     (*UstStreamClosedFunc)  (UstStreamServer *server,
                                          guint64          id,
                                          gboolean         established,
                                          gpointer         user_data);
/* Whether connection @id is still needed (a phone registered on it). */
typedef gboolean (*UstStreamKeepFunc)    (guint64          id,
                                          gpointer         user_data);

UstStreamServer *ust_stream_server_new         (const UstStreamServerConfig *config,
                                                UstProtocol                *failed,
                                                GError                     **error);
void             ust_stream_server_free        (UstStreamServer            *self);
void             ust_stream_server_set_handlers (UstStreamServer           *self,
                                                UstStreamMessageFunc        message,
                                                UstStreamNoteFunc           note,
                                                UstStreamClosedFunc         closed,
                                                gpointer                    user_data);
void             ust_stream_server_set_keeper  (UstStreamServer            *self,
                                                UstStreamKeepFunc           keep,
                                                gpointer                    user_data);
UstStream       *ust_stream_server_lookup      (UstStreamServer            *self,
                                                guint64                     id);
UstStream       *ust_stream_server_connect     (UstStreamServer            *self,
                                                GSocketAddress             *to,
                                                GInetAddress               *from,
                                                UstProtocol                 protocol,
                                                GError                    **error);
guint            ust_stream_server_get_port    (UstStreamServer            *self,
                                                UstProtocol                 protocol);
guint            ust_stream_server_get_n_connections (UstStreamServer      *self);
void             ust_stream_server_sweep       (UstStreamServer            *self);

G_END_DECLS
