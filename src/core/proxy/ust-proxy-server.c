/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-proxy"

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy-private.h"

/* The server side of the proxy (RFC 3261 §17.2): the responses the exchange
 * sends itself, built from the request's own lines, and the server
 * transactions' timers after a final response. */

static void
source_host_port (GSocketAddress *source,
                  char           *host,
                  gsize           size,
                  guint          *port)
{
  if (!ust_address_text_host (source, host, size, port, NULL))
    {
      g_strlcpy (host, "?", size);
      *port = 0;
    }
}

/* The run's instance and a counter in hex: unique, and made for every
 * response, so without printf. */
static void
make_to_tag (UstProxy *self,
             char     *buffer,
             gsize     size)
{
  static const char hex[] = "0123456789abcdef";
  guint64 counter = ++self->counter;
  char digits[16];
  gsize at = g_strlcpy (buffer, self->instance, size), n = 0;

  do
    {
      digits[n++] = hex[counter & 0xf];
      counter >>= 4;
    }
  while (counter > 0);
  while (n > 0 && at + 1 < size)
    buffer[at++] = digits[--n];
  buffer[MIN (at, size - 1)] = '\0';
}

/* RFC 3261 §8.2.6.2: a response copies the request's Vias (all, in order),
 * From, To, Call-ID and CSeq; §8.2.6.1: a 100 also echoes Timestamp. */
static gboolean
is_copied_field (const UstSipText  *text,
                 const UstSipField *field,
                 guint              code)
{
  return ust_sip_text_field_is (text, field, "Via", 'v')
         || ust_sip_text_field_is (text, field, "From", 'f')
         || ust_sip_text_field_is (text, field, "To", 't')
         || ust_sip_text_field_is (text, field, "Call-ID", 'i')
         || ust_sip_text_field_is (text, field, "CSeq", '\0')
         || (code == 100 && ust_sip_text_field_is (text, field, "Timestamp", '\0'));
}

/* RFC 3581 §4 and RFC 3261 §18.2.1: tell the next hops where the request
 * really came from, by adding "received" and filling "rport" on the
 * sender's Via. */
void
ust_proxy_edit_sender_via (Incoming   *in,
                           UstSipEdit *edit)
{
  const UstSipText *text = in->text;
  osip_via_t *via = osip_list_get (&in->request->vias, 0);
  UstSipField field;
  gsize value_end, param_end, param_value;
  gboolean has_rport;
  char host[64];
  guint port;

  if (!ust_sip_text_find (text, "Via", 'v', &field))
    return;
  value_end = ust_sip_text_first_value_end (text, &field);
  source_host_port (in->source, host, sizeof host, &port);

  has_rport = ust_sip_text_find_param (text, field.value_start, value_end, "rport", &param_end,
                                       &param_value);
  if (has_rport && param_value == 0)
    ust_sip_edit_splicef (edit, param_end, 0, "=%u", port);

  if ((has_rport || g_strcmp0 (via_get_host (via), host) != 0)
      && !ust_sip_text_find_param (text, field.value_start, value_end, "received", &param_end,
                                   &param_value))
    ust_sip_edit_splicef (edit, value_end, 0, ";received=%s", host);
}

/* Builds a response of our own from the request's own header lines: a tenth
 * of the cost of going through libosip2, and the copied headers keep the
 * phone's spelling. @extra holds whole header lines to add. Returns the
 * length written to self->out, or 0 if the request has more header lines
 * than one edit holds. */
static gsize
build_local_response (UstProxy   *self,
                      Incoming   *in,
                      guint       code,
                      const char *phrase,
                      const char *to_tag,
                      const char *extra)
{
  const UstSipText *text = in->text;
  UstSipEdit edit;
  UstSipField field;
  gsize position = 0;
  gboolean tag_needed = code > 100 && to_tag != NULL && ust_sip_to_tag (in->request) == NULL;

  ust_sip_edit_init (&edit);
  ust_sip_edit_splicef (&edit, 0, text->first_line_end, "SIP/2.0 %u %s", code, phrase);
  ust_proxy_edit_sender_via (in, &edit);
  while (ust_sip_text_next_field (text, &position, &field))
    {
      if (!is_copied_field (text, &field, code))
        ust_sip_edit_splice (&edit, field.start, field.end - field.start, NULL, 0);
      else if (tag_needed && ust_sip_text_field_is (text, &field, "To", 't'))
        ust_sip_edit_splicef (&edit, field.value_end, 0, ";tag=%s", to_tag);
    }
  if (extra != NULL)
    ust_sip_edit_splice (&edit, text->headers_end, 0, extra, -1);
  ust_sip_edit_splicef (&edit, text->headers_end, 0, "Content-Length: 0%s%s", text->eol,
                        text->headers_end < text->len ? "" : text->eol);

  return ust_sip_edit_apply (&edit, text, text->headers_end < text->len ? text->body_start
                                                                        : text->len,
                             self->out, OUT_SIZE);
}

/* The general way, through libosip2, for requests with a great many header
 * lines. @extra's lines are added one by one. */
static gsize
build_response_with_osip (UstProxy   *self,
                          Incoming   *in,
                          guint       code,
                          const char *phrase,
                          const char *to_tag,
                          const char *extra)
{
  g_autoptr(osip_message_t) response = NULL;
  g_autofree char *text = NULL;
  char host[64];
  guint port;
  gsize len = 0;

  source_host_port (in->source, host, sizeof host, &port);
  ust_sip_fix_top_via (in->request, host, port);
  response = ust_sip_response_new (in->request, code, phrase, to_tag);
  if (extra != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (extra, in->text->eol, -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *colon = strchr (lines[i], ':');

          if (colon == NULL)
            continue;
          *colon = '\0';
          ust_sip_add_header (response, lines[i], g_strstrip (colon + 1));
        }
    }
  text = ust_sip_to_string (response, &len, NULL);
  if (text == NULL || len > OUT_SIZE)
    return 0;
  memcpy (self->out, text, len);
  return len;
}

/* Sends a response of our own, remembered by @server (if any) so that a
 * retransmitted request gets it again. @phrase names the problem; a custom
 * phrase for @code replaces it. */
void
ust_proxy_respond (UstProxy     *self,
                   Incoming     *in,
                   UstServerTxn *server,
                   guint         code,
                   const char   *phrase,
                   const char   *extra)
{
  osip_message_t *request = in->request;
  const char *sent_phrase = ust_reason_table_phrase (self->reasons, code, phrase);
  char stateless_tag[20];
  const char *to_tag = server != NULL ? server->to_tag : stateless_tag;
  gsize len;

  if (server == NULL)
    make_to_tag (self, stateless_tag, sizeof stateless_tag);
  else if (server->to_tag[0] == '\0')
    make_to_tag (self, server->to_tag, sizeof server->to_tag);

  len = build_local_response (self, in, code, sent_phrase, to_tag, extra);
  if (len == 0)
    len = build_response_with_osip (self, in, code, sent_phrase, to_tag, extra);
  if (len == 0)
    return;

  ust_proxy_emit_event (self, "%s %s → %u %s", request->sip_method,
                        request->call_id != NULL ? request->call_id->number : "(no Call-ID)",
                        code, sent_phrase);
  if (self->tracker != NULL && MSG_IS_INVITE (request))
    ust_call_tracker_local_response (self->tracker, request, code, sent_phrase);
  self->stats.responses_sent++;
  if (server != NULL)
    {
      ust_proxy_send_to_server (self, server, self->out, len, code);
      if (code >= 200)
        ust_proxy_server_final_sent (self, server);
    }
  else
    {
      UstPeer to = { in->source, in->local, in->protocol, in->connection };

      ust_proxy_send (self, &to, self->out, len);
    }
}

/* Whether @text's first line is a request line (and not an ACK, which is
 * never answered). Spaces after the version are a malformed Request-Line
 * to answer, not a reason to stay silent (RFC 4475 §3.1.2.10). */
static gboolean
is_answerable_request (const UstSipText *text)
{
  gsize end = text->first_line_end;
  const char *space = memchr (text->data, ' ', end);

  while (end > 0 && (text->data[end - 1] == ' ' || text->data[end - 1] == '\t'))
    end--;

  return space != NULL && space > text->data && end > 8
         && g_ascii_strncasecmp (text->data + end - 8, " SIP/2.0", 8) == 0
         && !(space - text->data == 3 && memcmp (text->data, "ACK", 3) == 0);
}

/* RFC 3261 §8.2 and §16.3 for a request libosip2 refused: when the raw line
 * scanner still finds its Via, From, To, Call-ID and CSeq, it gets @code
 * with @phrase naming the problem, built from those lines alone (no parsed
 * message exists). Returns FALSE when it cannot be answered. */
gboolean
ust_proxy_respond_raw (UstProxy         *self,
                       const UstSipText *text,
                       const UstPeer    *to,
                       guint             code,
                       const char       *phrase)
{
  static const struct { const char *name; char compact; } needed[] = {
    { "Via", 'v' }, { "From", 'f' }, { "To", 't' }, { "Call-ID", 'i' }, { "CSeq", '\0' },
  };
  UstSipEdit edit;
  UstSipField field;
  gsize position = 0, len;
  char tag[24];
  UstPeer peer = *to;

  if (!is_answerable_request (text))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    if (!ust_sip_text_find (text, needed[i].name, needed[i].compact, &field))
      return FALSE;

  make_to_tag (self, tag, sizeof tag);
  ust_sip_edit_init (&edit);
  ust_sip_edit_splicef (&edit, 0, text->first_line_end, "SIP/2.0 %u %s", code,
                        ust_reason_table_phrase (self->reasons, code, phrase));
  while (ust_sip_text_next_field (text, &position, &field))
    {
      gboolean copied = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
        copied = copied || ust_sip_text_field_is (text, &field, needed[i].name,
                                                  needed[i].compact);
      if (!copied)
        ust_sip_edit_splice (&edit, field.start, field.end - field.start, NULL, 0);
      else if (ust_sip_text_field_is (text, &field, "To", 't')
               && g_strstr_len (text->data + field.value_start,
                                (gssize) (field.value_end - field.value_start), ";tag=") == NULL)
        ust_sip_edit_splicef (&edit, field.value_end, 0, ";tag=%s", tag);
    }
  ust_sip_edit_splicef (&edit, text->headers_end, 0, "Content-Length: 0%s%s", text->eol,
                        text->headers_end < text->len ? "" : text->eol);
  len = ust_sip_edit_apply (&edit, text, text->headers_end < text->len ? text->body_start
                                                                       : text->len,
                            self->out, OUT_SIZE);
  if (len == 0)
    return FALSE;
  self->stats.responses_sent++;
  ust_proxy_emit_event (self, "Unreadable request → %u %s", code, phrase);
  return ust_proxy_send (self, &peer, self->out, len);
}

/* For a final response generated after the request was handled (timeouts,
 * CANCEL): rebuild it from the stored request. */
void
ust_proxy_respond_to_server (UstProxy     *self,
                             UstServerTxn *server,
                             guint         code,
                             const char   *phrase)
{
  g_autoptr(osip_message_t) request = NULL;
  UstSipText text;
  Incoming in = { 0 };

  if (server->request == NULL)
    return;
  request = ust_sip_parse (server->request, server->request_len, NULL);
  if (request == NULL || !ust_sip_text_init (&text, server->request, server->request_len))
    return;
  in.request = request;
  in.text = &text;
  in.source = server->source;
  in.local = server->local;
  in.protocol = server->protocol;
  in.connection = server->connection;
  in.method = request->sip_method;
  ust_proxy_respond (self, &in, server, code, phrase, NULL);
}

/* §18.2.2: on the connection the request came on while it is open (else
 * a new one to where it came from), or over UDP to its source. */
static gboolean
send_to_caller (UstProxy     *self,
                UstServerTxn *server,
                const char   *data,
                gsize         len)
{
  UstPeer to = { server->source, server->local, server->protocol, server->connection };
  gboolean sent = ust_proxy_send (self, &to, data, len);

  server->connection = to.connection;
  return sent;
}

/* The last response again: a retransmitted request gets it (§17.2.1). */
void
ust_proxy_resend_to_server (UstProxy     *self,
                            UstServerTxn *server)
{
  if (server->response != NULL)
    send_to_caller (self, server, server->response, server->response_len);
}

gboolean
ust_proxy_send_to_server (UstProxy     *self,
                          UstServerTxn *server,
                          const char   *data,
                          gsize         len,
                          guint         code)
{
  ust_server_txn_set_response (server, data, len, code);
  return send_to_caller (self, server, data, len);
}

static void
server_lifetime_cb (UstTimer *timer,
                    gpointer  user_data)
{
  UstServerTxn *server = user_data;
  UstProxy *self = server->owner;

  ust_server_txn_destroy (self->transactions, server);
}

/* Timer G (§17.2.1): the final non-2xx is sent again until the ACK comes. */
static void
server_retransmit_cb (UstTimer *timer,
                      gpointer  user_data)
{
  UstServerTxn *server = user_data;
  UstProxy *self = server->owner;

  UstResendTimer *resend = server->resend;

  ust_proxy_resend_to_server (self, server);
  resend->ms = MIN (resend->ms * 2, self->t2);
  ust_timer_start (self->timers, &resend->timer, resend->ms, server_retransmit_cb, server);
}

/* Moves a server transaction on after its final response (or, for INVITE,
 * after the ACK), and arms the timer that ends it. */
void
ust_proxy_server_final_sent (UstProxy     *self,
                             UstServerTxn *server)
{
  guint64 wait_ms = 64 * (guint64) self->t1;
  /* §17.2.1, §17.2.2: over TCP and TLS nothing is retransmitted, so timers
   * I and J are zero and timer G is not used. */
  gboolean reliable = ust_protocol_is_stream (server->protocol);

  if (!server->invite)
    {
      /* Timer J: absorb retransmissions of the request for 64·T1. */
      server->state = UST_TXN_COMPLETED;
      ust_server_txn_drop_request (server);
      ust_timer_start (self->timers, &server->lifetime_timer, reliable ? 0 : (guint) wait_ms,
                       server_lifetime_cb, server);
      return;
    }

  if (server->state == UST_TXN_CONFIRMED)
    {
      /* Timer I: the ACK arrived; soak up its retransmissions for T4. */
      if (server->resend != NULL)
        ust_timer_stop (&server->resend->timer);
      ust_timer_start (self->timers, &server->lifetime_timer, reliable ? 0 : self->t4,
                       server_lifetime_cb, server);
      return;
    }

  ust_server_txn_drop_request (server);
  if (server->response_code >= 200 && server->response_code < 300)
    {
      /* RFC 6026 "Accepted", timer L: retransmitted INVITEs are absorbed; the
       * 2xx itself is retransmitted by the callee, not by us. */
      server->state = UST_TXN_ACCEPTED;
      g_clear_pointer (&server->response, g_free);
      ust_timer_start (self->timers, &server->lifetime_timer, (guint) wait_ms,
                       server_lifetime_cb, server);
      return;
    }

  /* Timers G and H: resend the final until the ACK, for at most 64·T1. */
  server->state = UST_TXN_COMPLETED;
  if (!reliable)
    {
      UstResendTimer *resend = ust_server_txn_ensure_resend (server);

      resend->ms = self->t1;
      ust_timer_start (self->timers, &resend->timer, resend->ms, server_retransmit_cb, server);
    }
  ust_timer_start (self->timers, &server->lifetime_timer, (guint) wait_ms, server_lifetime_cb,
                   server);
}
