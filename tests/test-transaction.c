/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ust-sip.h"
#include "ust-transaction.h"

static osip_message_t *
parse_request (const char *method,
               const char *via,
               const char *cseq_number)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("%s sip:bob@127.0.0.1 SIP/2.0\r\n"
                                           "Via: %s\r\n"
                                           "Max-Forwards: 70\r\n"
                                           "From: <sip:alice@127.0.0.1>;tag=ft1\r\n"
                                           "To: <sip:bob@127.0.0.1>\r\n"
                                           "Call-ID: call1@10.0.0.5\r\n"
                                           "CSeq: %s %s\r\n"
                                           "Content-Length: 0\r\n\r\n",
                                           method, via, cseq_number, method);
  osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

/* The key of @method sent with @via, asserting it fits. */
static char *
key_for (const char *method,
         const char *via,
         const char *cseq_number)
{
  g_autoptr(osip_message_t) request = parse_request (method, via, cseq_number);
  char key[256];

  g_assert_true (ust_server_txn_key (request, method, key, sizeof key));
  return g_strdup (key);
}

static GSocketAddress *
address (guint port)
{
  GSocketAddress *address = g_inet_socket_address_new_from_string ("127.0.0.1", port);

  g_assert_nonnull (address);
  return address;
}

static void
test_key (void)
{
  const char *via = "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKabc;rport";
  g_autofree char *invite = key_for ("INVITE", via, "1");
  g_autofree char *ack = key_for ("ACK", via, "1");
  g_autofree char *cancel = key_for ("CANCEL", via, "1");
  g_autofree char *bye = key_for ("BYE", "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKdef", "2");

  /* RFC 3261 §17.2.3: branch, sent-by and method. */
  g_assert_cmpstr (invite, ==, "z9hG4bKabc 10.0.0.5:5062 INVITE");
  /* The ACK for a non-2xx final belongs to the INVITE transaction. */
  g_assert_cmpstr (ack, ==, invite);
  /* A CANCEL shares the branch but is a transaction of its own (§9.2). */
  g_assert_cmpstr (cancel, ==, "z9hG4bKabc 10.0.0.5:5062 CANCEL");
  g_assert_cmpstr (cancel, !=, invite);
  g_assert_cmpstr (bye, ==, "z9hG4bKdef 10.0.0.5:5062 BYE");
}

static void
test_key_sent_by (void)
{
  g_autofree char *no_port = key_for ("INVITE", "SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKabc", "1");
  g_autofree char *other_port = key_for ("INVITE", "SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKabc",
                                         "1");
  g_autofree char *other_host = key_for ("INVITE", "SIP/2.0/UDP 10.0.0.6;branch=z9hG4bKabc", "1");

  /* RFC 3261 §18.2.2: no port in sent-by means 5060. */
  g_assert_cmpstr (no_port, ==, "z9hG4bKabc 10.0.0.5:5060 INVITE");
  /* The same branch from another sent-by is another transaction. */
  g_assert_cmpstr (other_port, ==, "z9hG4bKabc 10.0.0.5:5070 INVITE");
  g_assert_cmpstr (other_host, ==, "z9hG4bKabc 10.0.0.6:5060 INVITE");
}

static void
test_key_rfc2543 (void)
{
  const char *old_via = "SIP/2.0/UDP 10.0.0.5:5062;branch=1234";
  g_autofree char *invite = key_for ("INVITE", old_via, "7");
  g_autofree char *ack = key_for ("ACK", old_via, "7");
  g_autofree char *next = key_for ("INVITE", old_via, "8");
  g_autofree char *no_branch = key_for ("INVITE", "SIP/2.0/UDP 10.0.0.5", "7");

  /* No magic cookie: the branch is not unique, so §17.2.3 falls back to
   * Call-ID, From tag, CSeq and sent-by. */
  g_assert_true (g_str_has_prefix (invite, "2543 "));
  g_assert_nonnull (strstr (invite, "call1"));
  g_assert_nonnull (strstr (invite, " ft1 "));
  g_assert_nonnull (strstr (invite, " 7 "));
  g_assert_nonnull (strstr (invite, "10.0.0.5:5062"));
  g_assert_true (g_str_has_suffix (invite, " INVITE"));
  g_assert_null (strstr (invite, "1234"));
  g_assert_cmpstr (ack, ==, invite);
  g_assert_cmpstr (next, !=, invite);
  g_assert_true (g_str_has_prefix (no_branch, "2543 "));
  g_assert_nonnull (strstr (no_branch, "10.0.0.5:5060"));
}

static void
test_key_buffer (void)
{
  g_autoptr(osip_message_t) request =
    parse_request ("INVITE", "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKabc", "1");
  const char *expected = "z9hG4bKabc 10.0.0.5:5062 INVITE";
  char key[64];

  /* Exactly big enough, then one byte short: a cut key would match the
   * wrong transaction, so it is refused. */
  g_assert_true (ust_server_txn_key (request, "INVITE", key, strlen (expected) + 1));
  g_assert_cmpstr (key, ==, expected);
  g_assert_false (ust_server_txn_key (request, "INVITE", key, strlen (expected)));
}

static void
test_server (void)
{
  UstTransactionTable *table = ust_transaction_table_new ();
  g_autoptr(GSocketAddress) source = address (5062);
  UstServerTxn *invite, *options;

  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 0);
  g_assert_null (ust_server_txn_lookup (table, "z9hG4bKabc 10.0.0.5:5062 INVITE"));

  invite = ust_server_txn_new (table, "z9hG4bKabc 10.0.0.5:5062 INVITE", TRUE, source);
  options = ust_server_txn_new (table, "z9hG4bKopt 10.0.0.5:5062 OPTIONS", FALSE, source);
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 2);
  g_assert_true (invite->invite);
  g_assert_false (options->invite);
  /* RFC 3261 §17.2.1: an INVITE server transaction starts in Proceeding;
   * §17.2.2: a non-INVITE one in Trying. */
  g_assert_cmpint (invite->state, ==, UST_TXN_PROCEEDING);
  g_assert_cmpint (options->state, ==, UST_TXN_TRYING);
  g_assert_true (invite->source == source);
  g_assert_cmpuint (invite->branches->len, ==, 0);

  g_assert_true (ust_server_txn_lookup (table, "z9hG4bKabc 10.0.0.5:5062 INVITE") == invite);
  g_assert_true (ust_server_txn_lookup (table, "z9hG4bKopt 10.0.0.5:5062 OPTIONS") == options);
  g_assert_null (ust_server_txn_lookup (table, "z9hG4bKabc 10.0.0.5:5062 CANCEL"));

  /* The response kept for retransmissions is a copy. */
  {
    char response[] = "SIP/2.0 180 Ringing\r\n\r\n";

    ust_server_txn_set_response (invite, response, strlen (response), 180);
    response[8] = '2';
    g_assert_cmpmem (invite->response, invite->response_len, "SIP/2.0 180 Ringing\r\n\r\n",
                     strlen (response));
    g_assert_cmpuint (invite->response_code, ==, 180);
  }
  invite->request = g_strdup ("INVITE ...");
  invite->request_len = strlen (invite->request);
  ust_server_txn_drop_request (invite);
  g_assert_null (invite->request);
  g_assert_cmpuint (invite->request_len, ==, 0);
  g_assert_nonnull (invite->response);

  ust_server_txn_destroy (table, options);
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 1);
  g_assert_null (ust_server_txn_lookup (table, "z9hG4bKopt 10.0.0.5:5062 OPTIONS"));
  g_assert_true (ust_server_txn_lookup (table, "z9hG4bKabc 10.0.0.5:5062 INVITE") == invite);

  ust_server_txn_destroy (table, invite);
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 0);

  ust_transaction_table_free (table);
}

static void
test_client (void)
{
  UstTransactionTable *table = ust_transaction_table_new ();
  g_autoptr(GSocketAddress) destination = address (5070);
  char request[] = "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\r\n";
  UstClientTxn *invite, *cancel;

  invite = ust_client_txn_new (table, NULL, "z9hG4bKc1", "INVITE", destination, request,
                               strlen (request));
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 1);
  g_assert_cmpstr (invite->key, ==, "z9hG4bKc1 INVITE");
  g_assert_true (invite->invite);
  g_assert_cmpint (invite->state, ==, UST_TXN_TRYING);
  g_assert_null (invite->server);
  g_assert_true (invite->destination == destination);
  /* The forwarded request is a copy, kept for retransmissions. */
  g_assert_true (invite->request != request);
  request[0] = 'X';
  g_assert_cmpmem (invite->request, invite->request_len,
                   "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\r\n", strlen (request));

  /* RFC 3261 §17.1.3: matched by branch and CSeq method. */
  g_assert_true (ust_client_txn_lookup (table, "z9hG4bKc1", "INVITE") == invite);
  g_assert_null (ust_client_txn_lookup (table, "z9hG4bKc1", "CANCEL"));
  g_assert_null (ust_client_txn_lookup (table, "z9hG4bKc2", "INVITE"));
  g_assert_null (ust_client_txn_lookup (table, NULL, "INVITE"));
  g_assert_null (ust_client_txn_lookup (table, "z9hG4bKc1", NULL));

  /* A CANCEL of the same branch is a transaction of its own. */
  cancel = ust_client_txn_new (table, NULL, "z9hG4bKc1", "CANCEL", destination, "CANCEL", 6);
  g_assert_false (cancel->invite);
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 2);
  g_assert_true (ust_client_txn_lookup (table, "z9hG4bKc1", "CANCEL") == cancel);
  g_assert_true (ust_client_txn_lookup (table, "z9hG4bKc1", "INVITE") == invite);

  ust_client_txn_destroy (table, cancel);
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 1);
  g_assert_null (ust_client_txn_lookup (table, "z9hG4bKc1", "CANCEL"));
  g_assert_true (ust_client_txn_lookup (table, "z9hG4bKc1", "INVITE") == invite);

  ust_client_txn_destroy (table, invite);
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 0);
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 0);

  ust_transaction_table_free (table);
}

static void
test_branches (void)
{
  UstTransactionTable *table = ust_transaction_table_new ();
  g_autoptr(GSocketAddress) source = address (5062);
  g_autoptr(GSocketAddress) destination = address (5070);
  UstServerTxn *server;
  UstClientTxn *first, *second, *third;

  server = ust_server_txn_new (table, "z9hG4bKabc 10.0.0.5:5062 INVITE", TRUE, source);

  /* §16.6: each forked branch is a client transaction of the server one. */
  first = ust_client_txn_new (table, server, "z9hG4bKb1", "INVITE", destination, "I", 1);
  second = ust_client_txn_new (table, server, "z9hG4bKb2", "INVITE", destination, "I", 1);
  third = ust_client_txn_new (table, server, "z9hG4bKb3", "INVITE", destination, "I", 1);
  g_assert_true (first->server == server);
  g_assert_cmpuint (server->branches->len, ==, 3);
  g_assert_true (g_ptr_array_find (server->branches, first, NULL));
  g_assert_true (g_ptr_array_find (server->branches, second, NULL));
  g_assert_true (g_ptr_array_find (server->branches, third, NULL));
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 1);
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 3);

  /* A client transaction that ends leaves its server's list. */
  ust_client_txn_destroy (table, second);
  g_assert_cmpuint (server->branches->len, ==, 2);
  g_assert_false (g_ptr_array_find (server->branches, second, NULL));
  g_assert_true (g_ptr_array_find (server->branches, first, NULL));
  g_assert_true (g_ptr_array_find (server->branches, third, NULL));
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 2);

  /* The server transaction may end first (its timer fired while branches
   * still wait for timer D or K); the client ones forget it, not dangle. */
  ust_server_txn_destroy (table, server);
  g_assert_cmpuint (ust_transaction_table_n_server (table), ==, 0);
  g_assert_null (first->server);
  g_assert_null (third->server);
  g_assert_true (ust_client_txn_lookup (table, "z9hG4bKb1", "INVITE") == first);

  /* Destroying them afterwards must not touch the freed server. */
  ust_client_txn_destroy (table, first);
  g_assert_cmpuint (ust_transaction_table_n_client (table), ==, 1);

  /* The table frees what is left, links and all. */
  server = ust_server_txn_new (table, "z9hG4bKxyz 10.0.0.5:5062 INVITE", TRUE, source);
  ust_client_txn_new (table, server, "z9hG4bKb4", "INVITE", destination, "I", 1);
  g_assert_cmpuint (server->branches->len, ==, 1);
  ust_transaction_table_free (table);
}

static void
fail_cb (UstTimer *timer,
         gpointer  user_data)
{
  g_assert_not_reached ();
}

/* A transaction that ends takes its timers out of the queue. */
static void
test_destroy_stops_timers (void)
{
  g_autoptr(UstTimerQueue) queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTransactionTable *table = ust_transaction_table_new ();
  g_autoptr(GSocketAddress) source = address (5062);
  g_autoptr(GSocketAddress) destination = address (5070);
  UstServerTxn *server;
  UstClientTxn *client;

  server = ust_server_txn_new (table, "z9hG4bKabc 10.0.0.5:5062 INVITE", TRUE, source);
  client = ust_client_txn_new (table, server, "z9hG4bKb1", "INVITE", destination, "I", 1);
  ust_timer_start (queue, &ust_server_txn_ensure_resend (server)->timer, 500, fail_cb, NULL);
  ust_timer_start (queue, &server->lifetime_timer, 32000, fail_cb, NULL);
  ust_timer_start (queue, &client->retransmit_timer, 500, fail_cb, NULL);
  ust_timer_start (queue, &client->timeout_timer, 32000, fail_cb, NULL);
  ust_timer_start (queue, &client->timer_c, 180000, fail_cb, NULL);
  ust_timer_start (queue, &client->lifetime_timer, 32000, fail_cb, NULL);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 6);

  ust_client_txn_destroy (table, client);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 2);
  ust_server_txn_destroy (table, server);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 0);

  ust_transaction_table_free (table);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/transaction/key", test_key);
  g_test_add_func ("/ust/transaction/key-sent-by", test_key_sent_by);
  g_test_add_func ("/ust/transaction/key-rfc2543", test_key_rfc2543);
  g_test_add_func ("/ust/transaction/key-buffer", test_key_buffer);
  g_test_add_func ("/ust/transaction/server", test_server);
  g_test_add_func ("/ust/transaction/client", test_client);
  g_test_add_func ("/ust/transaction/branches", test_branches);
  g_test_add_func ("/ust/transaction/destroy-stops-timers", test_destroy_stops_timers);

  return g_test_run ();
}
