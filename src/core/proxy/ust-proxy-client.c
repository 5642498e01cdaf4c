/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-proxy"

#include "config.h"

#include <string.h>

#include "ust-proxy-private.h"
#include "ust-validate.h"

/* The client side of the proxy (RFC 3261 §16.7, §17.1): a client
 * transaction per branch and its timers, the responses that come back, the
 * best one relayed to the caller, and CANCEL. */

static void client_retransmit_cb (UstTimer *timer, gpointer user_data);
static void client_timeout_cb (UstTimer *timer, gpointer user_data);
static void client_timer_c_cb (UstTimer *timer, gpointer user_data);
static void client_lifetime_cb (UstTimer *timer, gpointer user_data);
static void branch_final (UstProxy *self, UstClientTxn *client, guint code, const char *data,
                          gsize len, const char *orig_phrase);

/* Over the branch's own way: its connection, once it has one. */
static gboolean
send_to_callee (UstProxy     *self,
                UstClientTxn *client,
                const char   *data,
                gsize         len)
{
  UstPeer to = { client->destination, client->local, client->protocol, client->connection };
  gboolean sent = ust_proxy_send (self, &to, data, len);

  client->connection = to.connection;
  return sent;
}

/* Messages the proxy builds itself ------------------------------------------ */

/* §9.1 and §17.1.1.3: a CANCEL or a hop-by-hop ACK copies the forwarded
 * INVITE's Request-URI, Call-ID, From, CSeq number and Route set, with our
 * Via alone (same branch). An ACK takes To from the response (its tag). */
static char *
build_from_invite (UstClientTxn   *client,
                   const char     *method,
                   osip_to_t      *to,
                   gsize          *len)
{
  g_autoptr(osip_message_t) invite = ust_sip_parse (client->request, client->request_len, NULL);

  if (invite == NULL)
    return NULL;
  return ust_sip_request_from_invite (invite, method, to, len);
}

static void
send_cancel (UstProxy     *self,
             UstClientTxn *client)
{
  g_autofree char *text = NULL;
  g_autoptr(osip_message_t) invite = NULL;
  const char *branch;
  UstClientTxn *cancel;
  gsize len = 0;

  invite = ust_sip_parse (client->request, client->request_len, NULL);
  branch = invite != NULL ? ust_sip_via_branch (osip_list_get (&invite->vias, 0)) : NULL;
  if (branch == NULL || ust_client_txn_lookup (self->transactions, branch, "CANCEL") != NULL)
    return;
  text = build_from_invite (client, "CANCEL", NULL, &len);
  if (text == NULL)
    return;

  cancel = ust_client_txn_new (self->transactions, NULL, branch, "CANCEL", client->destination,
                               text, len);
  cancel->local = client->local;
  cancel->protocol = client->protocol;
  cancel->connection = client->connection;
  cancel->local_cancel = TRUE;
  cancel->owner = self;
  ust_proxy_emit_event (self, "CANCEL %s → branch %s", invite->call_id->number, branch);
  ust_proxy_start_client (self, cancel);
}

static void
send_ack (UstProxy       *self,
          UstClientTxn   *client,
          osip_message_t *response)
{
  g_free (client->ack);
  client->ack = build_from_invite (client, "ACK", response->to, &client->ack_len);
  if (client->ack != NULL)
    send_to_callee (self, client, client->ack, client->ack_len);
}

/* The relayed response: the top Via (ours) removed (§16.7 step 3), and the
 * custom reason phrase when the user asked for it on relayed responses too.
 * A 503 is turned into a 500 (§16.7 step 6): the callee's overload must not
 * make the caller's phone give up on the exchange. */
static gsize
build_relayed (UstProxy         *self,
               osip_message_t   *response,
               const UstSipText *text,
               guint            *code,
               const char      **phrase)
{
  UstSipEdit edit;
  UstSipField via;
  gsize value_end, next_start, start, end, message_end = text->len;
  guint64 content_length;
  const char *custom;

  ust_sip_edit_init (&edit);
  if (!ust_sip_text_find (text, "Via", 'v', &via))
    return 0;
  value_end = ust_sip_text_first_value_end (text, &via);
  if (ust_sip_text_next_value_start (text, &via, value_end, &next_start))
    ust_sip_edit_splice (&edit, via.value_start, next_start - via.value_start, NULL, 0);
  else
    ust_sip_edit_splice (&edit, via.start, via.end - via.start, NULL, 0);

  *code = (guint) response->status_code;
  *phrase = response->reason_phrase;
  if (*code == 503)
    {
      *code = 500;
      ust_sip_text_reason_phrase (text, &start, &end);
      *phrase = ust_reason_table_phrase (self->reasons, 500, NULL);
      ust_sip_edit_splicef (&edit, start - 4, end - start + 4, "500 %s", *phrase);
    }
  else if (ust_reason_table_get_relay (self->reasons)
           && (custom = ust_reason_table_lookup (self->reasons, *code)) != NULL)
    {
      ust_sip_text_reason_phrase (text, &start, &end);
      ust_sip_edit_splice (&edit, start, end - start, custom, -1);
      *phrase = custom;
    }

  if (response->content_length != NULL
      && ust_sip_parse_uint (response->content_length->value, G_MAXUINT32, &content_length)
      && text->body_start + content_length < text->len)
    message_end = text->body_start + (gsize) content_length;

  return ust_sip_edit_apply (&edit, text, message_end, self->out, OUT_SIZE);
}

static gboolean
server_is_open (UstServerTxn *server)
{
  return server != NULL && (server->state == UST_TXN_TRYING
                            || server->state == UST_TXN_PROCEEDING);
}

/* §16.7 step 6, which final response the caller gets when every branch
 * failed: a 6xx beats everything, then the lowest class. Within the 4xx
 * class, responses the caller's phone can act on come first (401, 407, 415,
 * 420, 484, as §16.7 step 6 suggests); otherwise the first of a class is
 * kept. A caller who cancelled gets 487 over any other 4xx: another
 * branch's 482 or 480 would tell it something that did not happen to its
 * call (the diary then says "cancelled"). Lower ranks win. */
static int
response_rank (UstServerTxn *server,
               guint         code)
{
  if (code >= 600)
    return 0;
  if (code >= 400 && code < 500)
    {
      if (server->cancelled)
        return code == 487 ? 40 : 42;
      if (code == 401 || code == 407 || code == 415 || code == 420 || code == 484)
        return 41;
      return 42;
    }
  return (int) (code / 100) * 10 + 2;
}

static void
send_best (UstProxy     *self,
           UstServerTxn *server)
{
  const UstBestResponse *best = server->best;

  if (best->text != NULL)
    {
      ust_proxy_send_to_server (self, server, best->text, best->len, best->code);
      self->stats.responses_forwarded++;
      if (self->tracker != NULL)
        {
          /* Failed calls only: parsing the chosen response again is cheap
           * next to keeping every branch's parse around. */
          g_autoptr(osip_message_t) parsed = ust_sip_parse (best->text, best->len, NULL);

          if (parsed != NULL)
            {
              /* What the caller got, and what the callee had said. */
              g_autofree char *sent = g_strdup (parsed->reason_phrase);

              ust_sip_set_reason_phrase (parsed, best->orig_phrase);
              ust_call_tracker_response (self->tracker, parsed, sent, best->source,
                                         best->protocol);
            }
        }
      ust_proxy_server_final_sent (self, server);
    }
  else
    {
      /* A locally decided outcome (timeout, cancel, unreachable phone). */
      const char *phrase = best->code == 408 ? "No answer from the phone"
                           : best->code == 503 ? "Phone unreachable" : NULL;

      ust_proxy_respond_to_server (self, server, best->code, phrase);
    }
}

/* A branch reached its final non-2xx outcome. @data is the response to
 * relay, or NULL for an outcome of our own (@code generated on demand). */
static void
branch_final (UstProxy     *self,
              UstClientTxn *client,
              guint         code,
              const char   *data,
              gsize         len,
              const char   *orig_phrase)
{
  UstServerTxn *server = client->server;
  UstBestResponse *best;

  if (!server_is_open (server) || g_ptr_array_find (server->branches, client, NULL) == FALSE)
    return;
  /* A branch counts once, whatever retransmissions follow. */
  g_ptr_array_remove_fast (server->branches, client);
  client->server = NULL;
  server->pending--;

  best = ust_server_txn_ensure_best (server);
  if (best->code == 0 || response_rank (server, code) < response_rank (server, best->code))
    {
      g_free (best->text);
      best->text = data != NULL ? g_memdup2 (data, len) : NULL;
      best->len = data != NULL ? len : 0;
      best->code = code;
      g_free (best->orig_phrase);
      best->orig_phrase = g_strdup (orig_phrase);
      g_set_object (&best->source, client->destination);
      best->protocol = client->protocol;
    }

  /* §16.7 step 10: a 6xx ends the search on every other branch. */
  if (code >= 600)
    ust_proxy_cancel_branches (self, server, NULL);

  if (server->pending == 0)
    send_best (self, server);
}

/* §16.10: CANCEL each pending branch; one that has not sent a provisional
 * yet is cancelled as soon as it does (§9.1). */
void
ust_proxy_cancel_branches (UstProxy     *self,
                           UstServerTxn *server,
                           UstClientTxn *except)
{
  for (guint i = 0; i < server->branches->len; i++)
    {
      UstClientTxn *client = g_ptr_array_index (server->branches, i);

      if (client == except || !client->invite || client->state != UST_TXN_PROCEEDING
          || client->last_code >= 200)
        {
          if (client != except && client->invite && client->state == UST_TXN_TRYING)
            client->cancel_pending = TRUE;
          continue;
        }
      send_cancel (self, client);
    }
}

/* Sends a new client transaction's request and arms its timers: A and B for
 * INVITE, E and F otherwise (§17.1), and timer C (§16.6 step 11). */
void
ust_proxy_start_client (UstProxy     *self,
                        UstClientTxn *client)
{
  client->owner = self;
  client->retransmit_ms = self->t1;

  if (!send_to_callee (self, client, client->request, client->request_len))
    {
      /* §16.9: a transport error counts as a 503 from that branch. */
      if (client->local_cancel)
        ust_client_txn_destroy (self->transactions, client);
      else
        {
          branch_final (self, client, 503, NULL, 0, NULL);
          ust_client_txn_destroy (self->transactions, client);
        }
      return;
    }

  /* §17.1.1.2, §17.1.2.2: timers A and E retransmit over UDP only. */
  if (!ust_protocol_is_stream (client->protocol))
    ust_timer_start (self->timers, &client->retransmit_timer, client->retransmit_ms,
                     client_retransmit_cb, client);
  ust_timer_start (self->timers, &client->timeout_timer, 64 * self->t1, client_timeout_cb, client);
  if (client->invite)
    ust_timer_start (self->timers, &client->timer_c, self->timer_c, client_timer_c_cb, client);
}

/* RFC 3261 §18.4 and §16.9: a connection we opened to a phone never came
 * up, so what we sent on it is lost: each branch that got no answer on it
 * ends as a 503 at once rather than after timer B or F. */
void
ust_proxy_connection_failed (UstProxy *self,
                             guint64   connection)
{
  g_autoptr(GPtrArray) clients = ust_client_txns_on_connection (self->transactions, connection);

  for (guint i = 0; i < clients->len; i++)
    {
      UstClientTxn *client = g_ptr_array_index (clients, i);

      if (client->state != UST_TXN_TRYING)
        continue;
      ust_proxy_emit_event (self, "Connection to branch %s failed: 503", client->key);
      if (!client->local_cancel)
        branch_final (self, client, 503, NULL, 0, NULL);
      ust_client_txn_destroy (self->transactions, client);
    }
}

/* Timers A and E: double the interval each time; E is capped at T2, A keeps
 * doubling until timer B ends it. */
static void
client_retransmit_cb (UstTimer *timer,
                      gpointer  user_data)
{
  UstClientTxn *client = user_data;
  UstProxy *self = client->owner;

  send_to_callee (self, client, client->request, client->request_len);
  client->retransmit_ms = client->invite ? client->retransmit_ms * 2
                                         : MIN (client->retransmit_ms * 2, self->t2);
  ust_timer_start (self->timers, &client->retransmit_timer, client->retransmit_ms,
                   client_retransmit_cb, client);
}

/* Timers B and F: no final response in 64·T1. The caller hears 408, or 487
 * if it had cancelled. */
static void
client_timeout_cb (UstTimer *timer,
                   gpointer  user_data)
{
  UstClientTxn *client = user_data;
  UstProxy *self = client->owner;

  if (!client->local_cancel)
    {
      gboolean cancelled = client->server != NULL && client->server->cancelled;

      ust_proxy_emit_event (self, "No final response on branch %s: %u", client->key,
                            cancelled ? 487 : 408);
      branch_final (self, client, cancelled ? 487 : 408, NULL, 0, NULL);
    }
  ust_client_txn_destroy (self->transactions, client);
}

/* Timer C: a phone that rings for ever. With a provisional seen, CANCEL it
 * (the 487 then ends the branch); without one, treat it as 408. */
static void
client_timer_c_cb (UstTimer *timer,
                   gpointer  user_data)
{
  UstClientTxn *client = user_data;
  UstProxy *self = client->owner;

  if (client->state == UST_TXN_PROCEEDING)
    {
      send_cancel (self, client);
      ust_timer_start (self->timers, &client->timeout_timer, 64 * self->t1, client_timeout_cb,
                       client);
      return;
    }
  branch_final (self, client, 408, NULL, 0, NULL);
  ust_client_txn_destroy (self->transactions, client);
}

static void
client_lifetime_cb (UstTimer *timer,
                    gpointer  user_data)
{
  UstClientTxn *client = user_data;
  UstProxy *self = client->owner;

  ust_client_txn_destroy (self->transactions, client);
}

/* §16.7 with nothing to match (§16.11): a 2xx to INVITE retransmitted after
 * our client transaction ended goes on by the second Via. */
static void
forward_by_via (UstProxy         *self,
                osip_message_t   *response,
                const UstSipText *text,
                const UstPeer    *from)
{
  osip_via_t *next = osip_list_get (&response->vias, 1);
  g_autoptr(GSocketAddress) destination = NULL;
  UstPeer to = { 0 };
  const char *phrase;
  guint code;
  gsize len;

  if (next == NULL)
    return;
  destination = ust_proxy_via_destination (next, &to.protocol);
  to.address = destination;
  len = build_relayed (self, response, text, &code, &phrase);
  if (destination != NULL && len > 0 && ust_proxy_send (self, &to, self->out, len))
    {
      self->stats.responses_forwarded++;
      if (self->tracker != NULL)
        ust_call_tracker_response (self->tracker, response, phrase, from->address,
                                   from->protocol);
    }
}

static void
relay_to_server (UstProxy         *self,
                 UstServerTxn     *server,
                 osip_message_t   *response,
                 const UstSipText *text,
                 const UstPeer    *from)
{
  const char *phrase;
  guint code;
  gsize len = build_relayed (self, response, text, &code, &phrase);

  if (len == 0)
    return;
  ust_proxy_send_to_server (self, server, self->out, len, code);
  self->stats.responses_forwarded++;
  if (self->tracker != NULL)
    ust_call_tracker_response (self->tracker, response, phrase, from->address, from->protocol);
}

static void
handle_provisional (UstProxy         *self,
                    UstClientTxn     *client,
                    osip_message_t   *response,
                    const UstSipText *text,
                   const UstPeer    *from)
{
  guint code = (guint) response->status_code;

  if (client->state == UST_TXN_TRYING)
    {
      client->state = UST_TXN_PROCEEDING;
      if (client->invite)
        {
          /* Timers A and B stop; timer C guards the ringing instead. */
          ust_timer_stop (&client->retransmit_timer);
          ust_timer_stop (&client->timeout_timer);
        }
      else
        {
          client->retransmit_ms = self->t2;
        }
    }
  client->last_code = MAX (client->last_code, code);

  /* §16.7 step 2: timer C restarts on every provisional above 100. */
  if (client->invite && code > 100)
    ust_timer_start (self->timers, &client->timer_c, self->timer_c, client_timer_c_cb, client);

  if (client->cancel_pending)
    {
      client->cancel_pending = FALSE;
      send_cancel (self, client);
    }

  /* §16.7 step 5: a 100 is never forwarded; other provisionals at once. */
  if (code > 100 && server_is_open (client->server))
    relay_to_server (self, client->server, response, text, from);
}

static void
handle_invite_2xx (UstProxy         *self,
                   UstClientTxn     *client,
                   osip_message_t   *response,
                   const UstSipText *text,
                  const UstPeer    *from)
{
  UstServerTxn *server = client->server;

  /* §16.7 step 5: every 2xx goes upstream at once, even after another. */
  if (server != NULL && (server_is_open (server) || server->state == UST_TXN_ACCEPTED))
    {
      gboolean first = server_is_open (server);

      relay_to_server (self, server, response, text, from);
      if (first)
        {
          server->pending--;
          g_ptr_array_remove_fast (server->branches, client);
          client->server = NULL;
          ust_proxy_server_final_sent (self, server);
          /* §16.7 step 10: the call is answered; stop the other phones ringing. */
          ust_proxy_cancel_branches (self, server, client);
        }
    }
  else
    {
      forward_by_via (self, response, text, from);
    }

  /* RFC 6026: later 2xx retransmissions are relayed statelessly by Via, so
   * the client transaction has nothing left to do. */
  ust_client_txn_destroy (self->transactions, client);
}

static void
handle_final (UstProxy         *self,
              UstClientTxn     *client,
              osip_message_t   *response,
              const UstSipText *text,
             const UstPeer    *from)
{
  guint code = (guint) response->status_code;
  const char *phrase;
  gboolean reliable;
  gsize len;

  if (client->state == UST_TXN_COMPLETED)
    {
      /* A retransmitted final: it lost our ACK; send the ACK again. */
      if (client->ack != NULL)
        send_to_callee (self, client, client->ack, client->ack_len);
      return;
    }

  ust_timer_stop (&client->retransmit_timer);
  ust_timer_stop (&client->timeout_timer);
  ust_timer_stop (&client->timer_c);
  client->last_code = code;

  if (client->invite && code < 300)
    {
      handle_invite_2xx (self, client, response, text, from);
      return;
    }

  client->state = UST_TXN_COMPLETED;
  /* Timers D and K absorb retransmitted finals; streams have none (0). */
  reliable = ust_protocol_is_stream (client->protocol);
  if (client->invite)
    {
      /* §17.1.1.3: the ACK for a non-2xx final is ours to send, hop by hop. */
      send_ack (self, client, response);
      ust_timer_start (self->timers, &client->lifetime_timer, reliable ? 0 : 64 * self->t1,
                       client_lifetime_cb, client);
    }
  else
    {
      ust_timer_start (self->timers, &client->lifetime_timer, reliable ? 0 : self->t4,
                       client_lifetime_cb, client);
    }

  len = build_relayed (self, response, text, &code, &phrase);
  if (!client->invite && code < 300)
    {
      /* Non-INVITE 2xx: relay at once; it ends the server transaction. */
      if (server_is_open (client->server))
        {
          UstServerTxn *server = client->server;

          server->pending--;
          g_ptr_array_remove_fast (server->branches, client);
          client->server = NULL;
          ust_proxy_send_to_server (self, server, self->out, len, code);
          self->stats.responses_forwarded++;
          ust_proxy_server_final_sent (self, server);
          ust_proxy_cancel_branches (self, server, NULL);
        }
      return;
    }
  if (len > 0)
    branch_final (self, client, code, self->out, len, response->reason_phrase);
}

void
ust_proxy_handle_response (UstProxy         *self,
                           osip_message_t   *response,
                           const UstSipText *text,
                           const UstPeer    *from)
{
  osip_via_t *via = osip_list_get (&response->vias, 0);
  UstClientTxn *client;

  if (!ust_validate_response (response))
    {
      self->stats.datagrams_dropped++;
      ust_proxy_emit_event (self, "Dropped a malformed response");
      return;
    }

  /* §16.7 step 3: the top Via must be ours, or the response is not for us. */
  if (!ust_proxy_is_our_via (self, via))
    {
      self->stats.datagrams_dropped++;
      ust_proxy_emit_event (self, "Dropped %d %s: top Via is not the exchange's",
                            response->status_code, response->cseq->method);
      return;
    }

  ust_proxy_emit_event (self, "%d %s (%s %s)", response->status_code,
                        response->reason_phrase != NULL ? response->reason_phrase : "",
                        response->cseq->method, response->call_id->number);

  client = ust_client_txn_lookup (self->transactions, ust_sip_via_branch (via),
                                  response->cseq->method);
  if (client == NULL)
    {
      if (MSG_IS_STATUS_2XX (response) && strcmp (response->cseq->method, "INVITE") == 0)
        forward_by_via (self, response, text, from);
      return;
    }

  if (client->local_cancel)
    {
      /* The answer to a CANCEL of ours ends there. */
      if (response->status_code >= 200)
        ust_client_txn_destroy (self->transactions, client);
      return;
    }

  if (response->status_code < 200)
    handle_provisional (self, client, response, text, from);
  else
    handle_final (self, client, response, text, from);
}
