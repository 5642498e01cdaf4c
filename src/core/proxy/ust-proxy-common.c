/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-proxy"

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy-private.h"

/* What the request side (ust-proxy.c), the server side and the client side
 * all use: the event log, sending, and telling our own addresses. */

/* Formatting an event, addresses included, costs more than the routing
 * decision: callers skip it when nobody listens, as under load. */
gboolean
ust_proxy_wants_events (UstProxy *self)
{
  return g_signal_has_handler_pending (self, self->event_signal, 0, FALSE);
}

void
ust_proxy_emit_event (UstProxy   *self,
                      const char *format,
                      ...)
{
  g_autofree char *line = NULL;
  va_list args;

  if (!ust_proxy_wants_events (self))
    return;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_signal_emit (self, self->event_signal, 0, line);
}

/* Sends to @to (its @local NULL: the routes pick our address; its
 * connection 0 or closed: one is opened). @to->connection is set to the
 * connection used, so that what follows goes the same way. */
gboolean
ust_proxy_send (UstProxy   *self,
                UstPeer    *to,
                const char *data,
                gsize       len)
{
  g_autoptr(GError) error = NULL;

  if (ust_transport_send (self->transport, to, data, len, &error))
    return TRUE;

  g_autofree char *where = ust_address_text_format (to->address);
  ust_proxy_emit_event (self, "Cannot send to %s over %s: %s", where,
                        ust_protocol_to_via (to->protocol), error->message);
  return FALSE;
}

/* Phones reach the exchange on one port for UDP and TCP and another for
 * TLS. */
gboolean
ust_proxy_is_our_port (UstProxy *self,
                       guint     port)
{
  return port == self->port
         || (port != 0 && port == ust_transport_get_port (self->transport, UST_PROTOCOL_TLS));
}

/* RFC 3261 §19.1.2 and §26.2: a sips: URI or ;transport=tls means TLS,
 * ;transport=tcp TCP, anything else UDP. */
UstProtocol
ust_proxy_uri_protocol (osip_uri_t *uri)
{
  osip_uri_param_t *param = NULL;
  UstProtocol protocol = UST_PROTOCOL_UDP;

  if (uri == NULL)
    return protocol;
  if (uri->scheme != NULL && g_ascii_strcasecmp (uri->scheme, "sips") == 0)
    return UST_PROTOCOL_TLS;
  if (osip_uri_uparam_get_byname (uri, "transport", &param) >= 0 && param != NULL)
    ust_protocol_from_text (param->gvalue, &protocol);
  return protocol;
}

/* A URI's port, or the default for its transport: 5061 for TLS (§19.1.2),
 * 5060 otherwise. */
guint
ust_proxy_uri_port (osip_uri_t *uri)
{
  if (uri != NULL && uri->port == NULL && ust_proxy_uri_protocol (uri) == UST_PROTOCOL_TLS)
    return 5061;
  return ust_sip_uri_port (uri);
}

/* Bound to all addresses, any address of this computer that phones have
 * used (the transport remembers them) is ours. */
static gboolean
bare_host_is_ours (UstProxy   *self,
                   const char *bare)
{
  if (self->any)
    return ust_transport_find_local (self->transport, bare) != NULL;
  return g_ascii_strcasecmp (bare, self->bare_host) == 0;
}

gboolean
ust_proxy_host_is_ours (UstProxy   *self,
                        const char *host)
{
  gsize len;

  if (host == NULL)
    return FALSE;
  len = strlen (host);
  if (len > 2 && host[0] == '[' && host[len - 1] == ']')
    {
      char bare[64];

      if (len - 2 >= sizeof bare)
        return FALSE;
      memcpy (bare, host + 1, len - 2);
      bare[len - 2] = '\0';
      return bare_host_is_ours (self, bare);
    }
  return bare_host_is_ours (self, host)
         || (self->domain != NULL && g_ascii_strcasecmp (host, self->domain) == 0);
}

gboolean
ust_proxy_is_our_via (UstProxy   *self,
                      osip_via_t *via)
{
  return via != NULL && ust_proxy_host_is_ours (self, via_get_host (via))
         && ust_proxy_is_our_port (self, ust_sip_via_port (via));
}

GSocketAddress *
ust_proxy_address_from_host (const char *host,
                             guint       port)
{
  g_autoptr(GInetAddress) inet = NULL;
  char bare[64];
  gsize len;

  if (host == NULL)
    return NULL;
  len = strlen (host);
  if (len > 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof bare)
    {
      memcpy (bare, host + 1, len - 2);
      bare[len - 2] = '\0';
      host = bare;
    }
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    return NULL;
  return g_inet_socket_address_new (inet, (guint16) port);
}

/* RFC 3261 §18.2.2 and RFC 3581 §4: a response goes to "received" (else
 * the host) and to "rport" (else the port) of the top Via. */
GSocketAddress *
ust_proxy_via_destination (osip_via_t  *via,
                           UstProtocol *protocol)
{
  osip_generic_param_t *received = NULL, *rport = NULL;
  const char *host = via_get_host (via);
  guint port = ust_sip_via_port (via);
  guint64 value;

  if (osip_via_param_get_byname (via, "received", &received) >= 0 && received != NULL
      && received->gvalue != NULL)
    host = received->gvalue;
  if (osip_via_param_get_byname (via, "rport", &rport) >= 0 && rport != NULL
      && ust_sip_parse_uint (rport->gvalue, 65535, &value) && value != 0)
    port = (guint) value;
  *protocol = UST_PROTOCOL_UDP;
  ust_protocol_from_text (via_get_protocol (via), protocol);
  return host != NULL ? ust_proxy_address_from_host (host, port) : NULL;
}
