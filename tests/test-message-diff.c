/* SPDX-License-Identifier: GPL-3.0-or-later */

/* "What the exchange changed": the line diff on its own, then a real
 * forwarded INVITE and a relayed 180 taken from the trace of a proxy on
 * 127.0.0.1, paired and compared. */

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-message-diff.h"
#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"

typedef struct {
  UstMessageDiffKind  kind;
  const char         *received;   /* a prefix of the line, or NULL */
  const char         *sent;
} Expect;

static void
assert_diff (GPtrArray    *lines,
             const Expect *expect,
             guint         n_expect)
{
  g_autofree char *text = ust_message_diff_to_text (lines);

  g_test_message ("\n%s", text);
  g_assert_cmpuint (lines->len, ==, n_expect);
  for (guint i = 0; i < n_expect; i++)
    {
      const UstMessageDiffLine *line = g_ptr_array_index (lines, i);

      g_assert_cmpint (line->kind, ==, expect[i].kind);
      if (expect[i].received == NULL)
        g_assert_null (line->received);
      else
        {
          g_assert_nonnull (line->received);
          if (!g_str_has_prefix (line->received, expect[i].received))
            g_error ("line %u: received %s, expected %s…", i, line->received,
                     expect[i].received);
        }
      if (expect[i].sent == NULL)
        g_assert_null (line->sent);
      else
        {
          g_assert_nonnull (line->sent);
          if (!g_str_has_prefix (line->sent, expect[i].sent))
            g_error ("line %u: sent %s, expected %s…", i, line->sent, expect[i].sent);
        }
    }
}

#define SAME(x)        { UST_MESSAGE_DIFF_SAME, x, x }
#define ADDED(x)       { UST_MESSAGE_DIFF_ADDED, NULL, x }
#define REMOVED(x)     { UST_MESSAGE_DIFF_REMOVED, x, NULL }
#define CHANGED(x, y)  { UST_MESSAGE_DIFF_CHANGED, x, y }

/* The diff alone: a changed line is a removed and an added line of the same
 * header (compact names count as the full ones); other lines are added or
 * removed; line numbers follow each side. */
static void
test_lines (void)
{
  static const char a[] =
    "SIP/2.0 180 Ringing\n"
    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKours\n"
    "v: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKtheirs\n"
    "To: <sip:bob@10.0.0.1>;tag=1\n"
    "X-Gone: yes\n"
    "Content-Length: 3\n"
    "\n"
    "abc";
  static const char b[] =
    "SIP/2.0 180 Zvoní\n"
    "v: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKtheirs\n"
    "To: <sip:bob@10.0.0.1>;tag=1\n"
    "Content-Length: 3\n"
    "X-New: 1\n"
    "\n"
    "abd";
  static const Expect expect[] = {
    CHANGED ("SIP/2.0 180 Ringing", "SIP/2.0 180 Zvoní"),
    REMOVED ("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKours"),
    SAME ("v: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKtheirs"),
    SAME ("To: "),
    REMOVED ("X-Gone: yes"),
    SAME ("Content-Length: 3"),
    ADDED ("X-New: 1"),
    SAME (""),
    CHANGED ("abc", "abd"),
  };
  g_autoptr(GPtrArray) lines = ust_message_diff_lines (a, -1, b, -1);
  const UstMessageDiffLine *line;

  assert_diff (lines, expect, G_N_ELEMENTS (expect));
  line = g_ptr_array_index (lines, 6);
  g_assert_cmpuint (line->received_line, ==, 0);
  g_assert_cmpuint (line->sent_line, ==, 5);
  line = g_ptr_array_index (lines, 8);
  g_assert_cmpuint (line->received_line, ==, 8);
  g_assert_cmpuint (line->sent_line, ==, 7);
}

static void
test_identical (void)
{
  static const char a[] = "OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n";
  g_autoptr(GPtrArray) lines = ust_message_diff_lines (a, -1, a, -1);

  g_assert_cmpuint (lines->len, ==, 3);
  for (guint i = 0; i < lines->len; i++)
    g_assert_cmpint (((UstMessageDiffLine *) g_ptr_array_index (lines, i))->kind, ==,
                     UST_MESSAGE_DIFF_SAME);
}

/* A proxy and two phones on 127.0.0.1 ---------------------------------------------- */

typedef struct {
  char           *data_dir;
  UstTransport   *transport;
  UstRegistrar   *registrar;
  UstReasonTable *reasons;
  UstProxy       *proxy;
  UstTrace       *trace;
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
phone_send (Fixture      *fixture,
            UstTestPhone *phone,
            const char   *template)
{
  g_autofree char *text = expand (fixture, template);

  ust_test_phone_send (phone, text);
}

/* Spins the proxy's context until @phone receives a datagram (2 s at most). */
static char *
phone_receive (UstTestPhone *phone)
{
  char *text = ust_test_phone_receive (phone, 2000, NULL);

  if (text == NULL)
    g_error ("no datagram within 2 s");
  return text;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autofree char *store = NULL;

  fixture->data_dir = g_dir_make_tmp ("ust-diff-XXXXXX", &error);
  g_assert_no_error (error);
  store = g_build_filename (fixture->data_dir, "registrations.ini", NULL);
  g_assert_true (ust_address_text_parse ("127.0.0.1:0", 5060, &address, NULL));
  fixture->transport = ust_transport_new (address, &error);
  g_assert_no_error (error);
  fixture->trace = ust_trace_new (0, 0);
  ust_transport_set_trace (fixture->transport, fixture->trace);
  fixture->registrar = ust_registrar_new (store);
  fixture->reasons = ust_reason_table_new ();
  fixture->proxy = ust_proxy_new (fixture->transport, fixture->registrar, fixture->reasons);
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
  g_clear_object (&fixture->trace);
  g_clear_object (&fixture->proxy_address);
  ust_test_spin (50);
  ust_test_remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
}

static UstTraceEntry *
find_entry (GPtrArray         *entries,
            UstTraceDirection  direction,
            const char        *first_line_prefix)
{
  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);

      if (ust_trace_entry_get_direction (entry) == direction
          && g_str_has_prefix (ust_trace_entry_get_data (entry, NULL), first_line_prefix)
          && strcmp (ust_trace_entry_get_call_id (entry), "diff-1") == 0)
        return entry;
    }
  g_error ("no %s entry starting with %s", direction == UST_TRACE_SENT ? "sent" : "received",
           first_line_prefix);
}

/* RFC 3261 §16.6 on the wire: the Request-URI rewritten to Bob's contact,
 * Record-Route and our Via added, the sender's Via given received/rport, the
 * Route that named us removed, Max-Forwards decremented; nothing else. The
 * relayed 180 loses our Via and nothing else (§16.7 step 9). */
static void
test_forwarded_invite (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *trying = NULL;
  g_autofree char *forwarded = NULL;
  g_autofree char *ringing = NULL;
  UstTraceEntry *in, *out, *pair, *trying_entry, *ring_in, *ring_out;
  g_autofree char *our_via = NULL;
  g_autofree char *their_via = NULL;
  g_autofree char *record_route = NULL;
  g_autofree char *route = NULL;
  g_autofree char *bob_uri = NULL;

  phone_send (fixture, &fixture->alice,
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKdiff1;rport\r\n"
    "Route: <sip:127.0.0.1:PROXY;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:alice@127.0.0.1>;tag=a1\r\n"
    "To: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: diff-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@127.0.0.1:APORT>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 10\r\n"
    "\r\n"
    "v=0\r\ns=-\r\n");
  trying = phone_receive (&fixture->alice);
  g_assert_true (g_str_has_prefix (trying, "SIP/2.0 100 "));
  forwarded = phone_receive (&fixture->bob);
  g_assert_true (g_str_has_prefix (forwarded, "INVITE "));

  /* Bob rings: his 180 echoes the Vias and the Record-Route he received. */
  {
    g_auto(GStrv) lines_in = g_strsplit (forwarded, "\r\n", -1);
    GString *reply = g_string_new ("SIP/2.0 180 Ringing\r\n");
    g_autoptr(GError) error = NULL;

    for (guint i = 1; lines_in[i] != NULL && lines_in[i][0] != '\0'; i++)
      if (g_str_has_prefix (lines_in[i], "Via:") || g_str_has_prefix (lines_in[i], "From:")
          || g_str_has_prefix (lines_in[i], "Record-Route:")
          || g_str_has_prefix (lines_in[i], "Call-ID:") || g_str_has_prefix (lines_in[i], "CSeq:"))
        g_string_append_printf (reply, "%s\r\n", lines_in[i]);
      else if (g_str_has_prefix (lines_in[i], "To:"))
        g_string_append_printf (reply, "%s;tag=b1\r\n", lines_in[i]);
    g_string_append (reply, "Content-Length: 0\r\n\r\n");
    g_socket_send_to (fixture->bob.socket, fixture->proxy_address, reply->str, reply->len, NULL,
                      &error);
    g_assert_no_error (error);
    g_string_free (reply, TRUE);
  }
  ringing = phone_receive (&fixture->alice);
  g_assert_true (g_str_has_prefix (ringing, "SIP/2.0 180 "));

  entries = ust_trace_get_since (fixture->trace, 0);
  in = find_entry (entries, UST_TRACE_RECEIVED, "INVITE ");
  out = find_entry (entries, UST_TRACE_SENT, "INVITE ");
  trying_entry = find_entry (entries, UST_TRACE_SENT, "SIP/2.0 100 ");
  ring_in = find_entry (entries, UST_TRACE_RECEIVED, "SIP/2.0 180 ");
  ring_out = find_entry (entries, UST_TRACE_SENT, "SIP/2.0 180 ");

  /* Pairs both ways; what the exchange made itself has none. */
  pair = ust_message_diff_find_pair (entries, in);
  g_assert_true (pair == out);
  g_assert_true (ust_message_diff_find_pair (entries, out) == in);
  g_assert_null (ust_message_diff_find_pair (entries, trying_entry));
  g_assert_true (ust_message_diff_find_pair (entries, ring_in) == ring_out);
  g_assert_true (ust_message_diff_find_pair (entries, ring_out) == ring_in);

  bob_uri = expand (fixture, "INVITE sip:bob@127.0.0.1:BPORT SIP/2.0");
  record_route = expand (fixture, "Record-Route: <sip:127.0.0.1:PROXY;lr>");
  our_via = expand (fixture, "Via: SIP/2.0/UDP 127.0.0.1:PROXY;branch=z9hG4bK");
  their_via = expand (fixture,
                      "Via: SIP/2.0/UDP 127.0.0.1:APORT;branch=z9hG4bKdiff1;rport=APORT;"
                      "received=127.0.0.1");
  route = expand (fixture, "Route: <sip:127.0.0.1:PROXY;lr>");
  {
    const Expect expect[] = {
      CHANGED ("INVITE sip:bob@127.0.0.1 SIP/2.0", bob_uri),
      ADDED (record_route),
      ADDED (our_via),
      CHANGED ("Via: SIP/2.0/UDP 127.0.0.1:", their_via),
      REMOVED (route),
      CHANGED ("Max-Forwards: 70", "Max-Forwards: 69"),
      SAME ("From: \"Alice\" <sip:alice@127.0.0.1>;tag=a1"),
      SAME ("To: <sip:bob@127.0.0.1>"),
      SAME ("Call-ID: diff-1"),
      SAME ("CSeq: 1 INVITE"),
      SAME ("Contact: "),
      SAME ("Content-Type: application/sdp"),
      SAME ("Content-Length: 10"),
      SAME (""),
      SAME ("v=0"),
      SAME ("s=-"),
    };

    lines = ust_message_diff_entries (out, in);   /* either order: received on the left */
    assert_diff (lines, expect, G_N_ELEMENTS (expect));
  }
  g_clear_pointer (&lines, g_ptr_array_unref);

  {
    const Expect expect[] = {
      SAME ("SIP/2.0 180 Ringing"),
      SAME (record_route),
      REMOVED (our_via),
      SAME (their_via),
      SAME ("From: "),
      SAME ("To: <sip:bob@127.0.0.1>;tag=b1"),
      SAME ("Call-ID: diff-1"),
      SAME ("CSeq: 1 INVITE"),
      SAME ("Content-Length: 0"),
      SAME (""),
    };

    lines = ust_message_diff_entries (ring_in, ring_out);
    assert_diff (lines, expect, G_N_ELEMENTS (expect));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/message-diff/lines", test_lines);
  g_test_add_func ("/ust/message-diff/identical", test_identical);
  g_test_add ("/ust/message-diff/forwarded-invite", Fixture, NULL, fixture_set_up,
              test_forwarded_invite, fixture_tear_down);

  return g_test_run ();
}
