/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The ladder of one call from trace entries: which columns, which arrows,
 * what is a retransmission and what is a custom reason phrase. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ust-ladder.h"
#include "ust-sip.h"

#define ALICE  "10.0.0.5:5062"
#define EXCH   "10.0.0.1:5060"
#define BOB    "10.0.0.7:5060"
#define BOB2   "10.0.0.7:5064"   /* Bob's phone sends its NOTIFY from another port */

typedef struct {
  const char *from;
  const char *to;
  guint       ms;
  const char *first_line;
  const char *branches;     /* top first, comma-separated */
  const char *from_user;
  const char *to_user;
  const char *cseq;
  const char *contact;      /* user, or NULL for no Contact */
  const char *call_id;      /* NULL for the transfer call */
} Msg;

/* A call from Alice to Bob through the exchange; Alice then transfers Bob
 * (REFER), Bob reports progress (NOTIFY) and Alice hangs up. Bob's phone
 * repeats its 200 once, and the exchange relays the repeat. */
static const Msg transfer[] = {
  { ALICE, EXCH,    0, "INVITE sip:bob@10.0.0.1 SIP/2.0", "a1", "alice", "bob", "1 INVITE", "alice" },
  { EXCH, ALICE,    1, "SIP/2.0 100 Trying", "a1", "alice", "bob", "1 INVITE", NULL },
  { EXCH, BOB,      2, "INVITE sip:bob@10.0.0.7 SIP/2.0", "x1,a1", "alice", "bob", "1 INVITE", "alice" },
  { BOB, EXCH,     50, "SIP/2.0 180 Ringing", "x1,a1", "alice", "bob", "1 INVITE", "bob" },
  { EXCH, ALICE,   51, "SIP/2.0 180 Ringing", "a1", "alice", "bob", "1 INVITE", "bob" },
  { BOB, EXCH,   1000, "SIP/2.0 200 POHODKA", "x1,a1", "alice", "bob", "1 INVITE", "bob" },
  { EXCH, ALICE, 1001, "SIP/2.0 200 POHODKA", "a1", "alice", "bob", "1 INVITE", "bob" },
  { BOB, EXCH,   1500, "SIP/2.0 200 POHODKA", "x1,a1", "alice", "bob", "1 INVITE", "bob" },
  { EXCH, ALICE, 1501, "SIP/2.0 200 POHODKA", "a1", "alice", "bob", "1 INVITE", "bob" },
  { ALICE, EXCH, 1510, "ACK sip:bob@10.0.0.7 SIP/2.0", "a2", "alice", "bob", "1 ACK", NULL },
  { EXCH, BOB,   1511, "ACK sip:bob@10.0.0.7 SIP/2.0", "x2,a2", "alice", "bob", "1 ACK", NULL },
  { ALICE, EXCH, 3000, "REFER sip:bob@10.0.0.7 SIP/2.0", "a3", "alice", "bob", "2 REFER", "alice" },
  { EXCH, BOB,   3001, "REFER sip:bob@10.0.0.7 SIP/2.0", "x3,a3", "alice", "bob", "2 REFER", "alice" },
  { BOB, EXCH,   3050, "SIP/2.0 202 Accepted", "x3,a3", "alice", "bob", "2 REFER", NULL },
  { EXCH, ALICE, 3051, "SIP/2.0 202 Accepted", "a3", "alice", "bob", "2 REFER", NULL },
  { BOB2, EXCH,  3100, "NOTIFY sip:alice@10.0.0.5:5062 SIP/2.0", "b1", "bob", "alice", "1 NOTIFY", NULL },
  { EXCH, ALICE, 3101, "NOTIFY sip:alice@10.0.0.5:5062 SIP/2.0", "x4,b1", "bob", "alice", "1 NOTIFY", NULL },
  { ALICE, EXCH, 3150, "SIP/2.0 200 OK", "x4,b1", "bob", "alice", "1 NOTIFY", NULL },
  { EXCH, BOB2,  3151, "SIP/2.0 200 OK", "b1", "bob", "alice", "1 NOTIFY", NULL },
  { ALICE, EXCH, 5000, "BYE sip:bob@10.0.0.7 SIP/2.0", "a4", "alice", "bob", "3 BYE", NULL },
  { EXCH, BOB,   5001, "BYE sip:bob@10.0.0.7 SIP/2.0", "x5,a4", "alice", "bob", "3 BYE", NULL },
  { BOB, EXCH,   5050, "SIP/2.0 200 OK", "x5,a4", "alice", "bob", "3 BYE", NULL },
  { EXCH, ALICE, 5051, "SIP/2.0 200 OK", "a4", "alice", "bob", "3 BYE", NULL },
};

#define T0 ((gint64) 1700000000 * G_USEC_PER_SEC)

static gboolean
is_exchange (const char *address)
{
  return strcmp (address, EXCH) == 0 || strcmp (address, "127.0.0.1:5060") == 0;
}

static char *
msg_text (const Msg *msg)
{
  GString *text = g_string_new (msg->first_line);
  g_auto(GStrv) branches = g_strsplit (msg->branches, ",", -1);

  g_string_append (text, "\r\n");
  for (guint i = 0; branches[i] != NULL; i++)
    g_string_append_printf (text, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n",
                            branches[i][0] == 'x' ? EXCH
                            : branches[i][0] == 'a' ? ALICE : BOB2, branches[i]);
  g_string_append_printf (text,
                          "From: <sip:%s@10.0.0.1>;tag=f\r\n"
                          "To: <sip:%s@10.0.0.1>;tag=t\r\n"
                          "Call-ID: %s\r\n"
                          "CSeq: %s\r\n",
                          msg->from_user, msg->to_user,
                          msg->call_id != NULL ? msg->call_id : "xfer-1", msg->cseq);
  if (msg->contact != NULL)
    g_string_append_printf (text, "Contact: <sip:%s@%s>\r\n", msg->contact,
                            is_exchange (msg->from) ? msg->to : msg->from);
  g_string_append (text, "Content-Length: 0\r\n\r\n");
  return g_string_free (text, FALSE);
}

static UstTraceEntry *
msg_entry (const Msg *msg,
           guint64    seq)
{
  UstTraceAddress from, to;
  g_autofree char *text = msg_text (msg);

  g_assert_true (ust_trace_address_parse (&from, msg->from));
  g_assert_true (ust_trace_address_parse (&to, msg->to));
  return ust_trace_entry_new (seq, T0 + msg->ms * 1000,
                              is_exchange (msg->from) ? UST_TRACE_SENT : UST_TRACE_RECEIVED,
                              &from, &to, text, strlen (text));
}

static GPtrArray *
transfer_entries (void)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_trace_entry_unref);
  static const Msg other_call = {
    BOB, EXCH, 20, "REGISTER sip:10.0.0.1 SIP/2.0", "r1", "bob", "bob", "7 REGISTER", "bob",
    "register-bob"
  };
  UstTraceAddress from, to;
  guint64 seq = 1;

  for (guint i = 0; i < G_N_ELEMENTS (transfer); i++)
    {
      g_ptr_array_add (entries, msg_entry (&transfer[i], seq++));
      /* Another call's datagram and a keep-alive in between do not belong. */
      if (i == 3)
        g_ptr_array_add (entries, msg_entry (&other_call, seq++));
      if (i == 10)
        {
          ust_trace_address_parse (&from, ALICE);
          ust_trace_address_parse (&to, EXCH);
          g_ptr_array_add (entries, ust_trace_entry_new (seq++, T0 + 2000000, UST_TRACE_RECEIVED,
                                                         &from, &to, "\r\n\r\n", 4));
        }
    }
  return entries;
}

static void
test_transfer (void)
{
  g_autoptr(GPtrArray) entries = transfer_entries ();
  g_autoptr(UstLadder) ladder = ust_ladder_new_for_call (entries, "xfer-1");
  const UstLadderColumn *column;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpstr (ust_ladder_get_call_id (ladder), ==, "xfer-1");

  /* Caller, exchange, callee; Bob's two ports are one column. */
  g_assert_cmpuint (ust_ladder_get_n_columns (ladder), ==, 3);
  column = ust_ladder_get_column (ladder, 0);
  g_assert_cmpstr (column->name, ==, "alice");
  g_assert_cmpstr (column->host, ==, "10.0.0.5");
  g_assert_cmpstr (column->addresses, ==, ALICE);
  g_assert_false (column->is_exchange);
  column = ust_ladder_get_column (ladder, 1);
  g_assert_true (column->is_exchange);
  g_assert_cmpstr (column->addresses, ==, EXCH);
  column = ust_ladder_get_column (ladder, 2);
  g_assert_cmpstr (column->name, ==, "bob");
  g_assert_cmpstr (column->addresses, ==, BOB ", " BOB2);

  g_assert_cmpuint (ust_ladder_get_n_arrows (ladder), ==, G_N_ELEMENTS (transfer));
  for (guint i = 0; i < G_N_ELEMENTS (transfer); i++)
    {
      const UstLadderArrow *arrow = ust_ladder_get_arrow (ladder, i);
      const Msg *msg = &transfer[i];
      guint from = g_str_has_prefix (msg->from, "10.0.0.5") ? 0
                   : g_str_has_prefix (msg->from, "10.0.0.1") ? 1 : 2;
      guint to = g_str_has_prefix (msg->to, "10.0.0.5") ? 0
                 : g_str_has_prefix (msg->to, "10.0.0.1") ? 1 : 2;
      g_autofree char *label = g_str_has_prefix (msg->first_line, "SIP/2.0 ")
                                 ? g_strdup (msg->first_line + 8)
                                 : g_strndup (msg->first_line,
                                              strchr (msg->first_line, ' ') - msg->first_line);

      g_test_message ("arrow %u: %u → %u %s", i, arrow->from, arrow->to, arrow->label);
      g_assert_cmpuint (arrow->from, ==, from);
      g_assert_cmpuint (arrow->to, ==, to);
      g_assert_cmpstr (arrow->label, ==, label);
      g_assert_cmpint (arrow->offset, ==, (gint64) msg->ms * 1000);
      /* Only the repeated 200 and its relayed copy are retransmissions. */
      g_assert_cmpint (arrow->retransmission, ==, i == 7 || i == 8);
      /* POHODKA is not "OK"; "Accepted", "Ringing" and "Trying" are standard. */
      g_assert_cmpint (arrow->custom_reason, ==, i >= 5 && i <= 8);
      g_assert_cmpuint (arrow->status_code, ==, g_str_has_prefix (msg->first_line, "SIP/")
                                                 ? (guint) atoi (msg->first_line + 8) : 0);
      g_assert_cmpuint (ust_trace_entry_get_seq (arrow->entry), >, 0);
    }

  text = ust_ladder_to_text (ladder);
  g_test_message ("\n%s", text);
  lines = g_strsplit (text, "\n", -1);
  /* Call-ID, time, names, addresses, one line per arrow, and the final newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4 + G_N_ELEMENTS (transfer) + 1);
  g_assert_cmpstr (lines[0], ==, "Call-ID: xfer-1");
  g_assert_true (g_str_has_prefix (lines[1], "First datagram: 2023-11-1"));
  g_assert_true (g_str_has_suffix (lines[1], ":20.000"));
  g_assert_nonnull (strstr (lines[2], "alice"));
  g_assert_nonnull (strstr (lines[2], "Exchange"));
  g_assert_nonnull (strstr (lines[2], "bob"));
  g_assert_true (strstr (lines[2], "alice") < strstr (lines[2], "bob"));
  g_assert_nonnull (strstr (lines[3], "10.0.0.7:5060, 10.0.0.7:5064"));
  g_assert_true (g_str_has_prefix (lines[4], "    0.000 s"));
  g_assert_nonnull (strstr (lines[4], "|---------- INVITE ---------->|"));
  g_assert_nonnull (strstr (lines[5], "|<------- 100 Trying ---------|"));
  g_assert_true (g_str_has_prefix (lines[9], "    1.000 s"));
  g_assert_nonnull (strstr (lines[9], "200 POHODKA"));
  g_assert_nonnull (strstr (lines[9], "(standard phrase: 200 OK)"));
  g_assert_null (strstr (lines[9], "retransmission"));
  g_assert_nonnull (strstr (lines[11], "(retransmission)"));
  g_assert_true (g_str_has_prefix (lines[26], "    5.051 s"));
}

/* Two phones on one computer (127.0.0.1) are two columns, told apart by
 * their user names; an address that never names a user cannot be put in
 * either and gets its own. A retransmitted request whose bytes changed (a
 * new Timestamp) is still the same transaction's request. */
static void
test_columns_same_host (void)
{
  static const Msg msgs[] = {
    { "127.0.0.1:6001", "127.0.0.1:5060", 0, "INVITE sip:bob@127.0.0.1 SIP/2.0", "a1", "alice", "bob", "1 INVITE", "alice", "c" },
    { "127.0.0.1:5060", "127.0.0.1:6002", 1, "INVITE sip:bob@127.0.0.1:6002 SIP/2.0", "x1,a1", "alice", "bob", "1 INVITE", "alice", "c" },
    { "127.0.0.1:6002", "127.0.0.1:5060", 2, "SIP/2.0 486 Busy Here", "x1,a1", "alice", "bob", "1 INVITE", NULL, "c" },
    { "127.0.0.1:6001", "127.0.0.1:5060", 3, "INVITE sip:bob@127.0.0.1 SIP/2.0", "a1", "alice", "bob", "1 INVITE", "alice", "c" },
    { "127.0.0.1:6003", "127.0.0.1:5060", 4, "SIP/2.0 487 Request Terminated", "x9", "", "", "1 INVITE", NULL, "c" },
  };
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                   ust_trace_entry_unref);
  g_autoptr(UstLadder) ladder = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      UstTraceEntry *entry = msg_entry (&msgs[i], i + 1);

      if (i == 3)
        {
          /* The same INVITE again with one more header. */
          gsize len;
          const char *data = ust_trace_entry_get_data (entry, &len);
          g_autofree char *changed = g_strdup_printf ("%.*sTimestamp: 1\r\n\r\n", (int) len - 2,
                                                      data);
          UstTraceEntry *again = ust_trace_entry_new (i + 1, ust_trace_entry_get_time (entry),
                                                      UST_TRACE_RECEIVED,
                                                      ust_trace_entry_get_source (entry),
                                                      ust_trace_entry_get_destination (entry),
                                                      changed, strlen (changed));

          ust_trace_entry_unref (entry);
          entry = again;
        }
      g_ptr_array_add (entries, entry);
    }
  /* Given out of order, they are put in order. */
  {
    gpointer first = entries->pdata[0];

    entries->pdata[0] = entries->pdata[2];
    entries->pdata[2] = first;
  }

  ladder = ust_ladder_new_for_call (entries, "c");
  text = ust_ladder_to_text (ladder);
  g_test_message ("\n%s", text);
  g_assert_cmpuint (ust_ladder_get_n_columns (ladder), ==, 4);
  g_assert_cmpstr (ust_ladder_get_column (ladder, 0)->name, ==, "alice");
  g_assert_true (ust_ladder_get_column (ladder, 1)->is_exchange);
  g_assert_cmpstr (ust_ladder_get_column (ladder, 2)->name, ==, "bob");
  g_assert_null (ust_ladder_get_column (ladder, 3)->name);
  g_assert_cmpstr (ust_ladder_get_column (ladder, 3)->addresses, ==, "127.0.0.1:6003");
  g_assert_cmpuint (ust_ladder_get_arrow (ladder, 2)->from, ==, 2);
  g_assert_false (ust_ladder_get_arrow (ladder, 2)->custom_reason);
  g_assert_true (ust_ladder_get_arrow (ladder, 3)->retransmission);
  g_assert_false (ust_ladder_get_arrow (ladder, 0)->retransmission);
  g_assert_cmpuint (ust_ladder_get_arrow (ladder, 4)->from, ==, 3);
}

static void
test_empty (void)
{
  g_autoptr(GPtrArray) entries = transfer_entries ();
  g_autoptr(UstLadder) ladder = ust_ladder_new_for_call (entries, "no-such-call");
  g_autofree char *text = ust_ladder_to_text (ladder);

  g_assert_cmpuint (ust_ladder_get_n_columns (ladder), ==, 0);
  g_assert_cmpuint (ust_ladder_get_n_arrows (ladder), ==, 0);
  g_assert_cmpstr (text, ==, "Call-ID: no-such-call\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/ladder/transfer", test_transfer);
  g_test_add_func ("/ust/ladder/columns-same-host", test_columns_same_host);
  g_test_add_func ("/ust/ladder/empty", test_empty);

  return g_test_run ();
}
