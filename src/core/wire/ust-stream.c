/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-stream"

#include "config.h"

#include <string.h>

#include "ust-stream.h"
#include "ust-stream-framer.h"

#define READ_CHUNK 16384
/* A phone that stops reading gets at most this much queued for it; then
 * its connection is closed rather than the exchange's memory growing. */
#define MAX_QUEUED (1024 * 1024)

struct _UstStream {
  guint                     ref_count;
  guint64                   id;
  UstProtocol               protocol;
  GSocket                  *socket;
  GSocketConnection        *base;         /* TLS: the socket as a stream under it */
  GIOStream                *tls;          /* TLS: the GTlsConnection */
  GTlsCertificate          *certificate;  /* TLS, accepted: ours */
  gboolean                  sniffing;     /* accepted: the first byte not seen yet */
  gboolean                  connecting;   /* outgoing: connect() under way */
  gboolean                  handshaking;
  gboolean                  close_when_sent;
  gboolean                  closed;
  gboolean                  established;  /* connected (and for TLS, shaken hands) */
  GSource                  *in_source;
  GSource                  *out_source;
  GByteArray               *outq;
  UstStreamFramer           framer;
  GSocketAddress           *remote;
  GSocketAddress           *local;
  gint64                    last_active;
  gint64                    partial_since;
  const UstStreamCallbacks *callbacks;
  gpointer                  callback_data;
  gpointer                  user_data;
};

static void start_reading (UstStream *self);
static void flush (UstStream *self);

static UstStream *
stream_ref (UstStream *self)
{
  self->ref_count++;
  return self;
}

static void
stream_unref (UstStream *self)
{
  if (--self->ref_count > 0)
    return;
  g_clear_object (&self->tls);
  g_clear_object (&self->base);
  g_clear_object (&self->socket);
  g_clear_object (&self->certificate);
  g_clear_object (&self->remote);
  g_clear_object (&self->local);
  g_clear_pointer (&self->outq, g_byte_array_unref);
  ust_stream_framer_clear (&self->framer);
  g_free (self);
}

static void
drop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Ends the connection once: its sources go, the socket closes, the owner
 * hears of it. The memory goes with the last reference. */
static void
stream_close (UstStream *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  drop_source (&self->in_source);
  drop_source (&self->out_source);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  if (self->callbacks->closed != NULL)
    self->callbacks->closed (self, self->callback_data);
}

static UstStream *
stream_new (UstProtocol               protocol,
            guint64                   id,
            const UstStreamCallbacks *callbacks,
            gpointer                  user_data)
{
  UstStream *self = g_new0 (UstStream, 1);

  self->ref_count = 1;
  self->protocol = protocol;
  self->id = id;
  self->callbacks = callbacks;
  self->callback_data = user_data;
  self->outq = g_byte_array_new ();
  self->last_active = g_get_monotonic_time ();
  ust_stream_framer_init (&self->framer, UST_STREAM_MAX_MESSAGE);
  return self;
}

static void
note (UstStream     *self,
      UstStreamNote  what,
      const char    *detail)
{
  if (self->callbacks->note != NULL)
    self->callbacks->note (self, what, detail, self->callback_data);
}

/* Reading ---------------------------------------------------------------- */

/* Hands out every whole message read so far. Returns FALSE when the stream
 * closed meanwhile (a callback may close it). */
static gboolean
dispatch_frames (UstStream *self)
{
  UstFrame frame;

  for (;;)
    {
      if (self->closed)
        return FALSE;
      ust_stream_framer_next (&self->framer, &frame);
      switch (frame.kind)
        {
        case UST_FRAME_NONE:
          self->partial_since = ust_stream_framer_pending (&self->framer) > 0
                                  ? (self->partial_since != 0 ? self->partial_since
                                                              : g_get_monotonic_time ())
                                  : 0;
          return TRUE;
        case UST_FRAME_PING:
          /* RFC 5626 §3.5.1: the pong is a single CRLF. */
          ust_stream_send (self, "\r\n", 2, NULL);
          break;
        case UST_FRAME_MESSAGE:
          self->partial_since = 0;
          self->callbacks->message (self, frame.data, frame.len, NULL, self->callback_data);
          break;
        case UST_FRAME_ERROR:
          if (frame.error == UST_FRAME_ERROR_NOT_SIP)
            note (self, UST_STREAM_NOTE_NOT_SIP, NULL);
          /* The proxy may answer what it can (a 400); then the stream ends. */
          if (frame.data != NULL)
            self->callbacks->message (self, frame.data, frame.len,
                                      ust_frame_error_to_string (frame.error),
                                      self->callback_data);
          if (!self->closed)
            ust_stream_close_when_sent (self);
          return FALSE;
        }
    }
}

/* Reads until the socket (or TLS, which may hold decrypted bytes the
 * socket's readiness no longer shows) would block. */
static gboolean
read_available (UstStream *self)
{
  char buffer[READ_CHUNK];

  while (!self->closed)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (self->tls != NULL)
        n = g_pollable_input_stream_read_nonblocking (
          G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->tls)), buffer,
          sizeof buffer, NULL, &error);
      else
        n = g_socket_receive (self->socket, buffer, sizeof buffer, NULL, &error);

      if (n > 0)
        {
          self->last_active = g_get_monotonic_time ();
          ust_stream_framer_push (&self->framer, buffer, (gsize) n);
          if (!dispatch_frames (self))
            return FALSE;
          continue;
        }
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n < 0)
        g_debug ("Connection %" G_GUINT64_FORMAT " read failed: %s", self->id, error->message);
      /* End of stream: what we still owe the phone goes out, then we close
       * (a half-closed phone still reads). */
      ust_stream_close_when_sent (self);
      return FALSE;
    }
  return FALSE;
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  UstStream *self = stream_ref (user_data);
  gboolean keep = read_available (self) && !self->closed;

  if (!keep)
    g_clear_pointer (&self->in_source, g_source_unref);
  stream_unref (self);
  return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
tls_readable_cb (GObject  *pollable,
                 gpointer  user_data)
{
  return socket_readable_cb (NULL, G_IO_IN, user_data);
}

static void
start_reading (UstStream *self)
{
  drop_source (&self->in_source);
  if (self->tls != NULL)
    {
      self->in_source = g_pollable_input_stream_create_source (
        G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->tls)), NULL);
      g_source_set_callback (self->in_source, G_SOURCE_FUNC (tls_readable_cb), self, NULL);
    }
  else
    {
      self->in_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
      g_source_set_callback (self->in_source, G_SOURCE_FUNC (socket_readable_cb), self, NULL);
    }
  g_source_attach (self->in_source, g_main_context_get_thread_default ());
}

/* TLS --------------------------------------------------------------------- */

/* A phone that does not trust our self-signed certificate (Linphone checks
 * certificates by default) ends the handshake with an alert and hangs up;
 * depending on the moment, GnuTLS reports the alert, or only that the
 * phone went away while the handshake was going on. A handshake that fails
 * for another reason (no common cipher, an old TLS version) says so. */
static gboolean
is_trust_alert (const GError *error)
{
  g_autofree char *text = g_ascii_strdown (error->message, -1);

  if (strstr (text, "alert") != NULL)
    return strstr (text, "certificate") != NULL || strstr (text, " ca") != NULL
           || strstr (text, "unknown") != NULL || strstr (text, "decrypt") != NULL;
  return strstr (text, "peer failed to perform") != NULL
         || strstr (text, "broken pipe") != NULL || strstr (text, "reset") != NULL
         || strstr (text, "unexpectedly") != NULL;
}

static void
handshake_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  UstStream *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      if (!self->closed)
        {
          g_debug ("Connection %" G_GUINT64_FORMAT ": TLS handshake failed: %s", self->id,
                   error->message);
          note (self, is_trust_alert (error) ? UST_STREAM_NOTE_TLS_UNTRUSTED
                                             : UST_STREAM_NOTE_TLS_FAILED,
                error->message);
          stream_close (self);
        }
      stream_unref (self);
      return;
    }

  self->handshaking = FALSE;
  self->established = TRUE;
  if (!self->closed)
    {
      self->last_active = g_get_monotonic_time ();
      start_reading (self);
      flush (self);
    }
  stream_unref (self);
}

/* Phones connect by address and never check who we are beyond what the
 * student chose; the exchange, connecting to a phone, accepts its
 * certificate the same way. */
static gboolean
accept_any_certificate_cb (GTlsConnection       *connection,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;
}

static gboolean
start_tls (UstStream  *self,
           gboolean    server,
           GError    **error)
{
  drop_source (&self->in_source);
  self->base = g_socket_connection_factory_create_connection (self->socket);
  if (server)
    self->tls = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (self->base),
                                                         self->certificate, error));
  else
    self->tls = G_IO_STREAM (g_tls_client_connection_new (G_IO_STREAM (self->base), NULL,
                                                         error));
  if (self->tls == NULL)
    return FALSE;
  /* SIP frames by Content-Length: a phone that closes without close_notify
   * has lost nothing. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (self->tls), FALSE);
  if (!server)
    g_signal_connect (self->tls, "accept-certificate", G_CALLBACK (accept_any_certificate_cb),
                      NULL);
  self->handshaking = TRUE;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (self->tls), G_PRIORITY_DEFAULT, NULL,
                                    handshake_done_cb, stream_ref (self));
  return TRUE;
}

/* Accepted connections: the first byte tells a TLS ClientHello (0x16, a
 * handshake record) from plain SIP (a method letter or a CRLF), so a phone
 * on the wrong port is told so instead of timing out (TECH-NOTES-2 §3). */
static gboolean
sniff_cb (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  UstStream *self = user_data;
  g_autoptr(GError) error = NULL;
  guint8 first = 0;
  GInputVector vector = { &first, 1 };
  gint flags = G_SOCKET_MSG_PEEK;
  gssize n;
  gboolean hello;

  n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  stream_ref (self);
  g_clear_pointer (&self->in_source, g_source_unref);
  self->sniffing = FALSE;
  hello = n == 1 && first == 0x16;
  if (n <= 0)
    stream_close (self);
  else if (self->protocol == UST_PROTOCOL_TLS && !hello)
    {
      note (self, UST_STREAM_NOTE_PLAIN_ON_TLS, NULL);
      stream_close (self);
    }
  else if (self->protocol == UST_PROTOCOL_TCP && hello)
    {
      note (self, UST_STREAM_NOTE_TLS_ON_PLAIN, NULL);
      stream_close (self);
    }
  else if (self->protocol == UST_PROTOCOL_TLS)
    {
      g_autoptr(GError) tls_error = NULL;

      if (!start_tls (self, TRUE, &tls_error))
        {
          note (self, UST_STREAM_NOTE_TLS_FAILED, tls_error->message);
          stream_close (self);
        }
    }
  else
    start_reading (self);
  stream_unref (self);
  return G_SOURCE_REMOVE;
}

/* Writing ------------------------------------------------------------------ */

static gboolean
writable_cb (gpointer user_data)
{
  UstStream *self = stream_ref (user_data);

  g_clear_pointer (&self->out_source, g_source_unref);
  flush (self);
  stream_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
socket_writable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  return writable_cb (user_data);
}

static gboolean
tls_writable_cb (GObject  *pollable,
                 gpointer  user_data)
{
  return writable_cb (user_data);
}

static void
wait_writable (UstStream *self)
{
  if (self->out_source != NULL)
    return;
  if (self->tls != NULL)
    {
      self->out_source = g_pollable_output_stream_create_source (
        G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (self->tls)), NULL);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (tls_writable_cb), self, NULL);
    }
  else
    {
      self->out_source = g_socket_create_source (self->socket, G_IO_OUT, NULL);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (socket_writable_cb), self, NULL);
    }
  g_source_attach (self->out_source, g_main_context_get_thread_default ());
}

/* Writes what the kernel takes now; the rest waits for the socket to drain. */
static void
flush (UstStream *self)
{
  while (!self->closed && !self->connecting && !self->handshaking && !self->sniffing
         && self->outq->len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (self->tls != NULL)
        n = g_pollable_output_stream_write_nonblocking (
          G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (self->tls)),
          self->outq->data, self->outq->len, NULL, &error);
      else
        n = g_socket_send (self->socket, (const char *) self->outq->data, self->outq->len, NULL,
                           &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          wait_writable (self);
          return;
        }
      if (n < 0)
        {
          g_debug ("Connection %" G_GUINT64_FORMAT " write failed: %s", self->id,
                   error->message);
          stream_close (self);
          return;
        }
      self->last_active = g_get_monotonic_time ();
      g_byte_array_remove_range (self->outq, 0, (guint) n);
    }
  if (!self->closed && self->close_when_sent && self->outq->len == 0 && !self->connecting
      && !self->handshaking)
    stream_close (self);
}

/* Public ------------------------------------------------------------------- */

/* A connection a phone opened to one of our listening sockets. */
UstStream *
ust_stream_new_accepted (GSocket                  *socket,
                         UstProtocol               protocol,
                         GTlsCertificate          *certificate,
                         guint64                   id,
                         const UstStreamCallbacks *callbacks,
                         gpointer                  user_data)
{
  UstStream *self = stream_new (protocol, id, callbacks, user_data);

  self->socket = g_object_ref (socket);
  g_socket_set_blocking (socket, FALSE);
  self->remote = g_socket_get_remote_address (socket, NULL);
  self->local = g_socket_get_local_address (socket, NULL);
  if (certificate != NULL)
    self->certificate = g_object_ref (certificate);

  self->sniffing = TRUE;
  self->established = TRUE;
  self->in_source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (sniff_cb), self, NULL);
  g_source_attach (self->in_source, g_main_context_get_thread_default ());
  return self;
}

static gboolean
connected_cb (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  UstStream *self = stream_ref (user_data);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->out_source, g_source_unref);
  self->connecting = FALSE;
  if (!g_socket_check_connect_result (socket, &error))
    {
      g_debug ("Connection %" G_GUINT64_FORMAT ": connect failed: %s", self->id, error->message);
      stream_close (self);
    }
  else
    {
      g_clear_object (&self->local);
      self->local = g_socket_get_local_address (socket, NULL);
      if (self->protocol == UST_PROTOCOL_TLS)
        {
          if (!start_tls (self, FALSE, &error))
            stream_close (self);
        }
      else
        {
          self->established = TRUE;
          start_reading (self);
          flush (self);
        }
    }
  stream_unref (self);
  return G_SOURCE_REMOVE;
}

/* A connection the exchange opens to a phone (RFC 3261 §18.2.2 and §18.1.1:
 * a request to a phone whose connection is gone), from our address @from
 * (or any). What is sent before it is up waits in the queue. */
UstStream *
ust_stream_new_outgoing (GSocketAddress            *to,
                         GInetAddress              *from,
                         UstProtocol                protocol,
                         guint64                    id,
                         const UstStreamCallbacks  *callbacks,
                         gpointer                   user_data,
                         GError                   **error)
{
  g_autoptr(GError) local_error = NULL;
  UstStream *self;
  GSocket *socket;

  socket = g_socket_new (g_socket_address_get_family (to), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  if (from != NULL && !g_inet_address_get_is_any (from))
    {
      g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new (from, 0);

      if (!g_socket_bind (socket, bind_to, FALSE, error))
        {
          g_object_unref (socket);
          return NULL;
        }
    }
  g_socket_set_blocking (socket, FALSE);

  self = stream_new (protocol, id, callbacks, user_data);
  self->socket = socket;
  self->remote = g_object_ref (to);
  if (g_socket_connect (socket, to, NULL, &local_error))
    {
      self->connecting = TRUE;
      connected_cb (socket, G_IO_OUT, self);
      return self;
    }
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      self->closed = TRUE;
      stream_unref (self);
      return NULL;
    }
  self->connecting = TRUE;
  self->out_source = g_socket_create_source (socket, G_IO_OUT, NULL);
  g_source_set_callback (self->out_source, G_SOURCE_FUNC (connected_cb), self, NULL);
  g_source_attach (self->out_source, g_main_context_get_thread_default ());
  return self;
}

/* Closes the connection now (without telling the owner, who asked) and
 * drops the owner's reference. Not from within the stream's own callbacks:
 * the owner frees a stream that reported "closed" later, from its loop. */
void
ust_stream_free (UstStream *self)
{
  static const UstStreamCallbacks none = { 0 };

  if (self == NULL)
    return;
  self->callbacks = &none;
  stream_close (self);
  stream_unref (self);
}

/* Queues @data and writes what it can at once. Fails when the connection
 * is closed or the phone has not read what it was sent for a long while. */
gboolean
ust_stream_send (UstStream   *self,
                 const char  *data,
                 gsize        len,
                 GError     **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection is closed");
      return FALSE;
    }
  if (self->outq->len + len > MAX_QUEUED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "The phone does not read what it is sent");
      stream_close (self);
      return FALSE;
    }
  g_byte_array_append (self->outq, (const guint8 *) data, (guint) len);
  flush (self);
  return TRUE;
}

/* Closes once everything queued is written: after an error answer, or at
 * the end of a stream the phone closed its side of. */
void
ust_stream_close_when_sent (UstStream *self)
{
  self->close_when_sent = TRUE;
  drop_source (&self->in_source);
  flush (self);
}

/* FALSE for a connection the exchange opened that never came up: nothing
 * sent on it arrived (RFC 3261 §18.4: a transport error). */
gboolean
ust_stream_get_established (UstStream *self)
{
  return self->established;
}

guint64
ust_stream_get_id (UstStream *self)
{
  return self->id;
}

UstProtocol
ust_stream_get_protocol (UstStream *self)
{
  return self->protocol;
}

GSocketAddress *
ust_stream_get_remote (UstStream *self)
{
  return self->remote;
}

GSocketAddress *
ust_stream_get_local (UstStream *self)
{
  return self->local;
}

gint64
ust_stream_get_last_active (UstStream *self)
{
  return self->last_active;
}

/* When the bytes of an unfinished message started waiting, or 0. */
gint64
ust_stream_get_partial_since (UstStream *self)
{
  return self->partial_since;
}

void
ust_stream_set_user_data (UstStream *self,
                          gpointer   data)
{
  self->user_data = data;
}

gpointer
ust_stream_get_user_data (UstStream *self)
{
  return self->user_data;
}
