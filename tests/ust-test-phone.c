/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"
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

typedef struct {
  UstTestPhone   *phone;
  char           *text;
  GSocketAddress *source;
} Reception;

/* Takes the next datagram waiting on the phone's socket, if there is one. */
static gboolean
received (gpointer data)
{
  Reception *reception = data;
  char buffer[65536];
  gssize len = g_socket_receive_from (reception->phone->socket, &reception->source, buffer,
                                      sizeof buffer - 1, NULL, NULL);

  if (len <= 0)
    {
      g_clear_object (&reception->source);
      return FALSE;
    }
  reception->text = g_strndup (buffer, (gsize) len);
  return TRUE;
}

static gboolean
readable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context (the proxy's) until @phone receives a
 * datagram; NULL after @timeout_ms. @from, if given, gets where it came
 * from ("127.0.0.3:5060"). */
char *
ust_test_phone_receive (UstTestPhone  *phone,
                        guint          timeout_ms,
                        char         **from)
{
  g_autoptr(GSource) readable = g_socket_create_source (phone->socket, G_IO_IN, NULL);
  Reception reception = { phone, NULL, NULL };

  /* The phone's socket is not the proxy's: watching it wakes the loop as a
   * datagram arrives, rather than at the next tick of the wait. */
  g_source_set_callback (readable, G_SOURCE_FUNC (readable_cb), NULL, NULL);
  g_source_attach (readable, NULL);
  ust_test_spin_until (received, &reception, timeout_ms);
  g_source_destroy (readable);
  if (from != NULL && reception.source != NULL)
    *from = ust_address_text_format (reception.source);
  g_clear_object (&reception.source);
  return reception.text;
}

/* Registers @user with its Contact at @phone's own address and port (600 s)
 * and asserts the 200; returns the address the 200 came from. */
char *
ust_test_phone_register (UstTestPhone *phone,
                         const char   *user)
{
  g_autofree char *request = NULL;
  g_autofree char *reply = NULL;
  char *from = NULL;
  char domain[64];
  guint exchange_port;

  g_assert_true (ust_address_text_host (phone->exchange, domain, sizeof domain,
                                        &exchange_port, NULL));
  request = g_strdup_printf ("REGISTER sip:%s:%u SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bKreg%s;rport\r\n"
                             "From: <sip:%s@%s>;tag=r1\r\nTo: <sip:%s@%s>\r\n"
                             "Call-ID: reg-%s\r\nCSeq: 1 REGISTER\r\n"
                             "Contact: <sip:%s@%s:%u>\r\nExpires: 600\r\n"
                             "Content-Length: 0\r\n\r\n",
                             domain, exchange_port, phone->host, phone->port, user, user, domain,
                             user, domain, user, user, phone->host, phone->port);
  ust_test_phone_send (phone, request);
  reply = ust_test_phone_receive (phone, 2000, &from);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200 "));
  return from;
}
