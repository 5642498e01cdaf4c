/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-transaction"

#include "config.h"

#include <string.h>

#include "ust-robot-transaction.h"
#include "ust-robot-source.h"

#define T2_MS 4000

struct _UstRobotTransactions {
  guint             t1;
  UstRobotSendFunc  send;
  gpointer          send_data;
  GHashTable       *clients;  /* "branch\nMETHOD" → ClientTx* */
  GHashTable       *servers;  /* "branch\nMETHOD" → UstRobotServerTx* */
};

typedef struct {
  UstRobotTransactions *owner;
  char                 *key;
  gboolean              invite;
  GString              *request;
  GString              *ack;          /* INVITE, after a failure: the ACK it sent */
  guint                 interval;
  gboolean              proceeding;   /* a provisional came */
  GSource              *retransmit;   /* timer A or E */
  GSource              *timeout;      /* timer B, D or F */
  UstRobotResponseFunc  func;
  gpointer              data;
} ClientTx;

struct _UstRobotServerTx {
  UstRobotTransactions *owner;
  char                 *key;
  gboolean              invite;
  GString              *response;     /* the last one sent */
  guint                 code;
  guint                 interval;
  GSource              *retransmit;   /* timer G */
  GSource              *timeout;      /* timer H or J */
};

static char *
tx_key (const char *branch,
        const char *method)
{
  return g_strconcat (branch != NULL ? branch : "", "\n", method, NULL);
}

static void
client_free (ClientTx *tx)
{
  ust_robot_source_clear (&tx->retransmit);
  ust_robot_source_clear (&tx->timeout);
  g_string_free (tx->request, TRUE);
  if (tx->ack != NULL)
    g_string_free (tx->ack, TRUE);
  g_free (tx->key);
  g_free (tx);
}

static void
server_free (UstRobotServerTx *tx)
{
  ust_robot_source_clear (&tx->retransmit);
  ust_robot_source_clear (&tx->timeout);
  if (tx->response != NULL)
    g_string_free (tx->response, TRUE);
  g_free (tx->key);
  g_free (tx);
}

UstRobotTransactions *
ust_robot_transactions_new (guint            t1_ms,
                            UstRobotSendFunc send,
                            gpointer         send_data)
{
  UstRobotTransactions *self = g_new0 (UstRobotTransactions, 1);

  self->t1 = t1_ms > 0 ? t1_ms : 500;
  self->send = send;
  self->send_data = send_data;
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) client_free);
  self->servers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) server_free);
  return self;
}

void
ust_robot_transactions_free (UstRobotTransactions *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->clients);
  g_hash_table_unref (self->servers);
  g_free (self);
}

guint
ust_robot_transactions_get_t1 (UstRobotTransactions *self)
{
  return self->t1;
}

void
ust_robot_transactions_send (UstRobotTransactions *self,
                             const char           *data,
                             gsize                 length)
{
  self->send (data, length, self->send_data);
}

/* Client transactions ------------------------------------------------------ */

static gboolean
client_retransmit_cb (gpointer user_data)
{
  ClientTx *tx = user_data;

  ust_robot_transactions_send (tx->owner, tx->request->str, tx->request->len);
  /* §17.1.1.2: timer A doubles each time; §17.1.2.2: timer E doubles up to
   * T2, and stays at T2 once a provisional came. */
  tx->interval = tx->invite ? tx->interval * 2 : MIN (tx->interval * 2, T2_MS);
  ust_robot_source_clear (&tx->retransmit);
  tx->retransmit = ust_robot_timer_new (tx->interval, client_retransmit_cb, tx);
  return G_SOURCE_REMOVE;
}

static gboolean
client_timeout_cb (gpointer user_data)
{
  ClientTx *tx = user_data;
  UstRobotTransactions *owner = tx->owner;
  UstRobotResponseFunc func = tx->func;
  gpointer data = tx->data;
  gboolean completed = tx->ack != NULL;
  g_autofree char *key = g_strdup (tx->key);

  ust_robot_source_clear (&tx->timeout);
  g_hash_table_remove (owner->clients, key);
  /* Timer D only ends the wait for retransmitted failures; B and F tell the
   * user agent that nobody answered (§17.1.1.2: as if 408 came). */
  if (!completed && func != NULL)
    func (NULL, NULL, 408, data);
  return G_SOURCE_REMOVE;
}

/* Sends @request (taken) and keeps it for retransmission until answered.
 * @func gets the responses (provisional ones too) and the timeout. */
void
ust_robot_client_start (UstRobotTransactions *self,
                        const char           *branch,
                        const char           *method,
                        GString              *request,
                        UstRobotResponseFunc  func,
                        gpointer              data)
{
  ClientTx *tx = g_new0 (ClientTx, 1);

  tx->owner = self;
  tx->key = tx_key (branch, method);
  tx->invite = strcmp (method, "INVITE") == 0;
  tx->request = request;
  tx->func = func;
  tx->data = data;
  tx->interval = self->t1;
  g_hash_table_replace (self->clients, tx->key, tx);

  ust_robot_transactions_send (self, request->str, request->len);
  tx->retransmit = ust_robot_timer_new (tx->interval, client_retransmit_cb, tx);
  tx->timeout = ust_robot_timer_new (64 * self->t1, client_timeout_cb, tx);
}

/* The value of the first @name field in @text, as a new string. */
static char *
raw_value (const UstSipText *text,
           const char       *name,
           char              compact)
{
  UstSipField field;

  if (!ust_sip_text_find (text, name, compact, &field))
    return NULL;
  return g_strndup (text->data + field.value_start, field.value_end - field.value_start);
}

/* §17.1.1.3: the ACK for a failure has the INVITE's Request-URI, its top
 * Via (so the same branch), From, Call-ID and Route, the response's To (its
 * tag), and CSeq with the INVITE's number. */
static GString *
ack_for (const GString    *invite,
         const UstSipText *response)
{
  UstSipText request;
  GString *ack = g_string_new ("ACK ");
  gsize uri_start, uri_end, position;
  UstSipField field;
  g_autofree char *to = raw_value (response, "To", 't');
  g_autofree char *cseq = NULL;

  ust_sip_text_init (&request, invite->str, invite->len);
  cseq = raw_value (&request, "CSeq", 0);
  ust_sip_text_request_uri (&request, &uri_start, &uri_end);
  g_string_append_len (ack, request.data + uri_start, uri_end - uri_start);
  g_string_append (ack, " SIP/2.0\r\n");

  position = request.headers_start;
  while (ust_sip_text_next_field (&request, &position, &field))
    if (ust_sip_text_field_is (&request, &field, "Via", 'v')
        || ust_sip_text_field_is (&request, &field, "From", 'f')
        || ust_sip_text_field_is (&request, &field, "Call-ID", 'i')
        || ust_sip_text_field_is (&request, &field, "Route", 0)
        || ust_sip_text_field_is (&request, &field, "Max-Forwards", 0))
      g_string_append_len (ack, request.data + field.start, field.end - field.start);
  g_string_append_printf (ack, "To: %s\r\n", to != NULL ? to : "");
  /* "1 INVITE" → "1 ACK" */
  if (cseq != NULL && strchr (cseq, ' ') != NULL)
    *strchr (cseq, ' ') = '\0';
  g_string_append_printf (ack, "CSeq: %s ACK\r\nContent-Length: 0\r\n\r\n",
                          cseq != NULL ? cseq : "1");
  return ack;
}

/* Hands @response to its client transaction, if it has one (by the top
 * Via's branch and the CSeq method, §17.1.3). Returns FALSE for a response
 * nobody waits for, such as a retransmitted 2xx to an INVITE. */
gboolean
ust_robot_client_match (UstRobotTransactions *self,
                        osip_message_t       *response,
                        const UstSipText     *text)
{
  osip_via_t *via = osip_list_get (&response->vias, 0);
  g_autofree char *key = NULL;
  ClientTx *tx;
  guint code = (guint) response->status_code;
  UstRobotResponseFunc func;
  gpointer data;

  if (via == NULL || response->cseq == NULL || response->cseq->method == NULL)
    return FALSE;
  key = tx_key (ust_sip_via_branch (via), response->cseq->method);
  tx = g_hash_table_lookup (self->clients, key);
  if (tx == NULL)
    return FALSE;

  if (tx->ack != NULL)
    {
      /* A retransmitted failure: its ACK was lost. */
      ust_robot_transactions_send (self, tx->ack->str, tx->ack->len);
      return TRUE;
    }

  func = tx->func;
  data = tx->data;
  if (code < 200)
    {
      /* Proceeding: no more retransmissions of an INVITE; a non-INVITE
       * goes on at T2 (§17.1.2.2). */
      tx->proceeding = TRUE;
      ust_robot_source_clear (&tx->retransmit);
      if (tx->invite)
        ust_robot_source_clear (&tx->timeout);
      else
        {
          tx->interval = T2_MS;
          tx->retransmit = ust_robot_timer_new (tx->interval, client_retransmit_cb, tx);
        }
    }
  else if (tx->invite && code >= 300)
    {
      /* Completed: ACK now, again for each retransmission, for timer D. */
      tx->ack = ack_for (tx->request, text);
      ust_robot_transactions_send (self, tx->ack->str, tx->ack->len);
      ust_robot_source_clear (&tx->retransmit);
      ust_robot_source_clear (&tx->timeout);
      tx->timeout = ust_robot_timer_new (64 * self->t1, client_timeout_cb, tx);
    }
  else
    g_hash_table_remove (self->clients, key);

  if (func != NULL)
    func (response, text, code, data);
  return TRUE;
}

/* The user agent dropped whatever @data was (a call that ended): its
 * transactions run on, but report to nobody. */
void
ust_robot_transactions_forget (UstRobotTransactions *self,
                               gpointer              data)
{
  GHashTableIter iter;
  ClientTx *tx;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tx))
    if (tx->data == data)
      tx->func = NULL;
}

/* Server transactions ------------------------------------------------------ */

UstRobotServerTx *
ust_robot_server_find (UstRobotTransactions *self,
                       const char           *branch,
                       const char           *method)
{
  g_autofree char *key = tx_key (branch, method);

  return g_hash_table_lookup (self->servers, key);
}

UstRobotServerTx *
ust_robot_server_start (UstRobotTransactions *self,
                        const char           *branch,
                        const char           *method)
{
  UstRobotServerTx *tx = g_new0 (UstRobotServerTx, 1);

  tx->owner = self;
  tx->key = tx_key (branch, method);
  tx->invite = strcmp (method, "INVITE") == 0;
  tx->interval = self->t1;
  g_hash_table_replace (self->servers, tx->key, tx);
  return tx;
}

static gboolean
server_end_cb (gpointer user_data)
{
  UstRobotServerTx *tx = user_data;

  g_clear_pointer (&tx->timeout, g_source_unref);
  g_hash_table_remove (tx->owner->servers, tx->key);
  return G_SOURCE_REMOVE;
}

static gboolean
server_retransmit_cb (gpointer user_data)
{
  UstRobotServerTx *tx = user_data;

  ust_robot_transactions_send (tx->owner, tx->response->str, tx->response->len);
  tx->interval = MIN (tx->interval * 2, T2_MS);
  ust_robot_source_clear (&tx->retransmit);
  tx->retransmit = ust_robot_timer_new (tx->interval, server_retransmit_cb, tx);
  return G_SOURCE_REMOVE;
}

/* A retransmitted request gets the last response again; the ACK for a
 * failure ends its INVITE's transaction (§17.2.1). FALSE: a new request
 * (or the ACK for a 2xx, which belongs to the dialog). */
gboolean
ust_robot_server_absorb (UstRobotTransactions *self,
                         osip_message_t       *request)
{
  osip_via_t *via = osip_list_get (&request->vias, 0);
  const char *branch = via != NULL ? ust_sip_via_branch (via) : NULL;
  gboolean ack = strcmp (request->sip_method, "ACK") == 0;
  UstRobotServerTx *tx = ust_robot_server_find (self, branch, ack ? "INVITE"
                                                                   : request->sip_method);

  if (tx == NULL)
    return FALSE;
  if (ack)
    {
      if (tx->code < 300)
        return FALSE;
      ust_robot_source_clear (&tx->retransmit);
      ust_robot_source_clear (&tx->timeout);
      g_hash_table_remove (self->servers, tx->key);
      return TRUE;
    }
  if (tx->response != NULL)
    ust_robot_transactions_send (self, tx->response->str, tx->response->len);
  return TRUE;
}

/* Sends @response (taken). A 2xx to an INVITE ends the transaction at once
 * (the user agent retransmits it, §13.3.1.4); a failure to an INVITE is
 * retransmitted until its ACK (timers G and H); a non-INVITE's final
 * answer is kept for retransmitted requests (timer J). */
void
ust_robot_server_respond (UstRobotServerTx *tx,
                          guint             code,
                          GString          *response)
{
  UstRobotTransactions *owner = tx->owner;

  if (tx->response != NULL)
    g_string_free (tx->response, TRUE);
  tx->response = response;
  tx->code = code;
  ust_robot_transactions_send (owner, response->str, response->len);
  if (code < 200)
    return;

  ust_robot_source_clear (&tx->timeout);
  if (tx->invite && code < 300)
    {
      g_hash_table_remove (owner->servers, tx->key);
      return;
    }
  if (tx->invite)
    tx->retransmit = ust_robot_timer_new (tx->interval, server_retransmit_cb, tx);
  tx->timeout = ust_robot_timer_new (64 * owner->t1, server_end_cb, tx);
}

guint
ust_robot_server_get_code (UstRobotServerTx *tx)
{
  return tx->code;
}
