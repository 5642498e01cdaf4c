/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-address-text"

#include "config.h"

#include <string.h>

#include <gio/gnetworking.h>
#include <glib/gi18n-lib.h>

#include "ust-address-text.h"
#include "ust-sip-text.h"

/* "192.168.1.10:5060", "[fd00::2]:5060", "192.168.1.10" or "::1". Only
 * numeric addresses: the exchange never waits on DNS. */
gboolean
ust_address_text_parse (const char          *text,
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

/* @address's host, without brackets ("192.168.1.23", "fd00::5"), into
 * @host, and its port. Straight from the socket address, with no
 * allocation: the proxy needs it for every request it receives. */
gboolean
ust_address_text_host (GSocketAddress *address,
                       char           *host,
                       gsize           size,
                       guint          *port,
                       gboolean       *ipv6)
{
  struct sockaddr_storage native;
  const void *bytes;

  if (!G_IS_INET_SOCKET_ADDRESS (address)
      || !g_socket_address_to_native (address, &native, sizeof native, NULL))
    return FALSE;
  if (native.ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &native;

      bytes = &in6->sin6_addr;
      *port = g_ntohs (in6->sin6_port);
    }
  else
    {
      const struct sockaddr_in *in4 = (const struct sockaddr_in *) &native;

      bytes = &in4->sin_addr;
      *port = g_ntohs (in4->sin_port);
    }
  if (ipv6 != NULL)
    *ipv6 = native.ss_family == AF_INET6;
  if (native.ss_family == AF_INET && size >= 16)
    {
      /* glibc's inet_ntop formats IPv4 with sprintf: ten times this. */
      const guint8 *octets = bytes;
      gsize at = 0;

      for (guint i = 0; i < 4; i++)
        {
          if (i > 0)
            host[at++] = '.';
          at += ust_text_put_decimal (host + at, octets[i]);
        }
      host[at] = '\0';
      return TRUE;
    }
  return inet_ntop (native.ss_family, bytes, host, (socklen_t) size) != NULL;
}

char *
ust_address_text_format (GSocketAddress *address)
{
  char host[64], text[80];
  gboolean ipv6;
  guint port;
  gsize at = 0, len;

  if (!ust_address_text_host (address, host, sizeof host, &port, &ipv6))
    return g_strdup ("?");
  len = strlen (host);
  if (ipv6)
    text[at++] = '[';
  memcpy (text + at, host, len);
  at += len;
  if (ipv6)
    text[at++] = ']';
  text[at++] = ':';
  at += ust_text_put_decimal (text + at, port);
  return g_strndup (text, at);
}
