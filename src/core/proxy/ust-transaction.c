/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-transaction"

#include "config.h"

#include <string.h>

#include "ust-sip.h"
#include "ust-transaction.h"

/* RFC 3261 §8.1.1.7: branches that begin with the magic cookie are unique. */
#define MAGIC_COOKIE "z9hG4bK"

struct _UstTransactionTable {
  GHashTable *server;  /* key → UstServerTxn*, owned */
  GHashTable *client;  /* key → UstClientTxn*, owned */
};

static void
best_response_free (UstBestResponse *best)
{
  g_free (best->text);
  g_free (best->orig_phrase);
  g_clear_object (&best->source);
  g_free (best);
}

static void
resend_timer_free (UstResendTimer *resend)
{
  ust_timer_stop (&resend->timer);
  g_free (resend);
}

static void
server_txn_free (UstServerTxn *txn)
{
  g_clear_pointer (&txn->resend, resend_timer_free);
  ust_timer_stop (&txn->lifetime_timer);
  for (guint i = 0; i < txn->branches->len; i++)
    ((UstClientTxn *) g_ptr_array_index (txn->branches, i))->server = NULL;
  g_ptr_array_unref (txn->branches);
  g_clear_object (&txn->source);
  g_free (txn->request);
  g_free (txn->response);
  g_clear_pointer (&txn->best, best_response_free);
  g_free (txn->key);
  g_free (txn);
}

static void
client_txn_free (UstClientTxn *txn)
{
  ust_timer_stop (&txn->retransmit_timer);
  ust_timer_stop (&txn->timeout_timer);
  ust_timer_stop (&txn->timer_c);
  ust_timer_stop (&txn->lifetime_timer);
  if (txn->server != NULL)
    g_ptr_array_remove_fast (txn->server->branches, txn);
  g_clear_object (&txn->destination);
  g_free (txn->request);
  g_free (txn->ack);
  g_free (txn->key);
  g_free (txn);
}

UstTransactionTable *
ust_transaction_table_new (void)
{
  UstTransactionTable *table = g_new0 (UstTransactionTable, 1);

  table->server = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) server_txn_free);
  table->client = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) client_txn_free);
  return table;
}

void
ust_transaction_table_free (UstTransactionTable *table)
{
  if (table == NULL)
    return;
  /* Client transactions point at server ones: free them first. */
  g_hash_table_unref (table->client);
  g_hash_table_unref (table->server);
  g_free (table);
}

guint
ust_transaction_table_n_server (UstTransactionTable *table)
{
  return g_hash_table_size (table->server);
}

guint
ust_transaction_table_n_client (UstTransactionTable *table)
{
  return g_hash_table_size (table->client);
}

/* RFC 3261 §17.2.3: a request matches a server transaction by the top Via's
 * branch and sent-by, and by method, with ACK matching its INVITE. For
 * pre-RFC 3261 branches (no magic cookie) §17.2.3 falls back to the dialog
 * and CSeq identifiers. Writes into @buffer without allocating. */
/* "branch host:port METHOD", by hand: one per request received. */
static gboolean
branch_key (char       *buffer,
            gsize       size,
            const char *branch,
            const char *host,
            guint       port,
            const char *method)
{
  gsize branch_len = strlen (branch), host_len = strlen (host), method_len = strlen (method);
  char digits[10];
  gsize port_len = ust_text_put_decimal (digits, port);
  char *at = buffer;

  if (branch_len + host_len + port_len + method_len + 4 > size)
    return FALSE;
  memcpy (at, branch, branch_len);
  at += branch_len;
  *at++ = ' ';
  memcpy (at, host, host_len);
  at += host_len;
  *at++ = ':';
  memcpy (at, digits, port_len);
  at += port_len;
  *at++ = ' ';
  memcpy (at, method, method_len + 1);
  return TRUE;
}

gboolean
ust_server_txn_key (osip_message_t *request,
                    const char     *method,
                    char           *buffer,
                    gsize           size)
{
  osip_via_t *via = osip_list_get (&request->vias, 0);
  const char *branch = ust_sip_via_branch (via);
  const char *host = via != NULL ? via_get_host (via) : NULL;
  int n;

  if (via == NULL || host == NULL)
    return FALSE;
  if (method == NULL || strcmp (method, "ACK") == 0)
    method = "INVITE";

  if (branch != NULL && g_str_has_prefix (branch, MAGIC_COOKIE))
    return branch_key (buffer, size, branch, host, ust_sip_via_port (via), method);
  else
    n = g_snprintf (buffer, size, "2543 %s %s %s %s:%u %s",
                    request->call_id != NULL ? request->call_id->number : "",
                    ust_sip_from_tag (request) != NULL ? ust_sip_from_tag (request) : "",
                    request->cseq != NULL ? request->cseq->number : "", host,
                    ust_sip_via_port (via), method);
  return n > 0 && (gsize) n < size;
}

UstServerTxn *
ust_server_txn_lookup (UstTransactionTable *table,
                       const char          *key)
{
  return g_hash_table_lookup (table->server, key);
}

UstServerTxn *
ust_server_txn_new (UstTransactionTable *table,
                    const char          *key,
                    gboolean             invite,
                    GSocketAddress      *source)
{
  UstServerTxn *txn = g_new0 (UstServerTxn, 1);

  txn->key = g_strdup (key);
  txn->invite = invite;
  txn->state = invite ? UST_TXN_PROCEEDING : UST_TXN_TRYING;
  txn->source = g_object_ref (source);
  txn->branches = g_ptr_array_sized_new (1);
  g_hash_table_replace (table->server, txn->key, txn);
  return txn;
}

void
ust_server_txn_destroy (UstTransactionTable *table,
                        UstServerTxn        *txn)
{
  g_hash_table_remove (table->server, txn->key);
}

void
ust_server_txn_set_response (UstServerTxn *txn,
                             const char   *data,
                             gsize         len,
                             guint         code)
{
  g_free (txn->response);
  txn->response = g_memdup2 (data, len);
  txn->response_len = len;
  txn->response_code = code;
}

/* After the final response nothing needs the request any more; at
 * thousands of calls a second this is most of a transaction's memory. */
void
ust_server_txn_drop_request (UstServerTxn *txn)
{
  g_clear_pointer (&txn->request, g_free);
  txn->request_len = 0;
  g_clear_pointer (&txn->best, best_response_free);
}

UstBestResponse *
ust_server_txn_ensure_best (UstServerTxn *txn)
{
  if (txn->best == NULL)
    txn->best = g_new0 (UstBestResponse, 1);
  return txn->best;
}

UstResendTimer *
ust_server_txn_ensure_resend (UstServerTxn *txn)
{
  if (txn->resend == NULL)
    txn->resend = g_new0 (UstResendTimer, 1);
  return txn->resend;
}

/* RFC 3261 §17.1.3: a response matches by the top Via branch and the CSeq
 * method. */
UstClientTxn *
ust_client_txn_lookup (UstTransactionTable *table,
                       const char          *branch,
                       const char          *method)
{
  char key[256];
  int n;

  if (branch == NULL || method == NULL)
    return NULL;
  n = g_snprintf (key, sizeof key, "%s %s", branch, method);
  if (n <= 0 || (gsize) n >= sizeof key)
    return NULL;
  return g_hash_table_lookup (table->client, key);
}

UstClientTxn *
ust_client_txn_new (UstTransactionTable *table,
                    UstServerTxn        *server,
                    const char          *branch,
                    const char          *method,
                    GSocketAddress      *destination,
                    const char          *data,
                    gsize                len)
{
  UstClientTxn *txn = g_new0 (UstClientTxn, 1);

  txn->key = g_strdup_printf ("%s %s", branch, method);
  txn->invite = strcmp (method, "INVITE") == 0;
  txn->state = UST_TXN_TRYING;
  txn->server = server;
  txn->destination = g_object_ref (destination);
  txn->request = g_memdup2 (data, len);
  txn->request_len = len;
  if (server != NULL)
    g_ptr_array_add (server->branches, txn);
  g_hash_table_replace (table->client, txn->key, txn);
  return txn;
}

void
ust_client_txn_destroy (UstTransactionTable *table,
                        UstClientTxn        *txn)
{
  g_hash_table_remove (table->client, txn->key);
}

/* The client transactions sent on a TCP or TLS connection (borrowed). */
GPtrArray *
ust_client_txns_on_connection (UstTransactionTable *table,
                               guint64              connection)
{
  GPtrArray *found = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table->client);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((UstClientTxn *) value)->connection == connection)
      g_ptr_array_add (found, value);
  return found;
}
