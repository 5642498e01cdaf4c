/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-transport"

#include "config.h"

#include <string.h>

#include <gio/gnetworking.h>
#include <glib/gi18n-lib.h>

#include "ust-transport.h"

#define UST_RECEIVE_BATCH 16

struct _UstTransport {
  GObject             parent_instance;

  GInetSocketAddress *requested;
  GInetSocketAddress *local;
  GSocket            *socket;
  GSource            *source;
  UstDatagramFunc     receiver;
  gpointer            receiver_data;
  char               *buffer;        /* UST_RECEIVE_BATCH datagrams */
  GInputMessage       messages[UST_RECEIVE_BATCH];
  GInputVector        vectors[UST_RECEIVE_BATCH];
  GSocketAddress     *addresses[UST_RECEIVE_BATCH];
  UstTrace           *trace;         /* optional: every datagram in and out */
  UstTraceAddress     trace_local;   /* our address, converted once */
};

enum {
  PROP_0,
  PROP_ADDRESS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UstTransport, ust_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, initable_iface_init))

static void
deliver (UstTransport  *self,
         GInputMessage *message)
{
  if (message->bytes_received > UST_MAX_DATAGRAM || (message->flags & G_SOCKET_MSG_PEEK) != 0)
    {
      g_debug ("Dropped a datagram larger than %d bytes", UST_MAX_DATAGRAM);
      return;
    }
  if (message->address == NULL || *message->address == NULL)
    return;
  /* Recorded before the proxy sees it, keep-alives and junk included: the
   * trace shows what arrived, whatever the proxy then makes of it. */
  if (self->trace != NULL)
    {
      UstTraceAddress from;

      ust_trace_address_from_socket_address (&from, *message->address);
      ust_trace_record (self->trace, UST_TRACE_RECEIVED, &from, &self->trace_local,
                        message->vectors[0].buffer, message->bytes_received);
    }
  if (self->receiver != NULL)
    self->receiver (self, message->vectors[0].buffer, message->bytes_received,
                    *message->address, self->receiver_data);
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
          deliver (self, &self->messages[i]);
          g_clear_object (&self->addresses[i]);
        }
      if (n < UST_RECEIVE_BATCH)
        break;
    }

  return G_SOURCE_CONTINUE;
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
  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code, _("Cannot create a UDP socket: %s"),
                   local_error->message);
      return FALSE;
    }

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
}

static void
ust_transport_init (UstTransport *self)
{
}

UstTransport *
ust_transport_new (GInetSocketAddress  *address,
                   GError             **error)
{
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);

  return g_initable_new (UST_TYPE_TRANSPORT, NULL, error, "address", address, NULL);
}

void
ust_transport_set_receiver (UstTransport    *self,
                            UstDatagramFunc  func,
                            gpointer         user_data)
{
  g_return_if_fail (UST_IS_TRANSPORT (self));

  self->receiver = func;
  self->receiver_data = user_data;
}

gboolean
ust_transport_send (UstTransport    *self,
                    GSocketAddress  *to,
                    const char      *data,
                    gsize            len,
                    GError         **error)
{
  gssize sent;

  g_return_val_if_fail (UST_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (to), FALSE);

  if (self->socket == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The exchange is stopped");
      return FALSE;
    }

  sent = g_socket_send_to (self->socket, to, data, len, NULL, error);
  if (sent != (gssize) len)
    return FALSE;
  if (self->trace != NULL)
    {
      UstTraceAddress destination;

      ust_trace_address_from_socket_address (&destination, to);
      ust_trace_record (self->trace, UST_TRACE_SENT, &self->trace_local, &destination, data, len);
    }
  return TRUE;
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

  return ust_socket_address_to_string (G_SOCKET_ADDRESS (self->local));
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
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
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

/* "192.168.1.10:5060", "[fd00::2]:5060", "192.168.1.10" or "::1". Only
 * numeric addresses: the exchange never waits on DNS. */
gboolean
ust_parse_host_port (const char          *text,
                     guint                default_port,
                     GInetSocketAddress **address,
                     GError             **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port = default_port;
  const char *port_text = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        goto bad;
      host = g_strndup (text + 1, (gsize) (close - text - 1));
      if (close[1] == ':')
        port_text = close + 2;
    }
  else
    {
      const char *colon = strchr (text, ':');

      if (colon != NULL && strchr (colon + 1, ':') == NULL)
        {
          host = g_strndup (text, (gsize) (colon - text));
          port_text = colon + 1;
        }
      else
        host = g_strdup (text);
    }

  if (port_text != NULL && !g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    goto bad;

  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    goto bad;

  *address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("“%s” is not an address and port such as 192.168.1.10:5060 or [fd00::2]:5060"),
               text);
  return FALSE;
}

char *
ust_socket_address_to_string (GSocketAddress *address)
{
  GInetSocketAddress *inet;
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = G_INET_SOCKET_ADDRESS (address);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (inet)) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, g_inet_socket_address_get_port (inet));
  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (inet));
}
