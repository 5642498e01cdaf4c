/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One SIP connection over TCP or TLS (RFC 3261 §18), accepted from a phone
 * or opened to one, on the main context that was thread-default when it
 * was made: a source per connection, no thread. It reads without blocking,
 * cuts what it reads into messages (UstStreamFramer), and writes through a
 * queue of its own, so a phone that stops reading never blocks the
 * exchange. UstTransport owns the connections; this file knows sockets and
 * TLS, not SIP. */

#include <gio/gio.h>

#include "ust-protocol.h"

G_BEGIN_DECLS

typedef struct _UstStream UstStream;

/* What a connection reports that a phone's user should hear about. */
typedef enum {
  UST_STREAM_NOTE_TLS_ON_PLAIN,    /* a TLS ClientHello on the plain TCP port */
  UST_STREAM_NOTE_PLAIN_ON_TLS,    /* plain bytes on the TLS port */
  UST_STREAM_NOTE_TLS_UNTRUSTED,   /* the phone ended the handshake: it does not trust us */
  UST_STREAM_NOTE_TLS_FAILED,      /* the handshake failed for another reason */
  UST_STREAM_NOTE_NOT_SIP,         /* bytes that are no SIP message */
  UST_STREAM_NOTE_TLS_OFF,         /* a connection to the TLS port while TLS is off */
} UstStreamNote;

typedef struct {
  /* A whole message, or with @frame_error set, the header section of one
   * that cannot be framed (answer it 400 if it is a request; the stream
   * closes once that answer is written). */
  void (*message) (UstStream  *stream,
                   const char *data,
                   gsize       len,
                   const char *frame_error,
                   gpointer    user_data);
  void (*note)    (UstStream     *stream,
                   UstStreamNote  note,
                   const char    *detail,
                   gpointer       user_data);
  /* The connection is gone; the stream is freed after this returns. */
  void (*closed)  (UstStream  *stream,
                   gpointer    user_data);
} UstStreamCallbacks;

UstStream      *ust_stream_new_accepted    (GSocket                  *socket,
                                            UstProtocol               protocol,
                                            GTlsCertificate          *certificate,
                                            guint64                   id,
                                            const UstStreamCallbacks *callbacks,
                                            gpointer                  user_data);
UstStream      *ust_stream_new_outgoing    (GSocketAddress           *to,
                                            GInetAddress             *from,
                                            UstProtocol               protocol,
                                            guint64                   id,
                                            const UstStreamCallbacks *callbacks,
                                            gpointer                  user_data,
                                            GError                  **error);
void            ust_stream_free            (UstStream                *self);
gboolean        ust_stream_send            (UstStream                *self,
                                            const char               *data,
                                            gsize                     len,
                                            GError                  **error);
void            ust_stream_close_when_sent (UstStream                *self);
guint64         ust_stream_get_id          (UstStream                *self);
gboolean        ust_stream_get_established (UstStream                *self);
UstProtocol     ust_stream_get_protocol    (UstStream                *self);
GSocketAddress *ust_stream_get_remote      (UstStream                *self);
GSocketAddress *ust_stream_get_local       (UstStream                *self);
gint64          ust_stream_get_last_active (UstStream                *self);
gint64          ust_stream_get_partial_since (UstStream              *self);
void            ust_stream_set_user_data   (UstStream                *self,
                                            gpointer                  data);
gpointer        ust_stream_get_user_data   (UstStream                *self);

G_END_DECLS
