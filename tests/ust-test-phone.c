/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ust-test-phone.h"
#include "ust-transport.h"

/* Binds a phone to @host (port 0: any free one) that sends to @exchange. */
void
ust_test_phone_init (UstTestPhone   *phone,
                     const char     *host,
                     GSocketAddress *exchange)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new_from_string (host, 0);

  g_assert_nonnull (wanted);
  phone->socket = g_socket_new (g_socket_address_get_family (wanted), G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (phone->socket, wanted, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (phone->socket, FALSE);
  phone->address = g_socket_get_local_address (phone->socket, &error);
  g_assert_no_error (error);
  phone->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (phone->address));
  phone->host = g_strdup (host);
  phone->exchange = exchange != NULL ? g_object_ref (exchange) : NULL;
}

void
ust_test_phone_clear (UstTestPhone *phone)
{
  g_clear_object (&phone->socket);
  g_clear_object (&phone->address);
  g_clear_object (&phone->exchange);
  g_clear_pointer (&phone->host, g_free);
}

void
ust_test_phone_send_to (UstTestPhone   *phone,
                        GSocketAddress *to,
                        const char     *text)
{
  g_autoptr(GError) error = NULL;

  g_socket_send_to (phone->socket, to, text, strlen (text), NULL, &error);
  g_assert_no_error (error);
}

void
ust_test_phone_send (UstTestPhone *phone,
                     const char   *text)
{
  ust_test_phone_send_to (phone, phone->exchange, text);
}

/* Runs the default main context (the proxy's) until @phone receives a
 * datagram; NULL after @timeout_ms. @from, if given, gets where it came
 * from ("127.0.0.3:5060"). */
char *
ust_test_phone_receive (UstTestPhone  *phone,
                        guint          timeout_ms,
                        char         **from)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  char buffer[65536];

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GSocketAddress) source = NULL;
      gssize len = g_socket_receive_from (phone->socket, &source, buffer, sizeof buffer - 1, NULL,
                                          NULL);

      if (len > 0)
        {
          if (from != NULL)
            *from = ust_socket_address_to_string (source);
          return g_strndup (buffer, (gsize) len);
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }
  return NULL;
}

/* Runs the default main context for @milliseconds. */
void
ust_test_spin (guint milliseconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (500);
}
