/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ust-sip.h"
#include "ust-validate.h"

#define HEADERS_WITHOUT(skip) \
  (strcmp (skip, "via") ? "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n" : ""), \
  (strcmp (skip, "from") ? "From: <sip:alice@127.0.0.1>;tag=1\r\n" : ""), \
  (strcmp (skip, "to") ? "To: <sip:bob@127.0.0.1>\r\n" : ""), \
  (strcmp (skip, "call-id") ? "Call-ID: abc@127.0.0.1\r\n" : ""), \
  (strcmp (skip, "cseq") ? "CSeq: 1 OPTIONS\r\n" : "")

static osip_message_t *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return message;
}

static void
assert_rejected (const char *text,
                 guint       code,
                 const char *phrase)
{
  g_autoptr(osip_message_t) message = parse (text);
  UstValidation result;

  g_assert_false (ust_validate_request (message, &result));
  g_assert_cmpuint (result.code, ==, code);
  g_assert_cmpstr (result.phrase, ==, phrase);
  ust_validation_clear (&result);
}

static void
test_missing_headers (void)
{
  const char *names[] = { "via", "from", "to", "call-id", "cseq" };
  const char *phrases[] = { "Missing Via header", "Missing or bad From header",
                            "Missing or bad To header", "Missing Call-ID header",
                            "Missing CSeq header" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *text = g_strdup_printf ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n%s%s%s%s%s"
                                               "Content-Length: 0\r\n\r\n",
                                               HEADERS_WITHOUT (names[i]));

      if (i == 0)
        continue;  /* libosip2 needs a Via to accept the message at all; tested below */
      assert_rejected (text, 400, phrases[i]);
    }
}

static void
test_cseq (void)
{
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 2 BYE\r\n\r\n",
                   400, "CSeq method does not match the request method");
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: abc OPTIONS\r\n\r\n",
                   400, "Bad CSeq number");
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 99999999999 OPTIONS\r\n\r\n",
                   400, "Bad CSeq number");
}

static void
test_other_rules (void)
{
  assert_rejected ("OPTIONS tel:+421900123456 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\n\r\n",
                   416, "Unsupported URI Scheme");
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/3.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\n\r\n",
                   505, "SIP Version Not Supported");
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: many\r\n\r\n",
                   400, "Bad Max-Forwards header");
  assert_rejected ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
                   "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\nContent-Length: -5\r\n\r\n",
                   400, "Bad Content-Length header");
}

/* Found by tests/fuzz: a Route or Request-URI with no host made the proxy
 * look up a NULL host. */
static void
test_uris_need_hosts (void)
{
  assert_rejected ("BYE sip:alice@127.0.0.1:5070 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "Route: <si:71.0p2.0.1:5060;lr>\r\nRoute: <sip:127.0.0.3:5060;lr>\r\n"
                   "From: <sip:bob@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>;tag=2\r\n"
                   "Call-ID: abc\r\nCSeq: 2 BYE\r\n\r\n",
                   400, "Route header without a SIP URI and host");
  assert_rejected ("BYE sip:alice@127.0.0.1:5070 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
                   "Route: <sip:127.0.0.3;lr>, <tel:+421900>\r\n"
                   "From: <sip:bob@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>;tag=2\r\n"
                   "Call-ID: abc\r\nCSeq: 2 BYE\r\n\r\n",
                   400, "Route header without a SIP URI and host");
}

static void
test_proxy_require (void)
{
  g_autoptr(osip_message_t) message = parse (
    "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\nProxy-Require: foo\r\n\r\n");
  UstValidation result;

  g_assert_false (ust_validate_request (message, &result));
  g_assert_cmpuint (result.code, ==, 420);
  g_assert_cmpstr (result.unsupported, ==, "foo");
  ust_validation_clear (&result);
}

/* Odd but valid (RFC 4475 §3.1.1): unknown method, unknown headers, LWS. */
static void
test_valid (void)
{
  g_autoptr(osip_message_t) message = parse (
    "NEWMETHOD sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
    "From:   <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: abc\r\nCSeq: 8 NEWMETHOD\r\nX-Unknown: yes\r\nMax-Forwards: 0\r\n\r\n");
  UstValidation result;
  gboolean present;
  guint max_forwards;

  g_assert_true (ust_validate_request (message, &result));
  g_assert_cmpuint (result.code, ==, 0);
  g_assert_true (ust_parse_max_forwards (message, &present, &max_forwards));
  g_assert_true (present);
  g_assert_cmpuint (max_forwards, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/validate/missing-headers", test_missing_headers);
  g_test_add_func ("/ust/validate/cseq", test_cseq);
  g_test_add_func ("/ust/validate/other-rules", test_other_rules);
  g_test_add_func ("/ust/validate/proxy-require", test_proxy_require);
  g_test_add_func ("/ust/validate/uris-need-hosts", test_uris_need_hosts);
  g_test_add_func ("/ust/validate/valid", test_valid);

  return g_test_run ();
}
