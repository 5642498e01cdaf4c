/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-transport"

#include "config.h"

#include <string.h>

#include <gio/gnetworking.h>
#include <glib/gi18n-lib.h>

#include "ust-address-text.h"
#include "ust-address-text.h"
#include "ust-packet-info.h"
#include "ust-stream-server.h"
#include "ust-transport.h"

#define UST_RECEIVE_BATCH 16
/* Bound to all addresses: how many of our own addresses are remembered (a
 * computer has a handful), and how long the source address the routes pick
 * for a destination is trusted before it is looked up again. */
#define UST_LOCALS_MAX 256
#define UST_ROUTES_MAX 4096
#define UST_ROUTE_CHECK_USEC (10 * G_USEC_PER_SEC)

typedef struct {
  const UstLocalAddress *local;
  gint64                 checked_at;
} RouteEntry;

struct _UstTransport {
  GObject             parent_instance;

  GInetSocketAddress *requested;
  GInetSocketAddress *local;
  GSocket            *socket;
  GSource            *source;
  UstReceiveFunc      receiver;
  gpointer            receiver_data;
  char               *buffer;        /* UST_RECEIVE_BATCH datagrams */
  GInputMessage       messages[UST_RECEIVE_BATCH];
  GInputVector        vectors[UST_RECEIVE_BATCH];
  GSocketAddress     *addresses[UST_RECEIVE_BATCH];
  UstTransportOptions options;
  UstStreamServer    *streams;       /* TCP and TLS, when asked for */
  GHashTable         *advised;       /* "host|what" -> gint64 time a phone was last told */
  UstConnectionKeepFunc keep;
  gpointer            keep_data;
  UstConnectionFailedFunc failed;
  gpointer            failed_data;
  UstTrace           *trace;         /* optional: every datagram in and out */
  UstTraceAddress     trace_local;   /* our address, converted once */

  gboolean            any;           /* bound to 0.0.0.0 or :: */
  guint               port;
  GPtrArray          *locals;        /* UstLocalAddress*: the one address, or those seen */
  /* Bound to all addresses only: */
  GSocket            *probe;         /* connected to a destination to ask the routes */
  GHashTable         *routes;        /* destination host -> RouteEntry */
  GHashTable         *foreign;       /* host -> gint64 time it was found not to be ours */
  UstPacket           packets[UST_RECEIVE_BATCH];
};

enum {
  PROP_0,
  PROP_ADDRESS,
  N_PROPS,
};

enum {
  ADVICE,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UstTransport, ust_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, initable_iface_init))

/* Our own addresses ------------------------------------------------------- */

static UstLocalAddress *
local_address_new (GInetAddress *inet,
                   guint         port)
{
  UstLocalAddress *local = g_new0 (UstLocalAddress, 1);
  g_autofree char *text = g_inet_address_to_string (inet);

  local->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
  g_strlcpy (local->bare, text, sizeof local->bare);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    g_snprintf (local->host, sizeof local->host, "[%s]", text);
  else
    g_strlcpy (local->host, text, sizeof local->host);
  local->port = port;
  local->n_bytes = MIN (g_inet_address_get_native_size (inet), sizeof local->bytes);
  memcpy (local->bytes, g_inet_address_to_bytes (inet), local->n_bytes);
  ust_trace_address_from_socket_address (&local->trace, G_SOCKET_ADDRESS (local->address));
  return local;
}

static void
local_address_free (UstLocalAddress *local)
{
  g_clear_object (&local->address);
  g_free (local);
}

/* The entry for the address @bytes, added the first time it is seen. There
 * are a few per computer, so a scan beats a hash. */
static const UstLocalAddress *
intern_local (UstTransport *self,
              const guint8 *bytes,
              gsize         n_bytes)
{
  g_autoptr(GInetAddress) inet = NULL;
  UstLocalAddress *local;

  for (guint i = 0; i < self->locals->len; i++)
    {
      local = g_ptr_array_index (self->locals, i);
      if (local->n_bytes == n_bytes && memcmp (local->bytes, bytes, n_bytes) == 0)
        return local;
    }
  if (self->locals->len >= UST_LOCALS_MAX || (n_bytes != 4 && n_bytes != 16))
    return NULL;

  inet = g_inet_address_new_from_bytes (bytes, n_bytes == 4 ? G_SOCKET_FAMILY_IPV4
                                                             : G_SOCKET_FAMILY_IPV6);
  local = local_address_new (inet, self->port);
  g_ptr_array_add (self->locals, local);
  return local;
}

/* The source address the system's routes choose for @to: connecting a UDP
 * socket sends nothing, and afterwards the socket's own address is it. */
static const UstLocalAddress *
route_source (UstTransport   *self,
              GSocketAddress *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) source = NULL;
  GInetAddress *inet;

  if (!g_socket_connect (self->probe, to, NULL, &error))
    {
      g_debug ("No route to a destination: %s", error->message);
      return NULL;
    }
  source = g_socket_get_local_address (self->probe, &error);
  if (source == NULL || !G_IS_INET_SOCKET_ADDRESS (source))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (source));
  return intern_local (self, g_inet_address_to_bytes (inet),
                       g_inet_address_get_native_size (inet));
}

/* Receiving ---------------------------------------------------------------- */

static void
record (UstTransport          *self,
        UstTraceDirection      direction,
        const UstPeer         *peer,
        const UstLocalAddress *local,
        const char            *data,
        gsize                  len)
{
  UstTraceAddress remote, ours = local != NULL ? local->trace : self->trace_local;

  ust_trace_address_from_socket_address (&remote, peer->address);
  remote.protocol = ours.protocol = (guint8) peer->protocol;
  if (peer->protocol == UST_PROTOCOL_TLS)
    ours.port = (guint16) ust_transport_get_port (self, UST_PROTOCOL_TLS);
  if (direction == UST_TRACE_RECEIVED)
    ust_trace_record (self->trace, direction, &remote, &ours, data, len);
  else
    ust_trace_record (self->trace, direction, &ours, &remote, data, len);
}

static void
deliver (UstTransport          *self,
         const char            *data,
         gsize                  len,
         GSocketAddress        *from,
         const UstLocalAddress *local)
{
  UstPeer peer = { from, local, UST_PROTOCOL_UDP, 0 };

  /* Recorded before the proxy sees it, keep-alives and junk included: the
   * trace shows what arrived, whatever the proxy then makes of it. */
  if (self->trace != NULL)
    record (self, UST_TRACE_RECEIVED, &peer, local, data, len);
  if (self->receiver != NULL)
    self->receiver (self, data, len, &peer, NULL, self->receiver_data);
}

static void
deliver_message (UstTransport  *self,
                 GInputMessage *message)
{
  if (message->bytes_received > UST_MAX_DATAGRAM || (message->flags & G_SOCKET_MSG_PEEK) != 0)
    {
      g_debug ("Dropped a datagram larger than %d bytes", UST_MAX_DATAGRAM);
      return;
    }
  if (message->address == NULL || *message->address == NULL)
    return;
  deliver (self, message->vectors[0].buffer, message->bytes_received, *message->address,
           g_ptr_array_index (self->locals, 0));
}

static void
deliver_packet (UstTransport *self,
                UstPacket    *packet)
{
  g_autoptr(GSocketAddress) from = NULL;
  const UstLocalAddress *local = NULL;

  if (packet->truncated || packet->length > UST_MAX_DATAGRAM)
    {
      g_debug ("Dropped a datagram larger than %d bytes", UST_MAX_DATAGRAM);
      return;
    }
  from = g_socket_address_new_from_native (&packet->from, (gsize) packet->from_length);
  if (from == NULL || !G_IS_INET_SOCKET_ADDRESS (from))
    return;
  if (packet->local_length > 0)
    local = intern_local (self, packet->local, packet->local_length);
  if (local == NULL)
    local = ust_transport_local_for (self, from, NULL);
  deliver (self, packet->buffer, packet->length, from, local);
}

/* On Windows GLib's socket source keeps "readable" set until one of GLib's
 * own receives says "would block"; ours bypass it. A peek through GLib, once
 * the socket is empty, tells it (and takes nothing: a datagram that came in
 * meanwhile stays for the next round). */
static void
rearm_source (UstTransport *self G_GNUC_UNUSED)
{
#ifdef G_OS_WIN32
  char byte;
  GInputVector vector = { &byte, 1 };
  int flags = G_SOCKET_MSG_PEEK;

  g_socket_receive_message (self->socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, NULL);
#endif
}

/* Bound to all addresses: the same batches, with each datagram's local
 * address from the kernel (ust-packet-info-*.c). */
static void
receive_packets (UstTransport *self)
{
  intptr_t fd = g_socket_get_fd (self->socket);

  for (guint round = 0; round < 16; round++)
    {
      int code = 0;
      int n;

      for (guint i = 0; i < UST_RECEIVE_BATCH; i++)
        {
          self->packets[i].buffer = self->buffer + (gsize) i * (UST_MAX_DATAGRAM + 1);
          self->packets[i].size = UST_MAX_DATAGRAM + 1;
        }
      n = ust_packet_receive (fd, self->packets, UST_RECEIVE_BATCH, &code);
      if (n < 0)
        {
          if (ust_packet_would_block (code))
            {
              rearm_source (self);
              break;
            }
          g_debug ("Receive failed: error %d", code);
          continue;
        }
      for (int i = 0; i < n; i++)
        deliver_packet (self, &self->packets[i]);
      if (n < UST_RECEIVE_BATCH)
        break;
    }
}

/* Drains the socket in batches (recvmmsg on Linux): one wake-up may carry
 * many datagrams, and a short batch means the queue is empty, which spares
 * the extra receive that would only say "would block" (TECH-NOTES §4). */
static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  UstTransport *self = user_data;

  if (self->any)
    {
      receive_packets (self);
      return G_SOURCE_CONTINUE;
    }

  for (guint round = 0; round < 16; round++)
    {
      g_autoptr(GError) error = NULL;
      int n;

      for (guint i = 0; i < UST_RECEIVE_BATCH; i++)
        {
          self->vectors[i].buffer = self->buffer + (gsize) i * (UST_MAX_DATAGRAM + 1);
          self->vectors[i].size = UST_MAX_DATAGRAM + 1;
          self->messages[i] = (GInputMessage) {
            .address = &self->addresses[i],
            .vectors = &self->vectors[i],
            .num_vectors = 1,
          };
        }

      n = g_socket_receive_messages (self->socket, self->messages, UST_RECEIVE_BATCH, 0, NULL,
                                     &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* An ICMP error must not close the socket: log it, keep serving. */
          g_debug ("Receive failed: %s", error->message);
          continue;
        }

      for (int i = 0; i < n; i++)
        {
          deliver_message (self, &self->messages[i]);
          g_clear_object (&self->addresses[i]);
        }
      if (n < UST_RECEIVE_BATCH)
        break;
    }

  return G_SOURCE_CONTINUE;
}

/* TCP and TLS ---------------------------------------------------------------- */

/* Our address a connection arrived at: bound to all addresses, each
 * connection says which of ours the phone chose. */
static const UstLocalAddress *
stream_local (UstTransport *self,
              UstStream    *stream)
{
  GSocketAddress *local = ust_stream_get_local (stream);
  GInetAddress *inet;

  if (!self->any || !G_IS_INET_SOCKET_ADDRESS (local))
    return g_ptr_array_index (self->locals, 0);
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  return intern_local (self, g_inet_address_to_bytes (inet),
                       g_inet_address_get_native_size (inet));
}

static void
stream_message_cb (UstStreamServer *server,
                   UstStream       *stream,
                   const char      *data,
                   gsize            len,
                   const char      *frame_error,
                   gpointer         user_data)
{
  UstTransport *self = user_data;
  const UstLocalAddress *local = stream_local (self, stream);
  UstPeer peer = {
    ust_stream_get_remote (stream), local, ust_stream_get_protocol (stream),
    ust_stream_get_id (stream),
  };

  if (self->trace != NULL)
    record (self, UST_TRACE_RECEIVED, &peer, local, data, len);
  if (self->receiver != NULL)
    self->receiver (self, data, len, &peer, frame_error, self->receiver_data);
}

/* The transport doctor: a phone that knocks on a closed door is told, in
 * one line, what to change; once a minute per phone, not per packet. */
static void
advise (UstTransport   *self,
        GSocketAddress *from,
        const char     *what,
        const char     *text)
{
  g_autofree char *host = NULL;
  g_autofree char *key = NULL;
  char bare[64];
  guint port;
  gint64 now = g_get_monotonic_time ();
  gint64 *last;

  if (!ust_address_text_host (from, bare, sizeof bare, &port, NULL))
    return;
  key = g_strdup_printf ("%s|%s", bare, what);
  last = g_hash_table_lookup (self->advised, key);
  if (last != NULL && now - *last < (gint64) UST_ADVICE_INTERVAL_SECONDS * G_USEC_PER_SEC)
    return;
  if (last == NULL)
    {
      if (g_hash_table_size (self->advised) >= UST_ROUTES_MAX)
        g_hash_table_remove_all (self->advised);
      last = g_new (gint64, 1);
      g_hash_table_insert (self->advised, g_steal_pointer (&key), last);
    }
  *last = now;
  g_signal_emit (self, signals[ADVICE], 0, bare, text);
}

static void
stream_note_cb (UstStreamServer *server,
                GSocketAddress  *remote,
                UstProtocol      protocol,
                UstStreamNote    note,
                const char      *detail,
                gpointer         user_data)
{
  UstTransport *self = user_data;
  g_autofree char *text = NULL;
  char host[64];
  guint remote_port, port = self->port, tls_port = ust_transport_get_port (self, UST_PROTOCOL_TLS);
  const char *what = "";

  if (!ust_address_text_host (remote, host, sizeof host, &remote_port, NULL))
    return;
  switch (note)
    {
    case UST_STREAM_NOTE_TLS_ON_PLAIN:
      what = "tls-on-tcp";
      text = self->options.tls && self->options.certificate != NULL
        /* Translators: the first %s is a phone's address. */
        ? g_strdup_printf (_("%s tried TLS on port %u, which takes UDP and TCP: set the phone's "
                             "transport to TLS with port %u, or to TCP or UDP with port %u."),
                           host, port, tls_port, port)
        : g_strdup_printf (_("%s tried TLS on port %u: choose TLS in the exchange's preferences, "
                             "or set the phone's transport to UDP or TCP."),
                           host, port);
      break;
    case UST_STREAM_NOTE_TLS_OFF:
      what = "tls-off";
      text = g_strdup_printf (_("%s tried TLS on port %u, but TLS is off: choose TLS in the "
                                "exchange's preferences, or set the phone's transport to UDP or "
                                "TCP with port %u."),
                              host, tls_port, port);
      break;
    case UST_STREAM_NOTE_PLAIN_ON_TLS:
      what = "tcp-on-tls";
      text = g_strdup_printf (_("%s sent plain SIP to the TLS port %u: set the phone's transport "
                                "to TLS, or its port to %u for UDP or TCP."),
                              host, tls_port, port);
      break;
    case UST_STREAM_NOTE_TLS_UNTRUSTED:
      what = "tls-untrusted";
      text = g_strdup_printf (_("%s broke off the TLS handshake, most likely because it does "
                                "not trust the exchange's certificate: set the phone's transport "
                                "to TCP or UDP, or turn off its check of server certificates "
                                "(the phone setup code does that)."),
                              host);
      break;
    case UST_STREAM_NOTE_TLS_FAILED:
      what = "tls-failed";
      text = g_strdup_printf (_("%s could not start TLS with the exchange (%s): set the phone's "
                                "transport to TCP or UDP."),
                              host, detail != NULL ? detail : "?");
      break;
    case UST_STREAM_NOTE_NOT_SIP:
      what = "not-sip";
      text = g_strdup_printf (_("%s sent something that is not SIP to port %u: is it a phone, "
                                "and is its transport %s?"),
                              host, protocol == UST_PROTOCOL_TLS ? tls_port : port,
                              ust_protocol_to_via (protocol));
      break;
    }
  if (text != NULL)
    advise (self, remote, what, text);
}

/* RFC 3261 §18.1.1: a message over 1300 bytes should go over TCP. A UDP
 * datagram that ends before its Content-Length lost its tail on the way
 * (the fragments of a video INVITE on Wi-Fi). */
void
ust_transport_advise_cut_short (UstTransport   *self,
                                GSocketAddress *from,
                                gsize           received,
                                gsize           declared)
{
  g_autofree char *text = NULL;
  g_autofree char *got = g_strdup_printf ("%" G_GSIZE_FORMAT, received);
  g_autofree char *expected = g_strdup_printf ("%" G_GSIZE_FORMAT, declared);
  char host[64];
  guint port;

  g_return_if_fail (UST_IS_TRANSPORT (self));

  if (!ust_address_text_host (from, host, sizeof host, &port, NULL))
    return;
  /* Translators: "%s of %s bytes": how much of a message's body arrived. */
  text = g_strdup_printf (_("%s sent a SIP message over UDP that arrived cut short (%s of %s "
                            "bytes of body): large messages such as video calls get lost on "
                            "Wi-Fi; set the phone's transport to TCP."),
                          host, got, expected);
  advise (self, from, "udp-cut-short", text);
}

static void
stream_closed_cb (UstStreamServer *server,
                  guint64          id,
                  gboolean         established,
                  gpointer         user_data)
{
  UstTransport *self = user_data;

  if (!established && self->failed != NULL)
    self->failed (id, self->failed_data);
}

static gboolean
keep_connection_cb (guint64  connection,
                    gpointer user_data)
{
  UstTransport *self = user_data;

  return self->keep != NULL && self->keep (connection, self->keep_data);
}

static gboolean
send_on_stream (UstTransport   *self,
                const UstPeer  *to,
                const char     *data,
                gsize           len,
                guint64        *used,
                GError        **error)
{
  UstStream *stream = NULL;

  if (self->streams == NULL
      || (to->protocol == UST_PROTOCOL_TLS && self->options.certificate == NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s is off",
                   ust_protocol_to_via (to->protocol));
      return FALSE;
    }
  stream = ust_stream_server_lookup (self->streams, to->connection);
  if (stream == NULL)
    {
      GInetAddress *from = to->local != NULL
                             ? g_inet_socket_address_get_address (to->local->address)
                             : (self->any ? NULL : g_inet_socket_address_get_address (self->local));

      stream = ust_stream_server_connect (self->streams, to->address, from, to->protocol, error);
      if (stream == NULL)
        return FALSE;
    }
  *used = ust_stream_get_id (stream);
  return ust_stream_send (stream, data, len, error);
}

static char *
describe_bind_error (GInetSocketAddress *address,
                     const GError       *error)
{
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  guint port = g_inet_socket_address_get_port (address);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    return g_strdup_printf (_("Port %u on %s is already in use — is a softphone or another "
                              "exchange running on this computer? Close it or choose another port."),
                            port, host);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return g_strdup_printf (_("Not allowed to use port %u on %s — ports below 1024 need "
                              "administrator rights. Choose a port such as 5060."),
                            port, host);
  return g_strdup_printf (_("Cannot listen on %s port %u: %s — is this address one of this "
                            "computer's own?"),
                          host, port, error->message);
}

/* Bound to 0.0.0.0 or ::: the kernel must say where each datagram was sent
 * to, and a second socket asks the routes where a destination is reached
 * from. */
static gboolean
listen_on_all_addresses (UstTransport   *self,
                         GSocket        *socket,
                         GSocketFamily   family,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  int code;

  code = ust_packet_info_enable (g_socket_get_fd (socket),
                                 family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET);
  if (code != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("This system cannot tell which address a phone sent to (error %d): "
                     "choose one address instead of all addresses."),
                   code);
      return FALSE;
    }
  self->probe = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                              &local_error);
  if (self->probe == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code, _("Cannot create a UDP socket: %s"),
                   local_error->message);
      return FALSE;
    }
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->foreign = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return TRUE;
}

/* TCP on the UDP port, TLS on the next one (RFC 3261 §19.1.2: 5060 and
 * 5061). Without TLS the TLS port still listens, to tell a phone that tries
 * TLS that it is off. */
static gboolean
listen_on_streams (UstTransport  *self,
                   GError       **error)
{
  GInetAddress *inet = g_inet_socket_address_get_address (self->requested);
  guint requested_port = g_inet_socket_address_get_port (self->requested);
  guint tls_port = self->options.tls_port;
  g_autoptr(GSocketAddress) tcp = NULL;
  g_autoptr(GSocketAddress) tls = NULL;
  g_autoptr(GError) local_error = NULL;
  UstStreamServerConfig config = { 0 };
  UstProtocol failed = UST_PROTOCOL_TCP;

  if (tls_port == 0 && requested_port != 0)
    tls_port = MIN (requested_port + 1, 65535);
  tcp = g_inet_socket_address_new (inet, (guint16) self->port);
  tls = g_inet_socket_address_new (inet, (guint16) tls_port);
  config.tcp_address = self->options.tcp ? G_INET_SOCKET_ADDRESS (tcp) : NULL;
  config.tls_address = G_INET_SOCKET_ADDRESS (tls);
  config.certificate = self->options.tls ? self->options.certificate : NULL;
  config.max_connections = self->options.max_connections;
  config.stall_seconds = self->options.stall_seconds;
  config.idle_seconds = self->options.idle_seconds;

  self->streams = ust_stream_server_new (&config, &failed, &local_error);
  if (self->streams == NULL && failed == UST_PROTOCOL_TLS && !self->options.tls
      && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      /* TLS is off and something else has its port: no doctor there. */
      g_clear_error (&local_error);
      config.tls_address = NULL;
      self->streams = ust_stream_server_new (&config, &failed, &local_error);
    }
  if (self->streams == NULL)
    {
      g_autofree char *message = describe_bind_error (
        G_INET_SOCKET_ADDRESS (failed == UST_PROTOCOL_TCP ? tcp : tls), local_error);

      g_set_error_literal (error, G_IO_ERROR, local_error->code, message);
      return FALSE;
    }
  ust_stream_server_set_handlers (self->streams, stream_message_cb, stream_note_cb,
                                  stream_closed_cb, self);
  ust_stream_server_set_keeper (self->streams, keep_connection_cb, self);
  return TRUE;
}

static gboolean
ust_transport_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  UstTransport *self = UST_TRANSPORT (initable);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocket) socket = NULL;
  GSocketFamily family;

  g_return_val_if_fail (self->requested != NULL, FALSE);

  family = g_socket_address_get_family (G_SOCKET_ADDRESS (self->requested));
  self->any = g_inet_address_get_is_any (g_inet_socket_address_get_address (self->requested));
  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code, _("Cannot create a UDP socket: %s"),
                   local_error->message);
      return FALSE;
    }
  /* "::" means the IPv6 addresses only: an IPv4 datagram on an IPv6 socket
   * would come with a mapped address that no phone could use in a Via. */
  if (self->any && family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);

  /* No address reuse: on UDP GLib would set SO_REUSEPORT, and a second
   * exchange on the same port would silently share the traffic. */
  if (!g_socket_bind (socket, G_SOCKET_ADDRESS (self->requested), FALSE, &local_error))
    {
      g_autofree char *message = describe_bind_error (self->requested, local_error);

      g_set_error_literal (error, G_IO_ERROR, local_error->code, message);
      return FALSE;
    }

  g_socket_set_blocking (socket, FALSE);
  /* Bursts of registrations and calls arrive faster than one wake-up. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4 << 20, NULL);
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 4 << 20, NULL);

  self->local = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (socket, error));
  if (self->local == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (self->local);
  self->locals = g_ptr_array_new_with_free_func ((GDestroyNotify) local_address_free);
  if (self->any)
    {
      if (!listen_on_all_addresses (self, socket, family, error))
        return FALSE;
    }
  else
    g_ptr_array_add (self->locals,
                     local_address_new (g_inet_socket_address_get_address (self->local),
                                        self->port));

  if ((self->options.tcp || self->options.tls) && !listen_on_streams (self, error))
    return FALSE;

  self->socket = g_steal_pointer (&socket);
  self->buffer = g_malloc ((gsize) UST_RECEIVE_BATCH * (UST_MAX_DATAGRAM + 1));
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (socket_readable_cb), self, NULL);
  g_source_set_static_name (self->source, "UstTransport");
  /* GLib blocks a non-recursive source while dispatching it, which removes
   * and re-adds its fd and wakes the loop through an eventfd: three extra
   * syscalls per wake-up. The callback never iterates the loop itself. */
  g_source_set_can_recurse (self->source, TRUE);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  return TRUE;
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = ust_transport_initable_init;
}

static void
ust_transport_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  UstTransport *self = UST_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      self->requested = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_transport_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  UstTransport *self = UST_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_object (value, self->local != NULL ? self->local : self->requested);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_transport_dispose (GObject *object)
{
  ust_transport_close (UST_TRANSPORT (object));

  G_OBJECT_CLASS (ust_transport_parent_class)->dispose (object);
}

static void
ust_transport_finalize (GObject *object)
{
  UstTransport *self = UST_TRANSPORT (object);

  g_clear_object (&self->requested);
  g_clear_object (&self->local);
  g_clear_object (&self->trace);
  g_clear_object (&self->probe);
  g_clear_pointer (&self->routes, g_hash_table_unref);
  g_clear_pointer (&self->foreign, g_hash_table_unref);
  g_clear_pointer (&self->locals, g_ptr_array_unref);
  g_clear_pointer (&self->advised, g_hash_table_unref);
  g_clear_object (&self->options.certificate);
  g_free (self->buffer);

  G_OBJECT_CLASS (ust_transport_parent_class)->finalize (object);
}

static void
ust_transport_class_init (UstTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = ust_transport_set_property;
  object_class->get_property = ust_transport_get_property;
  object_class->dispose = ust_transport_dispose;
  object_class->finalize = ust_transport_finalize;

  properties[PROP_ADDRESS] =
    g_param_spec_object ("address", NULL, NULL, G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The transport doctor: a phone at (the first string, its address)
   * knocked on a door that is closed; the second string says, translated,
   * what to change on it. At most once a minute per phone and problem. */
  signals[ADVICE] = g_signal_new ("advice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ust_transport_init (UstTransport *self)
{
  self->advised = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
ust_peer_copy (UstPeer       *dest,
               const UstPeer *src)
{
  *dest = *src;
  if (dest->address != NULL)
    g_object_ref (dest->address);
}

void
ust_peer_clear (UstPeer *peer)
{
  g_clear_object (&peer->address);
  peer->local = NULL;
  peer->connection = 0;
}

/* UDP only, on @address. */
UstTransport *
ust_transport_new (GInetSocketAddress  *address,
                   GError             **error)
{
  static const UstTransportOptions udp_only = { 0 };

  return ust_transport_new_with_options (address, &udp_only, error);
}

/* UDP on @address and what @options asks for besides. With port 0, UDP
 * picks a free port and TCP must get the same number: when another program
 * holds it for TCP, another port is tried. */
UstTransport *
ust_transport_new_with_options (GInetSocketAddress         *address,
                                const UstTransportOptions  *options,
                                GError                    **error)
{
  gboolean any_port;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  any_port = g_inet_socket_address_get_port (address) == 0;
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(UstTransport) self = g_object_new (UST_TYPE_TRANSPORT, "address", address, NULL);

      self->options = *options;
      if (options->certificate != NULL)
        g_object_ref (options->certificate);
      if (g_initable_init (G_INITABLE (self), NULL, &local_error))
        return g_steal_pointer (&self);
      if (!any_port || attempt >= 8
          || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

void
ust_transport_set_receiver (UstTransport   *self,
                            UstReceiveFunc  func,
                            gpointer        user_data)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));

  self->receiver = func;
  self->receiver_data = user_data;
}

void
ust_transport_set_connection_failed (UstTransport            *self,
                                     UstConnectionFailedFunc  func,
                                     gpointer                 user_data)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));

  self->failed = func;
  self->failed_data = user_data;
}

/* @func says whether a connection that has been idle for a while is still
 * needed (a phone registered on it): one that is not gets closed. */
void
ust_transport_set_connection_keeper (UstTransport          *self,
                                     UstConnectionKeepFunc  func,
                                     gpointer               user_data)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));

  self->keep = func;
  self->keep_data = user_data;
}

static gboolean
send_from (UstTransport          *self,
           const UstLocalAddress *from,
           GSocketAddress        *to,
           const char            *data,
           gsize                  len,
           GError               **error)
{
  struct sockaddr_storage native;
  int code;

  if (!g_socket_address_to_native (to, &native, sizeof native, error))
    return FALSE;
  code = ust_packet_send (g_socket_get_fd (self->socket), (struct sockaddr *) &native,
                          (ust_socklen_t) g_socket_address_get_native_size (to),
                          from != NULL ? from->bytes : NULL, from != NULL ? from->n_bytes : 0,
                          data, len);
  if (code == 0)
    return TRUE;
#ifdef G_OS_WIN32
  {
    g_autofree char *message = g_win32_error_message (code);

    g_set_error_literal (error, G_IO_ERROR, g_io_error_from_win32_error (code), message);
  }
#else
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (code), g_strerror (code));
#endif
  return FALSE;
}

/* Sends @data to @to: over UDP from our address @to->local (where the
 * request being answered arrived; NULL lets the routes choose, as for a new
 * request), over TCP or TLS on connection @to->connection while it is open,
 * else on one to @to->address, opened if need be; @to->connection is then
 * the connection used. */
gboolean
ust_transport_send (UstTransport   *self,
                    UstPeer        *to,
                    const char     *data,
                    gsize           len,
                    GError        **error)
{
  const UstLocalAddress *from;
  UstPeer sent;

  g_return_val_if_fail (UST_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (to != NULL && G_IS_SOCKET_ADDRESS (to->address), FALSE);

  if (self->socket == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The exchange is stopped");
      return FALSE;
    }

  from = to->local;
  sent = *to;
  if (ust_protocol_is_stream (to->protocol))
    {
      if (!send_on_stream (self, to, data, len, &sent.connection, error))
        return FALSE;
    }
  else if (self->any)
    {
      if (from == NULL)
        from = ust_transport_local_for (self, to->address, NULL);
      if (!send_from (self, from, to->address, data, len, error))
        return FALSE;
    }
  else if (g_socket_send_to (self->socket, to->address, data, len, NULL, error) != (gssize) len)
    return FALSE;

  to->connection = sent.connection;
  if (self->trace != NULL)
    record (self, UST_TRACE_SENT, &sent, from, data, len);
  return TRUE;
}

/* TRUE when bound to 0.0.0.0 or ::. */
gboolean
ust_transport_is_any (UstTransport *self)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), FALSE);

  return self->any;
}

/* Our address that @to is reached from: what goes into the Via and the
 * Record-Route of a request sent there. Bound to one address, that one;
 * bound to all, the one the system's routes pick (looked up again after a
 * while, as networks change), or @fallback if there is no route. */
const UstLocalAddress *
ust_transport_local_for (UstTransport          *self,
                         GSocketAddress        *to,
                         const UstLocalAddress *fallback)
{
  g_autofree char *key = NULL;
  const UstLocalAddress *local;
  RouteEntry *entry;
  gint64 now;

  g_return_val_if_fail (UST_IS_TRANSPORT (self), NULL);

  if (!self->any)
    return g_ptr_array_index (self->locals, 0);
  if (!G_IS_INET_SOCKET_ADDRESS (to))
    return fallback;

  key = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (to)));
  now = g_get_monotonic_time ();
  entry = g_hash_table_lookup (self->routes, key);
  if (entry != NULL && now - entry->checked_at < UST_ROUTE_CHECK_USEC)
    return entry->local;

  local = route_source (self, to);
  if (local == NULL)
    return fallback;
  if (entry == NULL)
    {
      if (g_hash_table_size (self->routes) >= UST_ROUTES_MAX)
        g_hash_table_remove_all (self->routes);
      entry = g_new0 (RouteEntry, 1);
      g_hash_table_insert (self->routes, g_steal_pointer (&key), entry);
    }
  entry->local = local;
  entry->checked_at = now;
  return local;
}

/* Bound to all addresses, an address not seen yet may still be this
 * computer's (a phone's Request-URI names one it did not send to): a socket
 * binds to it only if it is. Answers are kept for a while either way. */
static const UstLocalAddress *
probe_local (UstTransport *self,
             const char   *bare_host)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (bare_host);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 *seen;

  if (inet == NULL || g_inet_address_get_is_any (inet) || g_inet_address_get_is_multicast (inet)
      || g_inet_address_get_family (inet) != g_socket_get_family (self->socket))
    return NULL;
  seen = g_hash_table_lookup (self->foreign, bare_host);
  if (seen != NULL && now - *seen < UST_ROUTE_CHECK_USEC)
    return NULL;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, NULL);
  address = g_inet_socket_address_new (inet, 0);
  if (socket != NULL && g_socket_bind (socket, address, FALSE, NULL))
    return intern_local (self, g_inet_address_to_bytes (inet),
                         g_inet_address_get_native_size (inet));

  if (g_hash_table_size (self->foreign) >= UST_ROUTES_MAX)
    g_hash_table_remove_all (self->foreign);
  seen = g_new (gint64, 1);
  *seen = now;
  g_hash_table_replace (self->foreign, g_strdup (bare_host), seen);
  return NULL;
}

/* Our address written @bare_host (no brackets), or NULL if it is not one
 * of ours. */
const UstLocalAddress *
ust_transport_find_local (UstTransport *self,
                          const char   *bare_host)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), NULL);

  for (guint i = 0; self->locals != NULL && i < self->locals->len; i++)
    {
      const UstLocalAddress *local = g_ptr_array_index (self->locals, i);

      if (g_ascii_strcasecmp (local->bare, bare_host) == 0)
        return local;
    }
  if (self->any && self->socket != NULL)
    return probe_local (self, bare_host);
  return NULL;
}

GInetSocketAddress *
ust_transport_get_local_address (UstTransport *self)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), NULL);

  return self->local;
}

char *
ust_transport_describe (UstTransport *self)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), NULL);

  return ust_address_text_format (G_SOCKET_ADDRESS (self->local));
}

void
ust_transport_close (UstTransport *self)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_clear_pointer (&self->streams, ust_stream_server_free);
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
}

/* Whether phones can reach the exchange over @protocol. */
gboolean
ust_transport_has_protocol (UstTransport *self,
                            UstProtocol   protocol)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), FALSE);

  switch (protocol)
    {
    case UST_PROTOCOL_UDP:
      return TRUE;
    case UST_PROTOCOL_TCP:
      return self->streams != NULL && self->options.tcp;
    case UST_PROTOCOL_TLS:
      return self->streams != NULL && self->options.tls && self->options.certificate != NULL;
    default:
      return FALSE;
    }
}

/* The port phones use for @protocol: UDP and TCP share one; TLS has its
 * own (also while TLS is off, when the doctor listens there), 0 if none. */
guint
ust_transport_get_port (UstTransport *self,
                        UstProtocol   protocol)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), 0);

  if (protocol == UST_PROTOCOL_UDP)
    return self->port;
  return self->streams != NULL ? ust_stream_server_get_port (self->streams, protocol) : 0;
}

/* Whether TCP/TLS connection @connection is still open. */
gboolean
ust_transport_has_connection (UstTransport *self,
                              guint64       connection)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), FALSE);

  return self->streams != NULL && ust_stream_server_lookup (self->streams, connection) != NULL;
}

guint
ust_transport_get_n_connections (UstTransport *self)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), 0);

  return self->streams != NULL ? ust_stream_server_get_n_connections (self->streams) : 0;
}

/* Records every datagram received (before the proxy parses it) and every
 * one sent successfully into @trace, or stops recording when @trace is NULL.
 * Call it on the thread that runs the transport's main context. */
void
ust_transport_set_trace (UstTransport *self,
                         UstTrace     *trace)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));
  g_return_if_fail (trace == NULL || UST_IS_TRACE (trace));

  if (self->local != NULL)
    ust_trace_address_from_socket_address (&self->trace_local, G_SOCKET_ADDRESS (self->local));
  g_set_object (&self->trace, trace);
}

UstTrace *
ust_transport_get_trace (UstTransport *self)
{
  g_return_val_if_fail (UST_IS_TRANSPORT (self), NULL);

  return self->trace;
}
