/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The exchange bound to all addresses (0.0.0.0), on real sockets. All of
 * 127.0.0.0/8 is this computer's, so phones on 127.0.0.2 and 127.0.0.4 that
 * send to 127.0.0.3 and 127.0.0.5 stand in for phones on two networks: the
 * exchange must answer from the address each phone sent to, and name itself
 * to each side by an address that side reaches it at. */

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"
#include "ust-trace.h"

typedef struct {
  char           *data_dir;
  UstTransport   *transport;
  UstRegistrar   *registrar;
  UstReasonTable *reasons;
  UstProxy       *proxy;
  UstTrace       *trace;
  guint           port;
  UstTestPhone    alice;     /* 127.0.0.2, sends to 127.0.0.3 */
  UstTestPhone    bob;       /* 127.0.0.4, sends to 127.0.0.5 */
} Fixture;

/* The next datagram @phone receives (two seconds at most); @from gets
 * where it came from. */
static char *
phone_receive (UstTestPhone  *phone,
               char         **from)
{
  char *text = ust_test_phone_receive (phone, 2000, from);

  g_assert_nonnull (text);
  return text;
}

static char *
expand (Fixture    *fixture,
        const char *template)
{
  g_autofree char *proxy = g_strdup_printf ("%u", fixture->port);
  g_autofree char *alice = g_strdup_printf ("%u", fixture->alice.port);
  g_autofree char *bob = g_strdup_printf ("%u", fixture->bob.port);
  GString *text = g_string_new (template);

  g_string_replace (text, "PROXY", proxy, 0);
  g_string_replace (text, "APORT", alice, 0);
  g_string_replace (text, "BPORT", bob, 0);
  return g_string_free (text, FALSE);
}

/* The lines of @message whose header is @name, in order. */
static GPtrArray *
header_lines (const char *message,
              const char *name)
{
  g_auto(GStrv) lines = g_strsplit (message, "\r\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s:", name);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    if (g_ascii_strncasecmp (lines[i], prefix, strlen (prefix)) == 0)
      g_ptr_array_add (found, g_strdup (lines[i]));
  return found;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autofree char *store = NULL;

  fixture->data_dir = g_dir_make_tmp ("ust-all-XXXXXX", &error);
  g_assert_no_error (error);
  store = g_build_filename (fixture->data_dir, "registrations.db", NULL);

  g_assert_true (ust_address_text_parse ("0.0.0.0:0", 5060, &address, NULL));
  fixture->transport = ust_transport_new (address, &error);
  g_assert_no_error (error);
  g_assert_true (ust_transport_is_any (fixture->transport));
  fixture->trace = ust_trace_new (1000, 1 << 20);
  ust_transport_set_trace (fixture->transport, fixture->trace);
  fixture->registrar = ust_registrar_new (store);
  fixture->reasons = ust_reason_table_new ();
  fixture->proxy = ust_proxy_new (fixture->transport, fixture->registrar, fixture->reasons);
  fixture->port = g_inet_socket_address_get_port (ust_transport_get_local_address (
    fixture->transport));

  {
    g_autoptr(GSocketAddress) to_alice = g_inet_socket_address_new_from_string ("127.0.0.3",
                                                                              fixture->port);
    g_autoptr(GSocketAddress) to_bob = g_inet_socket_address_new_from_string ("127.0.0.5",
                                                                            fixture->port);

    ust_test_phone_init (&fixture->alice, "127.0.0.2", to_alice);
    ust_test_phone_init (&fixture->bob, "127.0.0.4", to_bob);
  }
  /* RFC 3581: each answer leaves from where the phone sent to, or a NAT
   * between them would drop it. */
  for (guint i = 0; i < 2; i++)
    {
      UstTestPhone *phone = i == 0 ? &fixture->alice : &fixture->bob;
      g_autofree char *from = ust_test_phone_register (phone, i == 0 ? "alice" : "bob");
      g_autofree char *expected = ust_address_text_format (phone->exchange);

      g_assert_cmpstr (from, ==, expected);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  ust_test_phone_clear (&fixture->alice);
  ust_test_phone_clear (&fixture->bob);
  g_clear_object (&fixture->proxy);
  g_clear_object (&fixture->registrar);
  g_clear_object (&fixture->reasons);
  g_clear_object (&fixture->transport);
  g_clear_object (&fixture->trace);
  /* Let the registrar's background save finish before removing its folder. */
  ust_test_spin (50);
  ust_test_remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
}

/* The registrations above already check the answers' source; the trace
 * must say where each REGISTER arrived too, as the Wire tab shows it. */
static void
test_trace_shows_address_phoned (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = ust_trace_get_since (fixture->trace, 0);
  guint registers = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *destination = NULL;
      g_autofree char *source = NULL;

      if (ust_trace_entry_get_kind (entry) != UST_TRACE_KIND_REQUEST)
        continue;
      destination = ust_trace_address_to_string (ust_trace_entry_get_destination (entry));
      source = ust_trace_address_host_to_string (ust_trace_entry_get_source (entry));
      if (g_strcmp0 (source, "127.0.0.2") == 0)
        g_assert_true (g_str_has_prefix (destination, "127.0.0.3:"));
      else
        g_assert_true (g_str_has_prefix (destination, "127.0.0.5:"));
      registers++;
    }
  g_assert_cmpuint (registers, ==, 2);
}

/* A call from alice's network to bob's: Via and Record-Route toward bob
 * name the address bob's INVITE came from, and the dialog is record-routed
 * twice (RFC 5658) so that alice keeps reaching us at 127.0.0.3. The
 * in-dialog ACK and BYE, routed by both entries, lose both. */
static void
test_call_between_addresses (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.3:PROXY SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.2:APORT;branch=z9hG4bKinv1;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@127.0.0.3>;tag=a1\r\nTo: <sip:bob@127.0.0.3>\r\n"
    "Call-ID: across-1\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@127.0.0.2:APORT>\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *trying = NULL, *trying_from = NULL;
  g_autofree char *at_bob = NULL, *bob_sees = NULL, *bob_sees_host = NULL;
  g_autofree char *rr_out = NULL, *rr_in = NULL, *via_out = NULL;
  g_autoptr(GPtrArray) record_routes = NULL;
  g_autoptr(GPtrArray) vias = NULL;
  g_autoptr(GSocketAddress) exchange_for_bob = NULL;
  char *colon;

  ust_test_phone_send (&fixture->alice, invite);
  trying = phone_receive (&fixture->alice, &trying_from);
  g_assert_true (g_str_has_prefix (trying, "SIP/2.0 100 "));
  g_assert_true (g_str_has_prefix (trying_from, "127.0.0.3:"));

  at_bob = phone_receive (&fixture->bob, &bob_sees);
  g_assert_true (g_str_has_prefix (at_bob, "INVITE sip:bob@127.0.0.4:"));
  bob_sees_host = g_strdup (bob_sees);
  colon = strrchr (bob_sees_host, ':');
  *colon = '\0';
  /* The routes send to 127.0.0.4 from 127.0.0.1, not from 127.0.0.3: the
   * two sides of the call know the exchange by different addresses. */
  g_assert_cmpstr (bob_sees_host, !=, "127.0.0.3");

  vias = header_lines (at_bob, "Via");
  via_out = g_strdup_printf ("Via: SIP/2.0/UDP %s;branch=", bob_sees);
  g_assert_cmpuint (vias->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (vias, 0), via_out));

  record_routes = header_lines (at_bob, "Record-Route");
  rr_out = g_strdup_printf ("Record-Route: <sip:%s;lr>", bob_sees);
  rr_in = expand (fixture, "Record-Route: <sip:127.0.0.3:PROXY;lr>");
  g_assert_cmpuint (record_routes->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (record_routes, 0), ==, rr_out);
  g_assert_cmpstr (g_ptr_array_index (record_routes, 1), ==, rr_in);

  /* Bob answers; the 200 reaches alice from 127.0.0.3 with both entries. */
  {
    g_autoptr(GPtrArray) bob_vias = header_lines (at_bob, "Via");
    g_autofree char *ok = g_strdup_printf (
      "SIP/2.0 200 OK\r\n%s\r\n%s\r\n%s\r\n%s\r\n"
      "From: <sip:alice@127.0.0.3>;tag=a1\r\nTo: <sip:bob@127.0.0.3>;tag=b1\r\n"
      "Call-ID: across-1\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:bob@127.0.0.4:%u>\r\nContent-Length: 0\r\n\r\n",
      (char *) g_ptr_array_index (bob_vias, 0), (char *) g_ptr_array_index (bob_vias, 1),
      (char *) g_ptr_array_index (record_routes, 0),
      (char *) g_ptr_array_index (record_routes, 1), fixture->bob.port);
    g_autofree char *at_alice = NULL, *alice_from = NULL;
    g_autoptr(GPtrArray) alice_rr = NULL;

    exchange_for_bob = g_inet_socket_address_new_from_string (bob_sees_host, fixture->port);
    ust_test_phone_send_to (&fixture->bob, exchange_for_bob, ok);
    at_alice = phone_receive (&fixture->alice, &alice_from);
    g_assert_true (g_str_has_prefix (at_alice, "SIP/2.0 200 OK"));
    g_assert_true (g_str_has_prefix (alice_from, "127.0.0.3:"));
    alice_rr = header_lines (at_alice, "Record-Route");
    g_assert_cmpuint (alice_rr->len, ==, 2);
  }

  /* Alice's ACK follows her route set (the entries reversed, §12.1.2). */
  {
    g_autofree char *template = g_strdup_printf (
      "ACK sip:bob@127.0.0.4:BPORT SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.2:APORT;branch=z9hG4bKack1;rport\r\n"
      "Route: <sip:127.0.0.3:PROXY;lr>\r\nRoute: <sip:%s;lr>\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@127.0.0.3>;tag=a1\r\nTo: <sip:bob@127.0.0.3>;tag=b1\r\n"
      "Call-ID: across-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", bob_sees);
    g_autofree char *ack = expand (fixture, template);
    g_autofree char *ack_at_bob = NULL;
    g_autoptr(GPtrArray) routes = NULL;

    ust_test_phone_send (&fixture->alice, ack);
    ack_at_bob = phone_receive (&fixture->bob, NULL);
    g_assert_true (g_str_has_prefix (ack_at_bob, "ACK sip:bob@127.0.0.4:"));
    routes = header_lines (ack_at_bob, "Route");
    g_assert_cmpuint (routes->len, ==, 0);
  }

  /* Bob hangs up, both entries on one line this time. */
  {
    g_autofree char *template = g_strdup_printf (
      "BYE sip:alice@127.0.0.2:APORT SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.4:BPORT;branch=z9hG4bKbye1;rport\r\n"
      "Route: <sip:%s;lr>, <sip:127.0.0.3:PROXY;lr>\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:bob@127.0.0.3>;tag=b1\r\nTo: <sip:alice@127.0.0.3>;tag=a1\r\n"
      "Call-ID: across-1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", bob_sees);
    g_autofree char *bye = expand (fixture, template);
    g_autofree char *bye_at_alice = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GPtrArray) bye_vias = NULL;

    ust_test_phone_send_to (&fixture->bob, exchange_for_bob, bye);
    bye_at_alice = phone_receive (&fixture->alice, NULL);
    g_assert_true (g_str_has_prefix (bye_at_alice, "BYE sip:alice@127.0.0.2:"));
    routes = header_lines (bye_at_alice, "Route");
    g_assert_cmpuint (routes->len, ==, 0);
    bye_vias = header_lines (bye_at_alice, "Via");
    g_assert_cmpuint (bye_vias->len, ==, 2);
  }
}

/* "::" is every IPv6 address: an OPTIONS to [::1] is answered from [::1],
 * with the Via's rport filled in for an IPv6 sender. */
static void
test_ipv6 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) any = NULL;
  g_autoptr(UstTransport) transport = NULL;
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(UstReasonTable) reasons = ust_reason_table_new ();
  g_autoptr(UstProxy) proxy = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) phone_address = g_inet_socket_address_new_from_string ("::1", 0);
  g_autoptr(GSocketAddress) exchange = NULL;
  g_autofree char *request = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *from_text = NULL;
  UstTestPhone phone = { 0 };
  guint port;

  /* The phone asserts that it binds; whether this computer has ::1 at all
   * is asked first. */
  probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  if (probe == NULL || !g_socket_bind (probe, phone_address, FALSE, NULL))
    {
      g_test_skip ("no IPv6 loopback (::1) here");
      return;
    }

  g_assert_true (ust_address_text_parse ("[::]:0", 5060, &any, NULL));
  transport = ust_transport_new (any, &error);
  g_assert_no_error (error);
  proxy = ust_proxy_new (transport, registrar, reasons);
  port = g_inet_socket_address_get_port (ust_transport_get_local_address (transport));
  exchange = g_inet_socket_address_new_from_string ("::1", port);
  ust_test_phone_init (&phone, "::1", exchange);

  request = g_strdup_printf ("OPTIONS sip:[::1]:%u SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP [::1]:9;branch=z9hG4bKopt6;rport\r\n"
                             "From: <sip:alice@[::1]>;tag=o1\r\nTo: <sip:[::1]>\r\n"
                             "Call-ID: opt6\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                             "Content-Length: 0\r\n\r\n", port);
  ust_test_phone_send (&phone, request);
  reply = ust_test_phone_receive (&phone, 2000, &from_text);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200 "));
  g_assert_nonnull (strstr (reply, ";rport="));
  g_assert_true (g_str_has_prefix (from_text, "[::1]:"));
  ust_test_phone_clear (&phone);
}

/* How addresses are written in events, the diary and the Via's received:
 * formatted by hand for IPv4 (see ust_address_text_host). */
static void
test_address_text (void)
{
  const char *cases[][2] = {
    { "0.0.0.0", "0.0.0.0:0" },
    { "255.255.255.255", "255.255.255.255:65535" },
    { "192.168.1.10", "192.168.1.10:5060" },
    { "10.0.100.9", "10.0.100.9:7" },
    { "fd00::2", "[fd00::2]:5060" },
  };
  const guint ports[] = { 0, 65535, 5060, 7, 5060 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (cases[i][0],
                                                                                 ports[i]);
      g_autofree char *text = ust_address_text_format (address);
      char host[64];
      guint port = 1;

      g_assert_cmpstr (text, ==, cases[i][1]);
      g_assert_true (ust_address_text_host (address, host, sizeof host, &port, NULL));
      g_assert_cmpstr (host, ==, cases[i][0]);
      g_assert_cmpuint (port, ==, ports[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add ("/ust/all-addresses/trace-shows-address-phoned", Fixture, NULL, fixture_set_up,
              test_trace_shows_address_phoned, fixture_tear_down);
  g_test_add ("/ust/all-addresses/call-between-addresses", Fixture, NULL, fixture_set_up,
              test_call_between_addresses, fixture_tear_down);
  g_test_add_func ("/ust/all-addresses/ipv6", test_ipv6);
  g_test_add_func ("/ust/transport/address-text", test_address_text);
  return g_test_run ();
}
