/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-call"

#include "config.h"

#include <string.h>

#include "ust-robot-message.h"
#include "ust-robot-source.h"
#include "ust-robot-ua-private.h"

#define T2_MS 4000

typedef enum {
  CALL_INCOMING,   /* an INVITE came, no final answer yet */
  CALL_CALLING,    /* our INVITE went out, no final answer yet */
  CALL_ANSWERED,   /* our 2xx went out, its ACK has not come */
  CALL_CONFIRMED,
} CallState;

struct _UstRobotCall {
  UstRobotUa       *ua;
  CallState         state;
  gboolean          outgoing;
  char             *key;            /* "Call-ID\nour tag": the dialog (§12) */
  char             *call_id;
  char             *local_tag;
  char             *local;          /* our From/To value, with our tag */
  char             *remote;         /* theirs, with their tag once known */
  char             *remote_target;  /* their Contact URI: the Request-URI (§12.2.1.1) */
  char             *domain;         /* the host[:port] the caller dialled us at */
  GPtrArray        *route_set;      /* char*: Route values, first hop first */
  guint32           local_cseq;
  /* An incoming call's INVITE, kept for the responses still to come. */
  char             *invite_data;
  UstSipText        invite;
  UstRobotServerTx *invite_tx;
  UstSdp           *offer;
  UstRobotMedia    *media;
  /* Our last 2xx to an INVITE, until its ACK (§13.3.1.4). */
  GString          *pending_2xx;
  guint32           pending_cseq;
  guint             interval;
  GSource          *retransmit_2xx;
  GSource          *give_up_2xx;
  /* Our ACK to the last 2xx we got, again for each retransmission of it. */
  GString          *last_ack;
  gboolean          reinvite_pending;
  gboolean          hangup_when_answered;
  gpointer          data;
  GDestroyNotify    destroy;
};

/* Calls and their dialogs ------------------------------------------------ */

static void
call_free (UstRobotCall *call)
{
  if (call->destroy != NULL)
    call->destroy (call->data);
  ust_robot_source_clear (&call->retransmit_2xx);
  ust_robot_source_clear (&call->give_up_2xx);
  ust_robot_media_free (call->media);
  ust_sdp_free (call->offer);
  if (call->pending_2xx != NULL)
    g_string_free (call->pending_2xx, TRUE);
  if (call->last_ack != NULL)
    g_string_free (call->last_ack, TRUE);
  g_ptr_array_unref (call->route_set);
  g_free (call->key);
  g_free (call->call_id);
  g_free (call->local_tag);
  g_free (call->local);
  g_free (call->remote);
  g_free (call->remote_target);
  g_free (call->domain);
  g_free (call->invite_data);
  g_free (call);
}

/* The call is over: its sockets close, its transactions report to nobody,
 * and the robot hears of it last. */
static void
end_call (UstRobotCall *call)
{
  UstRobotUa *ua = call->ua;

  g_hash_table_steal (ua->calls, call->key);
  ust_robot_transactions_forget (ua->transactions, call);
  g_clear_pointer (&call->media, ust_robot_media_free);
  if (ua->events.ended != NULL)
    ua->events.ended (call, ua->data);
  call_free (call);
}

static UstRobotCall *
call_new (UstRobotUa *self,
          gboolean    outgoing,
          const char *call_id)
{
  UstRobotCall *call = g_new0 (UstRobotCall, 1);

  call->ua = self;
  call->outgoing = outgoing;
  call->call_id = g_strdup (call_id);
  call->local_tag = ust_robot_random_hex (4);
  call->key = ust_robot_call_key (call->call_id, call->local_tag);
  call->route_set = g_ptr_array_new_with_free_func (g_free);
  call->local_cseq = 1;
  g_hash_table_insert (self->calls, call->key, call);
  return call;
}

static void
append_contact (UstRobotUa *self,
                GString    *message)
{
  g_string_append_printf (message, "Contact: <sip:%s@%s:%u>\r\n", self->user, self->host,
                          self->port);
}

/* Answers @request at once, in @tx (@extra: header lines, each ending in
 * CRLF). */
static void
respond (UstRobotUa       *self,
         UstRobotServerTx *tx,
         const UstSipText *request,
         osip_message_t   *message,
         guint             code,
         const char       *reason,
         const char       *extra)
{
  g_autofree char *tag = ust_sip_to_tag (message) == NULL ? ust_robot_random_hex (4) : NULL;
  GString *response = ust_robot_response_head (request, code, reason, tag, FALSE);

  if (extra != NULL)
    g_string_append (response, extra);
  ust_robot_message_end (response, NULL, NULL);
  ust_robot_server_respond (tx, code, response);
}

/* A request in @call's dialog (§12.2.1.1): to its remote target, through
 * its route set, From us To them with both tags, the next CSeq (the ACK
 * for a 2xx takes the INVITE's, @cseq). */
static GString *
dialog_request (UstRobotCall *call,
                const char   *method,
                guint32       cseq,
                const char   *branch)
{
  UstRobotUa *ua = call->ua;
  GString *request = ust_robot_request_head (ua->host, ua->port, method, call->remote_target,
                                             branch);

  for (guint i = 0; i < call->route_set->len; i++)
    g_string_append_printf (request, "Route: %s\r\n",
                            (const char *) g_ptr_array_index (call->route_set, i));
  g_string_append_printf (request, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n",
                          call->local, call->remote, call->call_id, cseq, method);
  if (strcmp (method, "ACK") != 0 && strcmp (method, "BYE") != 0)
    append_contact (ua, request);
  g_string_append (request, "User-Agent: " ROBOT_AGENT "\r\n");
  return request;
}

static void
send_bye (UstRobotCall *call)
{
  g_autofree char *branch = ust_robot_new_branch ();
  GString *bye = dialog_request (call, "BYE", ++call->local_cseq, branch);

  ust_robot_message_end (bye, NULL, NULL);
  /* Nobody waits for its answer: the call is over when it goes. */
  ust_robot_client_start (call->ua->transactions, branch, "BYE", bye, NULL, NULL);
}

static gboolean
retransmit_2xx_cb (gpointer user_data)
{
  UstRobotCall *call = user_data;

  ust_robot_transactions_send (call->ua->transactions, call->pending_2xx->str,
                               call->pending_2xx->len);
  call->interval = MIN (call->interval * 2, T2_MS);
  ust_robot_source_clear (&call->retransmit_2xx);
  call->retransmit_2xx = ust_robot_timer_new (call->interval, retransmit_2xx_cb, call);
  return G_SOURCE_REMOVE;
}

/* §13.3.1.4: no ACK within 64·T1: the call is confirmed and then ended. */
static gboolean
give_up_2xx_cb (gpointer user_data)
{
  UstRobotCall *call = user_data;

  g_clear_pointer (&call->give_up_2xx, g_source_unref);
  g_debug ("robot %s: no ACK for our 2xx in %s; hanging up", call->ua->user, call->call_id);
  send_bye (call);
  end_call (call);
  return G_SOURCE_REMOVE;
}

static void
stop_2xx (UstRobotCall *call)
{
  ust_robot_source_clear (&call->retransmit_2xx);
  ust_robot_source_clear (&call->give_up_2xx);
  if (call->pending_2xx != NULL)
    g_string_free (g_steal_pointer (&call->pending_2xx), TRUE);
}

/* The UA core, not the transaction, retransmits a 2xx to an INVITE until
 * its ACK comes, from T1 doubling up to T2 (§13.3.1.4). */
static void
keep_2xx (UstRobotCall *call,
          GString      *response,
          guint32       cseq)
{
  guint t1 = ust_robot_transactions_get_t1 (call->ua->transactions);

  stop_2xx (call);
  call->pending_2xx = g_string_new_len (response->str, (gssize) response->len);
  call->pending_cseq = cseq;
  call->interval = t1;
  call->retransmit_2xx = ust_robot_timer_new (t1, retransmit_2xx_cb, call);
  call->give_up_2xx = ust_robot_timer_new (64 * t1, give_up_2xx_cb, call);
}

/* A response to the INVITE that opened @call (incoming), with @body as
 * its SDP. Provisional and 2xx ones make the dialog: our tag, Contact,
 * Record-Route (§12.1.1). A failure ends the call. */
static void
respond_invite (UstRobotCall *call,
                guint         code,
                const char   *extra,
                const char   *sdp)
{
  UstRobotUa *ua = call->ua;
  gboolean dialog = code > 100 && code < 300;
  GString *response = ust_robot_response_head (&call->invite, code, NULL, call->local_tag, dialog);
  UstRobotServerTx *tx = g_steal_pointer (&call->invite_tx);
  guint32 cseq = 0;

  if (dialog)
    append_contact (ua, response);
  if (code >= 200 && code < 300)
    g_string_append (response, "Allow: " ROBOT_ALLOW "\r\n");
  if (extra != NULL)
    g_string_append (response, extra);
  ust_robot_message_end (response, "application/sdp", sdp);

  if (code < 200)
    {
      call->invite_tx = tx;
      ust_robot_server_respond (tx, code, response);
      return;
    }
  if (code >= 300)
    {
      ust_robot_server_respond (tx, code, response);
      end_call (call);
      return;
    }
  {
    g_autoptr(osip_message_t) invite = ust_sip_parse_head (&call->invite, NULL);

    if (invite != NULL)
      cseq = ust_robot_cseq_number (invite);
  }
  call->state = CALL_ANSWERED;
  keep_2xx (call, response, cseq);
  ust_robot_server_respond (tx, code, response);
}

static void
media_idle_cb (gpointer user_data)
{
  UstRobotCall *call = user_data;

  g_debug ("robot %s: no media in %s; hanging up", call->ua->user, call->call_id);
  ust_robot_call_hangup (call);
}

/* What comes in ------------------------------------------------------------ */

/* "192.168.1.10", "192.168.1.10:5070", "[fd00::2]" */
static char *
host_port_of (osip_uri_t *uri)
{
  gboolean ipv6 = strchr (uri->host, ':') != NULL;

  return g_strdup_printf ("%s%s%s%s%s", ipv6 ? "[" : "", uri->host, ipv6 ? "]" : "",
                          uri->port != NULL ? ":" : "", uri->port != NULL ? uri->port : "");
}

static void
incoming_invite (UstRobotUa       *self,
                 UstRobotServerTx *tx,
                 osip_message_t   *message,
                 const UstSipText *text)
{
  const char *require = ust_sip_header_value (message, "require");
  g_autofree char *call_id = ust_robot_raw_value (text, "Call-ID", 'i');
  g_autofree char *to = ust_robot_raw_value (text, "To", 't');
  g_autofree char *extra = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  UstSdp *offer = NULL;
  UstRobotCall *call;
  guint status = 0;

  /* §8.2.2.3: the robots support no extension a caller could require. */
  if (require != NULL)
    {
      g_autofree char *unsupported = g_strdup_printf ("Unsupported: %s\r\n", require);

      respond (self, tx, text, message, 420, NULL, unsupported);
      return;
    }
  if (!ust_robot_read_offer (self->host, message, &offer, &status, &extra))
    {
      respond (self, tx, text, message, status, NULL, extra);
      return;
    }

  call = call_new (self, FALSE, call_id);
  call->state = CALL_INCOMING;
  call->invite_tx = tx;
  call->offer = offer;
  call->local = g_strdup_printf ("%s;tag=%s", to, call->local_tag);
  call->remote = ust_robot_raw_value (text, "From", 'f');
  call->remote_target = ust_robot_contact_uri (message);
  if (call->remote_target == NULL)
    call->remote_target = ust_sip_uri_to_string (message->from->url);
  /* The name the caller reached us by (the exchange's address on its own
   * network, when ours is loopback): a REFER names the target there. */
  if (message->to != NULL && message->to->url != NULL && message->to->url->host != NULL)
    call->domain = host_port_of (message->to->url);
  /* §12.1.1: the UAS's route set is the Record-Route list in order. */
  routes = ust_robot_raw_values (text, "Record-Route");
  g_ptr_array_extend_and_steal (call->route_set, g_steal_pointer (&routes));
  call->invite_data = g_strndup (text->data, text->len);
  ust_sip_text_init (&call->invite, call->invite_data, text->len);

  if (self->events.incoming != NULL)
    self->events.incoming (call, self->data);
}

/* §9.2: CANCEL is answered at once; an INVITE it catches before its final
 * answer gets 487. */
static void
incoming_cancel (UstRobotUa       *self,
                 UstRobotServerTx *tx,
                 osip_message_t   *message,
                 const UstSipText *text)
{
  osip_via_t *via = osip_list_get (&message->vias, 0);
  UstRobotServerTx *invite_tx = ust_robot_server_find (self->transactions,
                                                       ust_sip_via_branch (via), "INVITE");
  GHashTableIter iter;
  UstRobotCall *call, *cancelled = NULL;

  if (invite_tx == NULL)
    {
      respond (self, tx, text, message, 481, NULL, NULL);
      return;
    }
  respond (self, tx, text, message, 200, NULL, NULL);
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (call->invite_tx == invite_tx && call->state == CALL_INCOMING)
      cancelled = call;
  if (cancelled != NULL)
    respond_invite (cancelled, 487, NULL, NULL);
}

/* RFC 3515 §2.4.5: the NOTIFY's body is a sipfrag, "SIP/2.0 200 OK". */
static void
incoming_notify (UstRobotCall     *call,
                 osip_message_t   *message)
{
  UstRobotUa *ua = call->ua;
  const char *event = ust_sip_header_value (message, "event");
  const char *state = ust_sip_header_value (message, "subscription-state");
  osip_body_t *body = NULL;
  guint64 code = 0;

  if (event == NULL || !g_str_has_prefix (event, "refer"))
    return;
  if (osip_message_get_body (message, 0, &body) >= 0 && body != NULL && body->body != NULL
      && g_str_has_prefix (body->body, "SIP/2.0 "))
    {
      g_autofree char *digits = g_strndup (body->body + 8, 3);

      ust_sip_parse_uint (digits, 699, &code);
    }
  if (code >= 100 && ua->events.notified != NULL)
    ua->events.notified (call, (guint) code,
                         state != NULL && g_str_has_prefix (state, "terminated"), ua->data);
}

/* A re-INVITE (§14.2): a new offer in the call, answered at once. */
static void
incoming_reinvite (UstRobotCall     *call,
                   UstRobotServerTx *tx,
                   osip_message_t   *message,
                   const UstSipText *text)
{
  UstRobotUa *ua = call->ua;
  g_autoptr(UstSdp) offer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *sdp = NULL;
  g_autofree char *target = NULL;
  GString *response;
  guint status = 0;

  /* §14.2: while our own re-INVITE is out, theirs gets 491 and both try
   * again later. */
  if (call->reinvite_pending || call->pending_2xx != NULL || call->media == NULL)
    {
      respond (ua, tx, text, message, 491, NULL, NULL);
      return;
    }
  if (!ust_robot_read_offer (ua->host, message, &offer, &status, &extra))
    {
      respond (ua, tx, text, message, status, NULL, extra);
      return;
    }
  sdp = offer != NULL ? ust_robot_media_answer (call->media, offer, &error)
                      : ust_robot_media_offer (call->media, UST_SDP_SENDRECV, &error);
  if (sdp == NULL)
    {
      g_autofree char *why = ust_robot_warning (ua->host, error->message);

      respond (ua, tx, text, message, 488, NULL, why);
      return;
    }
  /* A target refresh: the phone may have moved (§12.2.2). */
  target = ust_robot_contact_uri (message);
  if (target != NULL)
    {
      g_free (call->remote_target);
      call->remote_target = g_steal_pointer (&target);
    }
  response = ust_robot_response_head (text, 200, NULL, NULL, FALSE);
  append_contact (ua, response);
  g_string_append (response, "Allow: " ROBOT_ALLOW "\r\n");
  ust_robot_message_end (response, "application/sdp", sdp);
  keep_2xx (call, response, ust_robot_cseq_number (message));
  ust_robot_server_respond (tx, 200, response);
}

static void
incoming_ack (UstRobotUa       *self,
              osip_message_t   *message,
              const UstSipText *text)
{
  g_autofree char *call_id = ust_robot_raw_value (text, "Call-ID", 'i');
  g_autofree char *key = ust_robot_call_key (call_id, ust_sip_to_tag (message));
  UstRobotCall *call = g_hash_table_lookup (self->calls, key);
  g_autoptr(UstSdp) answer = NULL;
  UstSdp *ignored = NULL;
  guint status;
  g_autofree char *extra = NULL;

  if (call == NULL || call->pending_2xx == NULL
      || ust_robot_cseq_number (message) != call->pending_cseq)
    return;
  stop_2xx (call);
  /* With an INVITE without SDP, the ACK carries the answer (§13.2.1). */
  if (ust_robot_read_offer (self->host, message, &ignored, &status, &extra))
    {
      answer = ignored;
      if (answer != NULL && call->media != NULL)
        ust_robot_media_take_answer (call->media, answer);
    }
  if (call->state == CALL_ANSWERED)
    {
      call->state = CALL_CONFIRMED;
      if (self->events.confirmed != NULL)
        self->events.confirmed (call, self->data);
    }
}

static void
incoming_in_dialog (UstRobotUa       *self,
                    UstRobotServerTx *tx,
                    osip_message_t   *message,
                    const UstSipText *text)
{
  const char *method = message->sip_method;
  g_autofree char *call_id = ust_robot_raw_value (text, "Call-ID", 'i');
  g_autofree char *key = ust_robot_call_key (call_id, ust_sip_to_tag (message));
  UstRobotCall *call = g_hash_table_lookup (self->calls, key);

  /* §12.2.2: a request in a dialog we do not know. */
  if (call == NULL)
    {
      respond (self, tx, text, message, 481, NULL, NULL);
      return;
    }
  if (strcmp (method, "BYE") == 0)
    {
      /* §15.1.2: the call ends with our 200 (an unanswered INVITE of
       * theirs gets 487 first). */
      respond (self, tx, text, message, 200, NULL, NULL);
      if (call->state == CALL_INCOMING)
        respond_invite (call, 487, NULL, NULL);
      else
        end_call (call);
    }
  else if (strcmp (method, "INVITE") == 0)
    incoming_reinvite (call, tx, message, text);
  else if (strcmp (method, "NOTIFY") == 0)
    {
      respond (self, tx, text, message, 200, NULL, NULL);
      incoming_notify (call, message);
    }
  else if (strcmp (method, "INFO") == 0 || strcmp (method, "MESSAGE") == 0
           || strcmp (method, "OPTIONS") == 0)
    respond (self, tx, text, message, 200, NULL, NULL);
  else
    respond (self, tx, text, message, 405, NULL, "Allow: " ROBOT_ALLOW "\r\n");
}

/* Answers to what we sent -------------------------------------------------- */

static void
send_ack (UstRobotCall *call,
          guint32       cseq,
          const UstSdp *answer)
{
  g_autofree char *branch = ust_robot_new_branch ();
  GString *ack = dialog_request (call, "ACK", cseq, branch);

  ust_robot_message_end (ack, NULL, NULL);
  if (call->last_ack != NULL)
    g_string_free (call->last_ack, TRUE);
  call->last_ack = ack;
  ust_robot_transactions_send (call->ua->transactions, ack->str, ack->len);
  if (answer != NULL && call->media != NULL)
    ust_robot_media_take_answer (call->media, answer);
}

/* Our INVITE that opened @call (outgoing). A 2xx makes the dialog (§12.1.2:
 * the remote tag, the Contact as target, the Record-Route list reversed as
 * route set) and is ACKed end to end (§13.2.2.4). */
static void
invite_response_cb (osip_message_t   *response,
                    const UstSipText *text,
                    guint             code,
                    gpointer          user_data)
{
  UstRobotCall *call = user_data;
  UstRobotUa *ua = call->ua;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(UstSdp) answer = NULL;
  g_autofree char *target = NULL;

  if (code < 200 || call->state != CALL_CALLING)
    return;
  if (code >= 300)
    {
      end_call (call);
      return;
    }

  g_free (call->remote);
  call->remote = ust_robot_raw_value (text, "To", 't');
  target = ust_robot_contact_uri (response);
  if (target != NULL)
    {
      g_free (call->remote_target);
      call->remote_target = g_steal_pointer (&target);
    }
  routes = ust_robot_raw_values (text, "Record-Route");
  g_ptr_array_set_size (call->route_set, 0);
  for (guint i = routes->len; i > 0; i--)
    g_ptr_array_add (call->route_set, g_strdup (g_ptr_array_index (routes, i - 1)));

  /* From now on the dialog is ours, keyed by our tag: retransmitted 2xx
   * find it by Call-ID and From tag. */
  answer = ust_robot_answer_of (response);
  send_ack (call, ust_robot_cseq_number (response), answer);
  call->state = CALL_CONFIRMED;
  if (call->hangup_when_answered)
    {
      ust_robot_call_hangup (call);
      return;
    }
  if (ua->events.confirmed != NULL)
    ua->events.confirmed (call, ua->data);
}

/* §12.2.1.2: a 481 or a timeout to a request in the dialog ends it. */
static gboolean
dialog_lost (UstRobotCall *call,
             guint         code)
{
  if (code == 408)
    send_bye (call);
  if (code == 408 || code == 481)
    {
      end_call (call);
      return TRUE;
    }
  return FALSE;
}

static void
reinvite_response_cb (osip_message_t   *response,
                      const UstSipText *text,
                      guint             code,
                      gpointer          user_data)
{
  UstRobotCall *call = user_data;
  UstRobotUa *ua = call->ua;

  if (code < 200)
    return;
  call->reinvite_pending = FALSE;
  if (code < 300)
    {
      g_autoptr(UstSdp) answer = ust_robot_answer_of (response);

      send_ack (call, ust_robot_cseq_number (response), answer);
    }
  else if (dialog_lost (call, code))
    return;
  if (ua->events.answered != NULL)
    ua->events.answered (call, "INVITE", code, ua->data);
}

static void
refer_response_cb (osip_message_t   *response,
                   const UstSipText *text,
                   guint             code,
                   gpointer          user_data)
{
  UstRobotCall *call = user_data;
  UstRobotUa *ua = call->ua;

  if (code < 200 || dialog_lost (call, code))
    return;
  if (ua->events.answered != NULL)
    ua->events.answered (call, "REFER", code, ua->data);
}

/* The keys of the calls there are now: hanging up one may end another (a
 * conference's second call), so each is looked up again before use. */
static GPtrArray *
call_keys (UstRobotUa *self)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  return keys;
}

/* From ust-robot-ua.c ------------------------------------------------------- */

/* A request from the exchange: a retransmission or an ACK, or a new
 * transaction for a call or for the robot itself. */
void
ust_robot_calls_take_request (UstRobotUa       *self,
                              osip_message_t   *message,
                              const UstSipText *text)
{
  const char *method = message->sip_method;
  osip_via_t *via = osip_list_get (&message->vias, 0);
  UstRobotServerTx *tx;

  if (ust_robot_server_absorb (self->transactions, message))
    return;
  if (strcmp (method, "ACK") == 0)
    {
      incoming_ack (self, message, text);
      return;
    }
  tx = ust_robot_server_start (self->transactions, ust_sip_via_branch (via), method);
  if (strcmp (method, "CANCEL") == 0)
    incoming_cancel (self, tx, message, text);
  else if (ust_sip_to_tag (message) != NULL)
    incoming_in_dialog (self, tx, message, text);
  else if (strcmp (method, "INVITE") == 0)
    incoming_invite (self, tx, message, text);
  else if (strcmp (method, "OPTIONS") == 0 || strcmp (method, "MESSAGE") == 0
           || strcmp (method, "INFO") == 0)
    respond (self, tx, text, message, 200, NULL,
             "Allow: " ROBOT_ALLOW "\r\nAccept: application/sdp\r\n");
  else if (strcmp (method, "BYE") == 0 || strcmp (method, "NOTIFY") == 0)
    respond (self, tx, text, message, 481, NULL, NULL);
  else
    respond (self, tx, text, message, 405, NULL, "Allow: " ROBOT_ALLOW "\r\n");
}

/* A response: to a transaction of ours, or a 2xx retransmitted because
 * our ACK was lost. */
void
ust_robot_calls_take_response (UstRobotUa       *self,
                               osip_message_t   *message,
                               const UstSipText *text)
{
  g_autofree char *call_id = NULL;
  g_autofree char *key = NULL;
  UstRobotCall *call;

  if (ust_robot_client_match (self->transactions, message, text))
    return;
  /* A retransmitted 2xx to an INVITE of ours: its ACK was lost. */
  if (message->status_code < 200 || message->status_code >= 300 || message->cseq == NULL
      || g_strcmp0 (message->cseq->method, "INVITE") != 0)
    return;
  call_id = ust_robot_raw_value (text, "Call-ID", 'i');
  key = ust_robot_call_key (call_id, ust_sip_from_tag (message));
  call = g_hash_table_lookup (self->calls, key);
  if (call != NULL && call->last_ack != NULL)
    ust_robot_transactions_send (self->transactions, call->last_ack->str, call->last_ack->len);
}

/* Every call ends: BYE for those up, 480 for one ringing here; one we are
 * still placing is dropped (nobody is left to hang it up when answered). */
void
ust_robot_calls_end_all (UstRobotUa *self)
{
  g_autoptr(GPtrArray) keys = NULL;

  keys = call_keys (self);
  for (guint i = 0; i < keys->len; i++)
    {
      UstRobotCall *call = g_hash_table_lookup (self->calls, g_ptr_array_index (keys, i));

      if (call != NULL)
        ust_robot_call_hangup (call);
    }
  /* Calls still placing: nobody is left to hang them up when answered. */
  for (guint i = 0; i < keys->len; i++)
    {
      UstRobotCall *call = g_hash_table_lookup (self->calls, g_ptr_array_index (keys, i));

      if (call != NULL)
        end_call (call);
    }
}

/* Public ---------------------------------------------------------------------- */

/* Places a call to @user at the exchange, offering G.711 audio. */
UstRobotCall *
ust_robot_ua_call (UstRobotUa        *self,
                   const char        *user,
                   UstRobotMediaMode  mode)
{
  g_autofree char *call_id = NULL;
  g_autofree char *suffix = ust_robot_random_hex (8);
  g_autofree char *branch = ust_robot_new_branch ();
  g_autofree char *sdp = NULL;
  g_autoptr(GError) error = NULL;
  UstRobotCall *call;
  GString *invite;

  g_return_val_if_fail (self != NULL && user != NULL, NULL);

  call_id = g_strdup_printf ("%s@%s", suffix, self->host);
  call = call_new (self, TRUE, call_id);
  call->state = CALL_CALLING;
  call->local = g_strdup_printf ("<sip:%s@%s>;tag=%s", self->user, self->domain, call->local_tag);
  call->remote = g_strdup_printf ("<sip:%s@%s>", user, self->domain);
  call->remote_target = g_strdup_printf ("sip:%s@%s", user, self->domain);
  call->media = ust_robot_media_new (self->media_address, self->local_address, mode);
  sdp = ust_robot_media_offer (call->media, UST_SDP_SENDRECV, &error);
  if (sdp == NULL)
    {
      g_debug ("robot %s: %s", self->user, error->message);
      end_call (call);
      return NULL;
    }

  invite = dialog_request (call, "INVITE", call->local_cseq, branch);
  g_string_append (invite, "Allow: " ROBOT_ALLOW "\r\n");
  ust_robot_message_end (invite, "application/sdp", sdp);
  ust_robot_client_start (self->transactions, branch, "INVITE", invite, invite_response_cb, call);
  return call;
}

UstRobotUa *
ust_robot_call_get_ua (UstRobotCall *call)
{
  return call->ua;
}

gboolean
ust_robot_call_is_outgoing (UstRobotCall *call)
{
  return call->outgoing;
}

UstRobotMedia *
ust_robot_call_get_media (UstRobotCall *call)
{
  return call->media;
}

/* The robot's own state for the call, destroyed with it. */
void
ust_robot_call_set_data (UstRobotCall   *call,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  if (call->destroy != NULL)
    call->destroy (call->data);
  call->data = data;
  call->destroy = destroy;
}

gpointer
ust_robot_call_get_data (UstRobotCall *call)
{
  return call->data;
}

/* 180 Ringing to an incoming call. */
void
ust_robot_call_ring (UstRobotCall *call)
{
  if (call->state == CALL_INCOMING)
    respond_invite (call, 180, NULL, NULL);
}

/* A final failure to an incoming call (486 Busy Here, 603 Decline, …); the
 * call ends. */
void
ust_robot_call_reject (UstRobotCall *call,
                       guint         code)
{
  g_return_if_fail (code >= 300 && code < 700);

  if (call->state == CALL_INCOMING)
    respond_invite (call, code, NULL, NULL);
}

/* 200 OK to an incoming call, with the answer to its offer (or an offer of
 * ours when it had none): an echo or a sink on sockets of its own. An offer
 * the robot can take nothing of gets 488, and the call ends. */
void
ust_robot_call_answer (UstRobotCall      *call,
                       UstRobotMediaMode  mode)
{
  UstRobotUa *ua = call->ua;
  g_autoptr(GError) error = NULL;
  g_autofree char *sdp = NULL;

  if (call->state != CALL_INCOMING)
    return;
  call->media = ust_robot_media_new (ua->media_address, ua->local_address, mode);
  sdp = call->offer != NULL ? ust_robot_media_answer (call->media, call->offer, &error)
                            : ust_robot_media_offer (call->media, UST_SDP_SENDRECV, &error);
  if (sdp == NULL)
    {
      g_autofree char *why = ust_robot_warning (ua->host, error->message);

      respond_invite (call, 488, why, NULL);
      return;
    }
  if (mode == UST_ROBOT_MEDIA_ECHO && ua->media_timeout > 0)
    ust_robot_media_watch_idle (call->media, ua->media_timeout, media_idle_cb, call);
  respond_invite (call, 200, NULL, sdp);
}

/* A re-INVITE with a=sendonly (hold) or a=sendrecv (resume), RFC 3264
 * §8.4. Nothing happens unless the call is up and no re-INVITE is out. */
void
ust_robot_call_hold (UstRobotCall *call,
                     gboolean      hold)
{
  g_autofree char *branch = NULL;
  g_autofree char *sdp = NULL;
  GString *invite;

  if (call->state != CALL_CONFIRMED || call->reinvite_pending || call->media == NULL)
    return;
  sdp = ust_robot_media_offer (call->media, hold ? UST_SDP_SENDONLY : UST_SDP_SENDRECV, NULL);
  if (sdp == NULL)
    return;
  branch = ust_robot_new_branch ();
  invite = dialog_request (call, "INVITE", ++call->local_cseq, branch);
  ust_robot_message_end (invite, "application/sdp", sdp);
  call->reinvite_pending = TRUE;
  ust_robot_client_start (call->ua->transactions, branch, "INVITE", invite, reinvite_response_cb,
                          call);
}

/* A blind transfer (RFC 3515): REFER asks the other side to call @user.
 * Its NOTIFYs come to UstRobotUaEvents.notified. */
void
ust_robot_call_refer (UstRobotCall *call,
                      const char   *user)
{
  UstRobotUa *ua = call->ua;
  const char *domain = call->domain != NULL ? call->domain : ua->domain;
  g_autofree char *branch = NULL;
  GString *refer;

  if (call->state != CALL_CONFIRMED)
    return;
  branch = ust_robot_new_branch ();
  refer = dialog_request (call, "REFER", ++call->local_cseq, branch);
  /* RFC 3515 §2.1; Referred-By, RFC 3892. */
  g_string_append_printf (refer, "Refer-To: <sip:%s@%s>\r\nReferred-By: <sip:%s@%s>\r\n", user,
                          domain, ua->user, domain);
  ust_robot_message_end (refer, NULL, NULL);
  ust_robot_client_start (ua->transactions, branch, "REFER", refer, refer_response_cb, call);
}

/* Ends the call from the robot's side: BYE when it is up (§15.1.1), 480
 * to one still ringing here; one we are still placing is hung up as soon
 * as it is answered. */
void
ust_robot_call_hangup (UstRobotCall *call)
{
  switch (call->state)
    {
    case CALL_INCOMING:
      respond_invite (call, 480, NULL, NULL);
      break;
    case CALL_CALLING:
      call->hangup_when_answered = TRUE;
      break;
    case CALL_ANSWERED:
    case CALL_CONFIRMED:
      stop_2xx (call);
      send_bye (call);
      end_call (call);
      break;
    }
}
