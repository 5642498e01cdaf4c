/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The libosip2 adapter: what a parsed message holds of its body, and that a
 * malformed body cannot make the exchange leak. */

#include "config.h"

#include <malloc.h>
#include <string.h>

#include "ust-sip.h"

#define HEAD \
  "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-body-1\r\n" \
  "From: <sip:alice@127.0.0.1>;tag=a1\r\n" \
  "To: <sip:bob@127.0.0.1>\r\n" \
  "Call-ID: body-1\r\n" \
  "CSeq: 1 MESSAGE\r\n" \
  "Max-Forwards: 70\r\n"

/* A multipart/signed body whose first part has two Content-Type lines and
 * whose signature part is cut short. libosip2 5.3.0's MIME parser drops the
 * first part's content type without freeing it (osip_body_parse_mime →
 * osip_body_set_contenttype), on every such datagram. */
#define SIGNED_BODY \
  "--b42\r\n" \
  "Content-Type: text/plain; charset=utf-8\r\n" \
  "Content-Type: text/html; charset=utf-8\r\n" \
  "\r\n" \
  "ahoj\r\n" \
  "--b42\r\n" \
  "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n" \
  "\r\n" \
  "MIIB\r\n" \
  "--b42--\r\n"

static char *
signed_message (void)
{
  return g_strdup_printf (HEAD
                          "Content-Type: multipart/signed;protocol=\"application/pkcs7-signature\""
                          ";micalg=sha1;boundary=b42\r\n"
                          "Content-Length: %zu\r\n"
                          "\r\n"
                          SIGNED_BODY,
                          strlen (SIGNED_BODY));
}

static osip_message_t *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static const char *
first_body (osip_message_t *message,
            gsize          *length)
{
  osip_body_t *body = NULL;

  if (osip_message_get_body (message, 0, &body) < 0 || body == NULL)
    return NULL;
  *length = body->length;
  return body->body;
}

/* The body is kept as the bytes that came, as one part: the window and the
 * proxy never need libosip2 to take a multipart body apart. */
static void
test_multipart_kept_whole (void)
{
  g_autofree char *text = signed_message ();
  g_autoptr(osip_message_t) message = parse (text);
  g_autofree char *expected_length = g_strdup_printf ("%zu", strlen (SIGNED_BODY));
  const char *body;
  gsize length = 0;

  g_assert_cmpint (osip_list_size (&message->bodies), ==, 1);
  body = first_body (message, &length);
  g_assert_cmpmem (body, length, SIGNED_BODY, strlen (SIGNED_BODY));
  g_assert_nonnull (message->content_type);
  g_assert_cmpstr (message->content_type->type, ==, "multipart");
  g_assert_cmpstr (message->content_length->value, ==, expected_length);
}

/* Heap in use after parsing @text @count times, less what was in use before. */
static gssize
heap_growth (const char *text,
             guint       count)
{
  struct mallinfo2 before, after;

  /* Once first, so that libosip2's and GLib's one-time allocations are
   * already made. */
  ust_sip_message_free (parse (text));
  before = mallinfo2 ();
  for (guint i = 0; i < count; i++)
    ust_sip_message_free (parse (text));
  after = mallinfo2 ();
  return (gssize) after.uordblks - (gssize) before.uordblks;
}

/* Hardening: 100,000 of these datagrams used to grow ustredna-server by
 * 25 MB. Under AddressSanitizer mallinfo2() says nothing, but LeakSanitizer
 * then reports any leak when this test exits. */
static void
test_malformed_multipart_no_leak (void)
{
  g_autofree char *text = signed_message ();
  gssize growth = heap_growth (text, 10000);

  g_test_message ("heap growth after 10,000 parses: %" G_GSSIZE_FORMAT " bytes", growth);
  g_assert_cmpint (growth, <, 64 * 1024);
}

/* An SDP body (what the call tracker reads for video and hold) is there
 * to the byte, and bytes past Content-Length are not (RFC 3261 §18.3). */
static void
test_sdp_body (void)
{
  const char *text =
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-sdp-1\r\n"
    "f: <sip:alice@127.0.0.1>;tag=a1\r\nt: <sip:bob@127.0.0.1>\r\n"
    "i: sdp-1\r\nCSeq: 1 INVITE\r\n"
    "c: application/sdp\r\n"
    "l: 25\r\n"
    "\r\n"
    "v=0\r\nm=video 5000 RTP/AVP 96\r\nEXTRA BYTES";
  g_autoptr(osip_message_t) message = parse (text);
  gsize length = 0;
  const char *body = first_body (message, &length);

  g_assert_cmpmem (body, length, "v=0\r\nm=video 5000 RTP/AVP", 25);
  g_assert_cmpstr (message->content_length->value, ==, "25");
  g_assert_cmpstr (message->content_type->subtype, ==, "sdp");
}

/* RFC 3261 §18.3: a datagram that ends before its Content-Length says is
 * an error, whatever the body's type. */
static void
test_cut_short (void)
{
  const char *types[] = { "application/sdp", "multipart/mixed;boundary=x", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf (HEAD "%s%s%s" "Content-Length: 40\r\n\r\nv=0\r\n",
                                               types[i] != NULL ? "Content-Type: " : "",
                                               types[i] != NULL ? types[i] : "",
                                               types[i] != NULL ? "\r\n" : "");
      osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

      g_assert_null (message);
      g_assert_error (error, UST_SIP_ERROR, UST_SIP_ERROR_TRUNCATED);
      g_assert_nonnull (strstr (error->message, "Content-Length is 40"));
    }
}

/* Without Content-Length a datagram's body runs to its end (§18.3 allows
 * leaving it out on UDP); the parsed message says how long it is. */
static void
test_no_content_length (void)
{
  g_autoptr(osip_message_t) message = parse (HEAD "Content-Type: text/plain\r\n\r\nahoj Bob");
  gsize length = 0;
  const char *body = first_body (message, &length);

  g_assert_cmpmem (body, length, "ahoj Bob", 8);
  g_assert_cmpstr (message->content_length->value, ==, "8");
}

static void
test_no_body (void)
{
  g_autoptr(osip_message_t) message = parse (HEAD "Content-Length: 0\r\n\r\n");

  g_assert_cmpint (osip_list_size (&message->bodies), ==, 0);
  g_assert_cmpstr (message->content_length->value, ==, "0");
}

/* RFC 4475 §3.1.2.7-§3.1.2.10: what is wrong with a Request-Line libosip2
 * refuses is named in the 400's reason phrase. */
static void
test_diagnose_request_line (void)
{
  static const struct { const char *line; const char *phrase; } cases[] = {
    { "INVITE <sip:bob@127.0.0.1> SIP/2.0", "Bad Request-URI: it must not be enclosed in <>" },
    { "INVITE sip:bob@127.0.0.1; lr SIP/2.0", "Bad Request-URI: it contains spaces" },
    { "INVITE  sip:bob@127.0.0.1  SIP/2.0",
      "Malformed Request-Line: more than one space between its parts" },
    { "OPTIONS sip:bob@127.0.0.1 SIP/2.0  ", "Malformed Request-Line: spaces at its end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = g_strconcat (cases[i].line, "\r\n",
                                           HEAD + strlen ("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"),
                                           "Content-Length: 0\r\n\r\n", NULL);
      UstSipText text;

      g_assert_true (ust_sip_text_init (&text, data, strlen (data)));
      g_assert_cmpstr (ust_sip_diagnose (&text), ==, cases[i].phrase);
    }
}

/* RFC 4475 §3.1.1.2: a NUL is a valid quoted-pair in a display name; libosip2
 * gets a copy with a space there. A bare NUL in a header stays an error. */
static void
test_quoted_nul (void)
{
  static const char quoted[] =
    "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-nul-1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
    "To: \"BEL:\\\a NUL:\\\0 DEL:\\\x7f\" <sip:bob@127.0.0.1>\r\n"
    "Call-ID: nul-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  static const char bare[] =
    "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-nul-2\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
    "To: <sip:bob\0@127.0.0.1>\r\n"
    "Call-ID: nul-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  g_autoptr(osip_message_t) message = ust_sip_parse (quoted, sizeof quoted - 1, NULL);
  g_autoptr(osip_message_t) refused = ust_sip_parse (bare, sizeof bare - 1, NULL);

  g_assert_nonnull (message);
  g_assert_cmpstr (message->to->url->username, ==, "bob");
  g_assert_null (refused);
}

/* RFC 4475 §3.1.1.4: libosip2 unescapes URI parts in place, so an escaped NUL
 * used to cut a user name short. Parsed, "%00" stays "%00" (and a literal
 * "%2500" stays apart from it); written again, every URI is as it came. */
static void
test_escaped_nul_kept (void)
{
  static const char text[] =
    "INVITE sip:null-%00-null@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-esc-1\r\n"
    "From: \"%00 \\\"%25\" <sip:pct-%2500@127.0.0.1>;tag=a1\r\n"
    "To: sip:null-%00-null@127.0.0.1\r\n"
    "Contact: <sip:%00@127.0.0.1:5070>, <sip:%00%00@127.0.0.1:5070;x=%25>\r\n"
    "Call-ID: esc-%00-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  g_autoptr(osip_message_t) message = ust_sip_parse (text, sizeof text - 1, NULL);
  g_autofree char *first = NULL, *second = NULL, *cancel = NULL;
  osip_contact_t *contact = NULL;

  g_assert_nonnull (message);
  g_assert_cmpstr (message->req_uri->username, ==, "null-%00-null");
  g_assert_cmpstr (message->to->url->username, ==, "null-%00-null");
  g_assert_cmpstr (message->from->url->username, ==, "pct-%2500");
  g_assert_cmpstr (message->from->displayname, ==, "\"%00 \\\"%25\"");
  g_assert_cmpstr (message->call_id->number, ==, "esc-%00-1");
  osip_message_get_contact (message, 0, &contact);
  first = ust_sip_uri_to_string (contact->url);
  osip_message_get_contact (message, 1, &contact);
  second = ust_sip_uri_to_string (contact->url);
  g_assert_cmpstr (first, ==, "sip:%00@127.0.0.1:5070");
  g_assert_cmpstr (second, ==, "sip:%00%00@127.0.0.1:5070;x=%25");

  cancel = ust_sip_request_from_invite (message, "CANCEL", NULL, NULL);
  g_assert_true (g_str_has_prefix (cancel, "CANCEL sip:null-%00-null@127.0.0.1 SIP/2.0\r\n"));
  g_assert_nonnull (strstr (cancel, "\r\nTo: <sip:null-%00-null@127.0.0.1>\r\n"));
  g_assert_nonnull (strstr (cancel, "\r\nCall-ID: esc-%00-1\r\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/sip/multipart-kept-whole", test_multipart_kept_whole);
  g_test_add_func ("/ust/sip/malformed-multipart-no-leak", test_malformed_multipart_no_leak);
  g_test_add_func ("/ust/sip/sdp-body", test_sdp_body);
  g_test_add_func ("/ust/sip/cut-short", test_cut_short);
  g_test_add_func ("/ust/sip/no-content-length", test_no_content_length);
  g_test_add_func ("/ust/sip/no-body", test_no_body);
  g_test_add_func ("/ust/sip/diagnose-request-line", test_diagnose_request_line);
  g_test_add_func ("/ust/sip/quoted-nul", test_quoted_nul);
  g_test_add_func ("/ust/sip/escaped-nul-kept", test_escaped_nul_kept);

  return g_test_run ();
}
