/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The proxy on real UDP sockets on 127.0.0.1, with "phones" that are plain
 * GSockets in this process: what each side sees, byte for byte. */

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"

typedef struct {
  char           *data_dir;
  UstTransport   *transport;
  UstRegistrar   *registrar;
  UstReasonTable *reasons;
  UstProxy       *proxy;
  GSocketAddress *proxy_address;
  guint           port;
  UstTestPhone    alice;
  UstTestPhone    bob;
} Fixture;

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

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autofree char *store = NULL;

  fixture->data_dir = g_dir_make_tmp ("ust-proxy-XXXXXX", &error);
  g_assert_no_error (error);
  store = g_build_filename (fixture->data_dir, "registrations.db", NULL);

  g_assert_true (ust_address_text_parse ("127.0.0.1:0", 5060, &address, NULL));
  fixture->transport = ust_transport_new (address, &error);
  g_assert_no_error (error);
  fixture->registrar = ust_registrar_new (store);
  fixture->reasons = ust_reason_table_new ();
  fixture->proxy = ust_proxy_new (fixture->transport, fixture->registrar, fixture->reasons);
  ust_proxy_set_timer_t1 (fixture->proxy, 20);
  fixture->proxy_address = g_object_ref (G_SOCKET_ADDRESS (
    ust_transport_get_local_address (fixture->transport)));
  fixture->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (fixture->proxy_address));

  ust_test_phone_init (&fixture->alice, "127.0.0.1", fixture->proxy_address);
  ust_test_phone_init (&fixture->bob, "127.0.0.1", fixture->proxy_address);
  g_free (ust_test_phone_register (&fixture->alice, "alice"));
  g_free (ust_test_phone_register (&fixture->bob, "bob"));
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
  g_clear_object (&fixture->proxy_address);
  /* Let the registrar's background save finish before removing its folder. */
  ust_test_spin (50);
  ust_test_remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
}

static char **
lines_of (const char *message)
{
  return g_strsplit (message, "\r\n", -1);
}

/* A student comparing both sides of the hop sees only what §16.6 makes the
 * proxy change: the Request-URI, Record-Route, our Via, Max-Forwards (and
 * "received" on the sender's Via). Order, names, compact forms, folding,
 * unknown headers and the body are as sent. */
static void
test_forward_keeps_message (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKkeep1;rport\r\n"
    "X-Odd-Header:  keeps   its spacing\r\n"
    "f: \"Alice, A.\" <sip:alice@127.0.0.1>;tag=a1\r\n"
    "t: <sip:bob@127.0.0.1>\r\n"
    "i: keep-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Subject: a folded\r\n"
    "  subject\r\n"
    "Allow: INVITE, ACK, BYE\r\n"
    "Max-Forwards: 10\r\n"
    "m: <sip:alice@127.0.0.1:APORT>\r\n"
    "c: application/sdp\r\n"
    "l: 4\r\n"
    "\r\n"
    "v=0\r\nTRAILING BYTES PAST CONTENT-LENGTH");
  g_autofree char *trying = NULL;
  g_autofree char *forwarded = NULL;
  g_autofree char *expected = NULL;

  ust_test_phone_send (&fixture->alice, invite);
  trying = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (trying);
  g_assert_true (g_str_has_prefix (trying, "SIP/2.0 100 Trying\r\n"));

  forwarded = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (forwarded);

  /* Our Via carries a unique branch; cut it to compare the rest exactly. */
  {
    g_auto(GStrv) lines = lines_of (forwarded);
    GString *normalized = g_string_new (NULL);

    for (guint i = 0; lines[i] != NULL; i++)
      {
        if (g_str_has_prefix (lines[i], "Via: SIP/2.0/UDP 127.0.0.1:"))
          {
            g_assert_nonnull (strstr (lines[i], ";branch=z9hG4bK"));
            g_string_append (normalized, "Via: OURS");
          }
        else
          g_string_append (normalized, lines[i]);
        if (lines[i + 1] != NULL)
          g_string_append (normalized, "\r\n");
      }
    g_free (forwarded);
    forwarded = g_string_free (normalized, FALSE);
  }

  expected = expand (fixture,
    "INVITE sip:bob@127.0.0.1:BPORT SIP/2.0\r\n"
    "Record-Route: <sip:127.0.0.1:PROXY;lr>\r\n"
    "Via: OURS\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKkeep1;rport=APORT;received=127.0.0.1\r\n"
    "X-Odd-Header:  keeps   its spacing\r\n"
    "f: \"Alice, A.\" <sip:alice@127.0.0.1>;tag=a1\r\n"
    "t: <sip:bob@127.0.0.1>\r\n"
    "i: keep-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Subject: a folded\r\n"
    "  subject\r\n"
    "Allow: INVITE, ACK, BYE\r\n"
    "Max-Forwards: 9\r\n"
    "m: <sip:alice@127.0.0.1:APORT>\r\n"
    "c: application/sdp\r\n"
    "l: 4\r\n"
    "\r\n"
    "v=0\r");
  g_assert_cmpstr (forwarded, ==, expected);
}

/* §17.2.1: a retransmitted INVITE is answered with the last response and not
 * forwarded again. */
static void
test_retransmission_absorbed (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKretr1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: retr-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:APORT>\r\n"
    "Content-Length: 0\r\n\r\n");
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *trying = NULL;
  g_autofree char *trying2 = NULL;
  g_autofree char *none = NULL;

  ust_test_phone_send (&fixture->alice, invite);
  first = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (first);
  g_assert_true (g_str_has_prefix (first, "INVITE "));
  trying = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (trying);

  ust_test_phone_send (&fixture->alice, invite);
  trying2 = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (trying2);
  g_assert_true (g_str_has_prefix (trying2, "SIP/2.0 100 "));

  /* Bob answers 100 so the proxy's own retransmissions (timer A) stop; any
   * further INVITE at Bob would be a second forward. */
  {
    g_auto(GStrv) lines = lines_of (first);
    GString *reply = g_string_new ("SIP/2.0 100 Trying\r\n");
    g_autoptr(GError) error = NULL;

    for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
      if (g_str_has_prefix (lines[i], "Via:") || g_str_has_prefix (lines[i], "From:")
          || g_str_has_prefix (lines[i], "To:") || g_str_has_prefix (lines[i], "Call-ID:")
          || g_str_has_prefix (lines[i], "CSeq:"))
        g_string_append_printf (reply, "%s\r\n", lines[i]);
    g_string_append (reply, "Content-Length: 0\r\n\r\n");
    g_socket_send_to (fixture->bob.socket, fixture->proxy_address, reply->str, reply->len, NULL,
                      &error);
    g_assert_no_error (error);
    g_string_free (reply, TRUE);
  }
  none = ust_test_phone_receive (&fixture->bob, 300, NULL);
  g_assert_null (none);
}

/* §17.1.2.2 timers E and F: a phone that never answers a MESSAGE gets it
 * again and again, then the caller hears 408 (T1 = 20 ms here, so 64·T1 is
 * 1.28 s). */
static void
test_timeout_408 (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *message = expand (fixture,
    "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKtmo1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: tmo-1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
    "Content-Length: 5\r\n\r\nhello");
  g_autofree char *reply = NULL;
  guint copies = 0;
  gint64 start = g_get_monotonic_time ();

  ust_test_phone_send (&fixture->alice, message);
  for (;;)
    {
      g_autofree char *copy = ust_test_phone_receive (&fixture->bob, 50, NULL);

      if (copy != NULL)
        {
          g_assert_true (g_str_has_prefix (copy, "MESSAGE sip:bob@127.0.0.1:"));
          copies++;
        }
      reply = ust_test_phone_receive (&fixture->alice, 1, NULL);
      if (reply != NULL || g_get_monotonic_time () - start > 5 * G_USEC_PER_SEC)
        break;
    }
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "SIP/2.0 408 "));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1200 * 1000);
  g_assert_cmpuint (copies, >=, 4);
}

/* §16.7 step 3: a response whose top Via is not ours is dropped; RFC 5626
 * keep-alives and garbage get no answer and break nothing. */
static void
test_junk_ignored (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *stray = expand (fixture,
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKstray\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>;tag=b\r\n"
    "Call-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *options = expand (fixture,
    "OPTIONS sip:127.0.0.1:PROXY SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKopt\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:127.0.0.1:PROXY>\r\n"
    "Call-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *nothing = NULL;
  g_autofree char *answer = NULL;
  UstProxyStats stats;

  ust_test_phone_send (&fixture->bob, stray);
  ust_test_phone_send (&fixture->bob, "\r\n\r\n");
  ust_test_phone_send (&fixture->bob, "\x01\x02 not SIP at all \xff\r\n\r\n");
  nothing = ust_test_phone_receive (&fixture->bob, 200, NULL);
  g_assert_null (nothing);
  g_assert_null (ust_test_phone_receive (&fixture->alice, 10, NULL));

  ust_proxy_get_stats (fixture->proxy, &stats);
  g_assert_cmpuint (stats.datagrams_dropped, ==, 2);

  /* Still serving. */
  ust_test_phone_send (&fixture->alice, options);
  answer = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (answer);
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 200 OK\r\n"));
}

/* §16.3 step 4: a request that comes back with the same identity is a loop
 * (482); coming back changed is a legal spiral. */
static void
test_loop_482 (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *message = expand (fixture,
    "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKloop1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: loop-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *answer = NULL;

  ust_test_phone_send (&fixture->alice, message);
  first = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (first);

  /* Bob's "phone" bounces it back: new Request-URI, so a spiral. */
  ust_test_phone_send (&fixture->bob, first);
  second = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (second);
  g_assert_true (g_str_has_prefix (second, "MESSAGE "));

  /* Bounced again unchanged: a loop. */
  ust_test_phone_send (&fixture->bob, second);
  for (int i = 0; i < 5; i++)
    {
      g_free (answer);
      answer = ust_test_phone_receive (&fixture->bob, 1000, NULL);
      if (answer == NULL || g_str_has_prefix (answer, "SIP/2.0 482 "))
        break;
    }
  g_assert_nonnull (answer);
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 482 "));
}

/* Datagrams of any size up to 65,507 bytes are taken: Linphone's video
 * INVITEs are large. */
static void
test_large_datagram (Fixture       *fixture,
                     gconstpointer  data)
{
  GString *body = g_string_new (NULL);
  g_autofree char *head = NULL;
  g_autofree char *message = NULL;
  g_autofree char *forwarded = NULL;

  while (body->len < 60000)
    g_string_append (body, "a=x-filler:0123456789012345678901234567890123456789\r\n");
  head = expand (fixture,
    "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKbig1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: big-1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n");
  message = g_strdup_printf ("%sContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s", head, body->len,
                             body->str);
  g_assert_cmpuint (strlen (message), <, 65507 - 200);

  ust_test_phone_send (&fixture->alice, message);
  forwarded = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (forwarded);
  g_assert_true (g_str_has_suffix (forwarded, body->str));
  g_string_free (body, TRUE);
}

/* A proxy relays bodies it does not understand (RFC 3261 §16.6: it does not
 * touch the body). libosip2's MIME parser leaked on the first part of this
 * multipart/signed MESSAGE (two Content-Type lines) and refused the second
 * (cut short after its headers), so the message never reached Bob. */
static void
test_malformed_multipart_relayed (Fixture       *fixture,
                                  gconstpointer  data)
{
  const char *body =
    "--b42\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n\r\nahoj\r\n"
    "--b42\r\nContent-Type: application/pkcs7-signature\r\n--b42--\r\n";
  g_autofree char *head = expand (fixture,
    "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKmime1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: mime-1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
    "Content-Type: multipart/signed;protocol=\"application/pkcs7-signature\";boundary=b42\r\n");
  g_autofree char *message = g_strdup_printf ("%sContent-Length: %zu\r\n\r\n%s", head,
                                              strlen (body), body);
  g_autofree char *forwarded = NULL;

  ust_test_phone_send (&fixture->alice, message);
  forwarded = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (forwarded);
  g_assert_true (g_str_has_prefix (forwarded, "MESSAGE sip:bob@127.0.0.1:"));
  g_assert_true (g_str_has_suffix (forwarded, body));
}

/* RFC 4475 §3.1.1 in spirit: odd but valid messages go through intact (an
 * unknown method, unusual white space, unknown headers, a comma-joined Via
 * list in the response); invalid ones get the right 4xx. */
static void
test_torture (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *odd = expand (fixture,
    "NEWMETHOD sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via  :  SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKodd1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: odd-1\r\nCSeq: 8 NEWMETHOD\r\n"
    "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
    "Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nabc");
  g_autofree char *mismatch = expand (fixture,
    "NEWMETHOD sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKodd2\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: odd-2\r\nCSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *forwarded = NULL;
  g_autofree char *relayed = NULL;
  g_autofree char *rejected = NULL;
  g_autofree char *our_via = NULL;
  g_autofree char *response = NULL;
  const char *via_start, *via_end;

  ust_test_phone_send (&fixture->alice, odd);
  forwarded = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (forwarded);
  g_assert_true (g_str_has_prefix (forwarded, "NEWMETHOD sip:bob@127.0.0.1:"));
  g_assert_nonnull (strstr (forwarded, "\r\nVia  :  SIP/2.0/UDP 127.0.0.1:"));
  g_assert_nonnull (strstr (forwarded, "NewFangledHeader:   newfangled value\r\n continued "
                                       "newfangled value\r\n"));
  g_assert_true (g_str_has_suffix (forwarded, "\r\n\r\nabc"));

  /* Bob answers with the two Vias joined in one header line. */
  via_start = strstr (forwarded, "Via: SIP/2.0/UDP 127.0.0.1:");
  g_assert_nonnull (via_start);
  via_end = strstr (via_start, "\r\n");
  our_via = g_strndup (via_start + 5, (gsize) (via_end - via_start - 5));
  {
    g_autofree char *template = g_strdup_printf (
      "SIP/2.0 200 OK\r\n"
      "Via: %s, SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKodd1;received=127.0.0.1\r\n"
      "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>;tag=b1\r\n"
      "Call-ID: odd-1\r\nCSeq: 8 NEWMETHOD\r\nX-Reply: kept\r\nContent-Length: 0\r\n\r\n",
      our_via);
    g_autoptr(GError) error = NULL;

    response = expand (fixture, template);
    g_socket_send_to (fixture->bob.socket, fixture->proxy_address, response, strlen (response),
                      NULL, &error);
    g_assert_no_error (error);
  }
  relayed = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (relayed);
  {
    g_autofree char *expected = expand (fixture,
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKodd1;received=127.0.0.1\r\n"
      "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>;tag=b1\r\n"
      "Call-ID: odd-1\r\nCSeq: 8 NEWMETHOD\r\nX-Reply: kept\r\nContent-Length: 0\r\n\r\n");

    g_assert_cmpstr (relayed, ==, expected);
  }

  ust_test_phone_send (&fixture->alice, mismatch);
  rejected = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (rejected);
  g_assert_true (g_str_has_prefix (rejected,
                                   "SIP/2.0 400 CSeq method does not match the request method\r\n"));
  g_assert_null (ust_test_phone_receive (&fixture->bob, 100, NULL));
}

/* A response to @request as a UAS builds it (§8.2.6): the request's Vias,
 * From, To (with @to_tag added), Call-ID and CSeq, then @extra headers. */
static char *
fork_reply (const char *request,
            const char *status_line,
            const char *to_tag,
            const char *extra)
{
  g_auto(GStrv) lines = lines_of (request);
  GString *reply = g_string_new (status_line);

  g_string_append (reply, "\r\n");
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      if (g_str_has_prefix (lines[i], "To:"))
        g_string_append_printf (reply, "%s;tag=%s\r\n", lines[i], to_tag);
      else if (g_str_has_prefix (lines[i], "Via:") || g_str_has_prefix (lines[i], "From:")
               || g_str_has_prefix (lines[i], "Call-ID:") || g_str_has_prefix (lines[i], "CSeq:"))
        g_string_append_printf (reply, "%s\r\n", lines[i]);
    }
  g_string_append_printf (reply, "%sContent-Length: 0\r\n\r\n", extra);
  return g_string_free (reply, FALSE);
}

/* The next datagram @phone receives that does not start with @skip (the
 * retransmissions of a request already seen), within @timeout_ms. */
static char *
phone_receive_other (UstTestPhone *phone,
                     const char   *skip,
                     guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = ust_test_phone_receive (phone, 20, NULL);

      if (text != NULL && !g_str_has_prefix (text, skip))
        return g_steal_pointer (&text);
    }
  return NULL;
}

/* §16.6 step 11: a phone that rings for ever is cancelled when timer C
 * fires, and the caller hears 487. Timer C keeps its ratio to T1 (181 s at
 * 500 ms), so with T1 = 5 ms it is 1.81 s. */
static void
test_timer_c_cancels (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKtc1;rport\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: timer-c-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:APORT>\r\n"
    "Content-Length: 0\r\n\r\n");
  g_autofree char *trying = NULL, *at_bob = NULL, *ringing = NULL, *at_alice = NULL;
  g_autofree char *cancel = NULL, *cancel_ok = NULL, *terminated = NULL, *final = NULL;
  g_autofree char *cancel_branch_line = NULL;
  g_auto(GStrv) invite_lines = NULL;
  gint64 rang, elapsed;

  ust_proxy_set_timer_t1 (fixture->proxy, 5);
  ust_test_phone_send (&fixture->alice, invite);
  trying = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_true (g_str_has_prefix (trying, "SIP/2.0 100 "));
  at_bob = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_true (g_str_has_prefix (at_bob, "INVITE "));

  ringing = fork_reply (at_bob, "SIP/2.0 180 Ringing", "b1", "");
  ust_test_phone_send (&fixture->bob, ringing);
  rang = g_get_monotonic_time ();
  at_alice = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_true (g_str_has_prefix (at_alice, "SIP/2.0 180 "));

  cancel = phone_receive_other (&fixture->bob, "INVITE ", 5000);
  elapsed = g_get_monotonic_time () - rang;
  g_assert_nonnull (cancel);
  g_test_message ("CANCEL %" G_GINT64_FORMAT " ms after the 180", elapsed / 1000);
  g_assert_true (g_str_has_prefix (cancel, "CANCEL sip:bob@127.0.0.1:"));
  g_assert_cmpint (elapsed, >=, 1700 * 1000);
  g_assert_cmpint (elapsed, <, 4000 * 1000);
  /* §9.1: the CANCEL has the INVITE's branch (our Via, the top one). */
  invite_lines = lines_of (at_bob);
  g_assert_nonnull (strstr (cancel, invite_lines[1]));

  /* Bob's phone gives up: 200 for the CANCEL, 487 for the INVITE. */
  cancel_ok = fork_reply (cancel, "SIP/2.0 200 OK", "b1", "");
  ust_test_phone_send (&fixture->bob, cancel_ok);
  terminated = fork_reply (at_bob, "SIP/2.0 487 Request Terminated", "b1", "");
  ust_test_phone_send (&fixture->bob, terminated);
  final = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (final);
  g_assert_true (g_str_has_prefix (final, "SIP/2.0 487 "));
}

/* §16.7 with forking: bob has two phones; the first rings, the second
 * answers. The diary names the phone that answered (its address and user
 * agent), not the one that rang first. Found by the baresip end-to-end test
 * (tests/e2e, e2e-forked-call): bob's desk phone rang first, his mobile
 * answered, and the diary said the desk phone had taken the call. */
static void
test_fork_diary_names_answering_phone (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(UstCallTracker) tracker = ust_call_tracker_new ();
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKfork1;rport\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: fork-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:APORT>\r\n"
    "User-Agent: alice-phone\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *to_desk = NULL;
  g_autofree char *to_mobile = NULL;
  g_autofree char *ringing = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *at_alice = NULL;
  g_autofree char *mobile_addr = NULL;
  g_autofree char *cancel = NULL;
  g_autoptr(GError) error = NULL;
  const UstCallData *call;
  UstTestPhone mobile;

  ust_proxy_set_call_tracker (fixture->proxy, tracker);

  /* bob's second phone: a second binding of bob (its own Call-ID). */
  ust_test_phone_init (&mobile, "127.0.0.1", fixture->proxy_address);
  {
    g_autofree char *template = g_strdup_printf (
      "REGISTER sip:127.0.0.1:PROXY SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKregmobile;rport\r\n"
      "From: <sip:bob@127.0.0.1>;tag=r2\r\nTo: <sip:bob@127.0.0.1>\r\n"
      "Call-ID: reg-bob-mobile\r\nCSeq: 1 REGISTER\r\n"
      "Contact: <sip:bob@127.0.0.1:%u>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
      mobile.port, mobile.port);
    g_autofree char *request = expand (fixture, template);
    g_autofree char *reply = NULL;

    ust_test_phone_send (&mobile, request);
    reply = ust_test_phone_receive (&mobile, 2000, NULL);
    g_assert_nonnull (reply);
    g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200 "));
  }

  ust_test_phone_send (&fixture->alice, invite);
  to_desk = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (to_desk);
  g_assert_true (g_str_has_prefix (to_desk, "INVITE "));
  to_mobile = ust_test_phone_receive (&mobile, 2000, NULL);
  g_assert_nonnull (to_mobile);
  g_assert_true (g_str_has_prefix (to_mobile, "INVITE "));

  /* The desk phone rings first... */
  ringing = fork_reply (to_desk, "SIP/2.0 180 Ringing", "desk", "User-Agent: desk-phone\r\n");
  g_socket_send_to (fixture->bob.socket, fixture->proxy_address, ringing, strlen (ringing), NULL,
                    &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_free (at_alice);
      at_alice = ust_test_phone_receive (&fixture->alice, 2000, NULL);
      if (at_alice == NULL || g_str_has_prefix (at_alice, "SIP/2.0 180 "))
        break;
    }
  g_assert_nonnull (at_alice);
  g_assert_true (g_str_has_prefix (at_alice, "SIP/2.0 180 "));

  /* ...and the mobile answers. */
  answer = fork_reply (to_mobile, "SIP/2.0 200 OK", "mobile",
                       "Server: mobile-phone\r\nContact: <sip:bob@127.0.0.1>\r\n");
  g_socket_send_to (mobile.socket, fixture->proxy_address, answer, strlen (answer), NULL, &error);
  g_assert_no_error (error);
  g_free (at_alice);
  at_alice = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (at_alice);
  g_assert_true (g_str_has_prefix (at_alice, "SIP/2.0 200 OK\r\n"));

  /* §16.7 step 10: the desk phone's branch is cancelled. */
  cancel = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (cancel);
  g_assert_true (g_str_has_prefix (cancel, "CANCEL "));

  call = ust_call_record_get_data (ust_call_tracker_lookup (tracker, "fork-1"));
  g_assert_nonnull (call);
  g_assert_cmpint (call->state, ==, UST_CALL_ANSWERED);
  mobile_addr = g_strdup_printf ("127.0.0.1:%u (UDP)", mobile.port);
  g_assert_cmpstr (call->callee_addr, ==, mobile_addr);
  g_assert_cmpstr (call->callee_ua, ==, "mobile-phone");

  ust_proxy_set_call_tracker (fixture->proxy, NULL);
  ust_test_phone_clear (&mobile);
}

/* A phone in a Windows code page: "Ján" and "Obsadené" in Latin-2 bytes.
 * The call goes through untouched, and the diary keeps text it can show
 * and export (U+FFFD for what was not UTF-8). */
static void
test_diary_text_not_utf8 (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(UstCallTracker) tracker = ust_call_tracker_new ();
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKl2;rport\r\n"
    "From: \"J\xe1n\" <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: latin2-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:APORT>\r\n"
    "User-Agent: Telef\xf3n 1.0\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *trying = NULL, *at_bob = NULL, *busy = NULL, *at_alice = NULL;
  const UstCallData *call;

  ust_proxy_set_call_tracker (fixture->proxy, tracker);
  ust_test_phone_send (&fixture->alice, invite);
  trying = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  at_bob = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (at_bob);
  /* Forwarded as sent: the exchange changes no byte of a header it does
   * not own. */
  g_assert_nonnull (strstr (at_bob, "From: \"J\xe1n\" <sip:alice@127.0.0.1>"));

  busy = fork_reply (at_bob, "SIP/2.0 486 Obsaden\xe9", "b1", "Server: Stol\xedk\r\n");
  ust_test_phone_send (&fixture->bob, busy);
  at_alice = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (at_alice);
  g_assert_true (g_str_has_prefix (at_alice, "SIP/2.0 486 Obsaden\xe9\r\n"));

  call = ust_call_record_get_data (ust_call_tracker_lookup (tracker, "latin2-1"));
  g_assert_nonnull (call);
  g_assert_cmpint (call->state, ==, UST_CALL_BUSY);
  g_assert_cmpstr (call->caller_name, ==, "J\xef\xbf\xbdn");
  g_assert_cmpstr (call->caller_ua, ==, "Telef\xef\xbf\xbdn 1.0");
  g_assert_cmpstr (call->callee_ua, ==, "Stol\xef\xbf\xbdk");
  g_assert_cmpstr (call->orig_reason, ==, "Obsaden\xef\xbf\xbd");
  g_assert_true (g_utf8_validate (call->final_reason, -1, NULL));

  ust_proxy_set_call_tracker (fixture->proxy, NULL);
}

/* Issue 17, RFC 3261 §8.2 and §16.3: a request libosip2 cannot read (here
 * an unterminated quoted string in From, RFC 4475 §3.1.2.6) is not dropped
 * in silence: its raw Via, From, To, Call-ID and CSeq lines still make a
 * 400 whose phrase names the bad header. */
static void
test_unreadable_request_answered (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *request = expand (fixture,
    "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKunread1;rport\r\n"
    "From: \"Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43\r\n"
    "To: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: unread-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *answer = NULL;
  g_autofree char *to_bob = NULL;

  ust_test_phone_send (&fixture->alice, request);
  answer = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (answer);
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 400 Bad From header\r\n"));
  g_assert_nonnull (strstr (answer, "\r\nCall-ID: unread-1\r\n"));
  g_assert_nonnull (strstr (answer, "\r\nTo: <sip:bob@127.0.0.1>;tag="));
  g_assert_nonnull (strstr (answer, "branch=z9hG4bKunread1"));
  to_bob = ust_test_phone_receive (&fixture->bob, 200, NULL);
  g_assert_null (to_bob);
}

/* Issue 17, RFC 3261 §16.3 step 4 / §16.6: a Route that points at the
 * exchange itself in a way it does not take off (a user part in it) would
 * send the request round to the exchange: it is refused at once with 482,
 * never sent to ourselves. */
static void
test_route_to_self_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *request = expand (fixture,
    "MESSAGE sip:bob@192.0.2.99 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKself1;rport\r\n"
    "Route: <sip:loop@127.0.0.1:PROXY;lr>\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@192.0.2.99>\r\n"
    "Call-ID: self-1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *answer = NULL;
  UstProxyStats stats;

  ust_test_phone_send (&fixture->alice, request);
  answer = ust_test_phone_receive (&fixture->alice, 2000, NULL);
  g_assert_nonnull (answer);
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 482 "));
  ust_test_spin (100);
  ust_proxy_get_stats (fixture->proxy, &stats);
  g_assert_cmpuint (stats.requests_forwarded, ==, 0);
}

/* Registers @user from @phone with @contact_params after the Contact URI
 * (e.g. an instance) and @extra headers; returns the 200. */
static char *
register_with (Fixture      *fixture,
               UstTestPhone *phone,
               const char   *user,
               const char   *call_id,
               const char   *contact_host,
               const char   *contact_params,
               const char   *extra)
{
  g_autofree char *template = g_strdup_printf (
    "REGISTER sip:127.0.0.1:PROXY SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKreg-%s;rport\r\n"
    "From: <sip:%s@127.0.0.1>;tag=r-%s\r\nTo: <sip:%s@127.0.0.1>\r\n"
    "Call-ID: %s\r\nCSeq: 1 REGISTER\r\n"
    "Contact: <sip:%s@%s:%u>%s\r\n%sExpires: 600\r\nContent-Length: 0\r\n\r\n",
    phone->port, call_id, user, call_id, user, call_id, user, contact_host, phone->port,
    contact_params, extra);
  g_autofree char *request = expand (fixture, template);
  char *reply;

  ust_test_phone_send (phone, request);
  reply = ust_test_phone_receive (phone, 2000, NULL);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200 "));
  return reply;
}

static guint
count_lines (const char *text,
             const char *prefix)
{
  g_auto(GStrv) lines = lines_of (text);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);
  return n;
}

/* RFC 3261 §16.6 (issue 12): two bindings of bob that lead to the same
 * address and port (two instances behind one socket) get one INVITE, not
 * two branches the phone would answer 482 Loop Detected. */
static void
test_one_branch_per_destination (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *first = register_with (fixture, &fixture->bob, "bob", "dup-a", "127.0.0.9",
                                          ";+sip.instance=\"<urn:uuid:aaaa>\"", "");
  g_autofree char *second = register_with (fixture, &fixture->bob, "bob", "dup-b", "127.0.0.1",
                                           ";+sip.instance=\"<urn:uuid:bbbb>\"", "");
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKonce1;rport\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: once-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *to_bob = NULL;
  g_autofree char *again = NULL;

  /* Both bindings are there (two instances are two phones; the second took
   * over the set-up's binding, which had the same Contact URI). */
  g_assert_cmpuint (count_lines (second, "Contact: "), ==, 2);
  ust_test_phone_send (&fixture->alice, invite);
  to_bob = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  g_assert_nonnull (to_bob);
  /* The newest binding's Contact is the Request-URI. */
  g_assert_true (g_str_has_prefix (to_bob, "INVITE sip:bob@127.0.0.1:"));
  /* Whatever else arrives is a retransmission of that one branch (timer A
   * with the tests' short T1), never a second branch. */
  while ((again = ust_test_phone_receive (&fixture->bob, 300, NULL)) != NULL)
    {
      g_auto(GStrv) first_lines = lines_of (to_bob);
      g_auto(GStrv) again_lines = lines_of (again);

      g_assert_cmpstr (again_lines[2], ==, first_lines[2]);  /* our Via: the same branch */
      g_clear_pointer (&again, g_free);
    }
}

/* §16.7 step 6 (issue 12): bob's desk phone says 482 (it got the INVITE
 * twice), alice cancels, the mobile says 487: alice hears 487, the answer
 * to what she did, not the 482. */
static void
test_cancelled_caller_gets_487 (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(UstCallTracker) tracker = ust_call_tracker_new ();
  g_autofree char *invite = expand (fixture,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKcanc1;rport\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: canc-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *cancel = expand (fixture,
    "CANCEL sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKcanc1;rport\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: canc-1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *to_desk = NULL;
  g_autofree char *to_mobile = NULL;
  g_autofree char *loop = NULL;
  g_autofree char *ringing = NULL;
  g_autofree char *cancelled = NULL;
  g_autofree char *cancel_at_mobile = NULL;
  g_autofree char *final = NULL;
  g_autoptr(GError) error = NULL;
  UstTestPhone mobile;

  ust_proxy_set_call_tracker (fixture->proxy, tracker);
  ust_test_phone_init (&mobile, "127.0.0.1", fixture->proxy_address);
  g_free (register_with (fixture, &mobile, "bob", "reg-mobile", "127.0.0.1", "", ""));

  ust_test_phone_send (&fixture->alice, invite);
  to_desk = ust_test_phone_receive (&fixture->bob, 2000, NULL);
  to_mobile = ust_test_phone_receive (&mobile, 2000, NULL);
  g_assert_nonnull (to_desk);
  g_assert_nonnull (to_mobile);

  ringing = fork_reply (to_mobile, "SIP/2.0 180 Ringing", "mobile", "");
  g_socket_send_to (mobile.socket, fixture->proxy_address, ringing, strlen (ringing), NULL, &error);
  g_assert_no_error (error);
  loop = fork_reply (to_desk, "SIP/2.0 482 Loop Detected", "desk", "");
  g_socket_send_to (fixture->bob.socket, fixture->proxy_address, loop, strlen (loop), NULL, &error);
  g_assert_no_error (error);
  ust_test_spin (100);

  ust_test_phone_send (&fixture->alice, cancel);
  cancel_at_mobile = phone_receive_other (&mobile, "ACK ", 2000);
  g_assert_nonnull (cancel_at_mobile);
  g_assert_true (g_str_has_prefix (cancel_at_mobile, "CANCEL "));
  cancelled = fork_reply (to_mobile, "SIP/2.0 487 Request Terminated", "mobile", "");
  g_socket_send_to (mobile.socket, fixture->proxy_address, cancelled, strlen (cancelled), NULL,
                    &error);
  g_assert_no_error (error);

  /* alice: 100, 180, 200 (for the CANCEL), then the final for the INVITE. */
  for (int i = 0; i < 6 && final == NULL; i++)
    {
      g_autofree char *got = ust_test_phone_receive (&fixture->alice, 2000, NULL);

      g_assert_nonnull (got);
      if (g_str_has_prefix (got, "SIP/2.0 4") || g_str_has_prefix (got, "SIP/2.0 5")
          || g_str_has_prefix (got, "SIP/2.0 6"))
        final = g_steal_pointer (&got);
    }
  g_assert_nonnull (final);
  g_assert_true (g_str_has_prefix (final, "SIP/2.0 487 "));
  g_assert_cmpint (ust_call_record_get_data (ust_call_tracker_lookup (tracker, "canc-1"))->state,
                   ==, UST_CALL_CANCELLED);
  ust_test_phone_clear (&mobile);
}

/* RFC 5626 §6: a phone that registers a flow (reg-id) and supports outbound
 * hears that the registrar supports it too; without reg-id it does not. */
static void
test_require_outbound (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *with = register_with (fixture, &fixture->bob, "bob", "ob-1", "127.0.0.1",
                                         ";+sip.instance=\"<urn:uuid:cccc>\";reg-id=1",
                                         "Supported: outbound, path\r\n");
  g_autofree char *without = register_with (fixture, &fixture->alice, "alice", "ob-2",
                                            "127.0.0.1", ";+sip.instance=\"<urn:uuid:dddd>\"",
                                            "Supported: outbound\r\n");

  g_assert_cmpuint (count_lines (with, "Require: outbound"), ==, 1);
  g_assert_cmpuint (count_lines (without, "Require: outbound"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add ("/ust/proxy/forward-keeps-message", Fixture, NULL, fixture_set_up,
              test_forward_keeps_message, fixture_tear_down);
  g_test_add ("/ust/proxy/retransmission-absorbed", Fixture, NULL, fixture_set_up,
              test_retransmission_absorbed, fixture_tear_down);
  g_test_add ("/ust/proxy/timeout-408", Fixture, NULL, fixture_set_up, test_timeout_408,
              fixture_tear_down);
  g_test_add ("/ust/proxy/junk-ignored", Fixture, NULL, fixture_set_up, test_junk_ignored,
              fixture_tear_down);
  g_test_add ("/ust/proxy/timer-c-cancels", Fixture, NULL, fixture_set_up, test_timer_c_cancels,
              fixture_tear_down);
  g_test_add ("/ust/proxy/diary-text-not-utf8", Fixture, NULL, fixture_set_up,
              test_diary_text_not_utf8, fixture_tear_down);
  g_test_add ("/ust/proxy/loop-482", Fixture, NULL, fixture_set_up, test_loop_482,
              fixture_tear_down);
  g_test_add ("/ust/proxy/torture", Fixture, NULL, fixture_set_up, test_torture,
              fixture_tear_down);
  g_test_add ("/ust/proxy/unreadable-request-answered", Fixture, NULL, fixture_set_up,
              test_unreadable_request_answered, fixture_tear_down);
  g_test_add ("/ust/proxy/route-to-self-refused", Fixture, NULL, fixture_set_up,
              test_route_to_self_refused, fixture_tear_down);
  g_test_add ("/ust/proxy/one-branch-per-destination", Fixture, NULL, fixture_set_up,
              test_one_branch_per_destination, fixture_tear_down);
  g_test_add ("/ust/proxy/cancelled-caller-gets-487", Fixture, NULL, fixture_set_up,
              test_cancelled_caller_gets_487, fixture_tear_down);
  g_test_add ("/ust/proxy/require-outbound", Fixture, NULL, fixture_set_up,
              test_require_outbound, fixture_tear_down);
  g_test_add ("/ust/proxy/malformed-multipart-relayed", Fixture, NULL, fixture_set_up,
              test_malformed_multipart_relayed, fixture_tear_down);
  g_test_add ("/ust/proxy/large-datagram", Fixture, NULL, fixture_set_up, test_large_datagram,
              fixture_tear_down);
  g_test_add ("/ust/proxy/fork-diary-names-answering-phone", Fixture, NULL, fixture_set_up,
              test_fork_diary_names_answering_phone, fixture_tear_down);

  return g_test_run ();
}
