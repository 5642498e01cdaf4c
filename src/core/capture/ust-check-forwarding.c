/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-check-forwarding"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-check.h"

/* What a proxy does to each message it forwards (RFC 3261 §16.6, §16.7):
 * compared on each received/sent pair the context found, and on every
 * message the proxy sent. */

static gboolean
dialog_creating (const UstCheckMessage *message)
{
  /* §12.1: INVITE, and SUBSCRIBE and REFER (RFC 6665 §4.1, RFC 3515). */
  return ust_check_is_initial (message)
         && (ust_check_message_is (message, "INVITE")
             || ust_check_message_is (message, "SUBSCRIBE")
             || ust_check_message_is (message, "REFER"));
}

/* §16.6 step 3. */
static void
check_max_forwards (UstCheckContext       *ctx,
                    const UstCheckMessage *received,
                    const UstCheckMessage *sent)
{
  if (!sent->request)
    return;
  if (received->max_forwards > 0 && sent->max_forwards == received->max_forwards - 1)
    return;
  if (received->max_forwards < 0 && sent->max_forwards >= 0)
    return;   /* the proxy added one, as §16.6 step 3 says to */
  if (received->max_forwards == 0)
    return;   /* forwarding at 0 is another mistake (§16.3 step 3: 483) */
  ust_check_add (ctx, UST_RULE_MAX_FORWARDS, sent,
                 sent->max_forwards < 0
                   ? g_strdup (_("Max-Forwards is missing from the forwarded request."))
                   : g_strdup_printf (_("Max-Forwards %d came in and %d went out."),
                                      received->max_forwards, sent->max_forwards));
}

/* §16.6 step 1: the proxy's copy keeps the body and the dialog's identity. */
static void
check_identity (UstCheckContext       *ctx,
                const UstCheckMessage *received,
                const UstCheckMessage *sent)
{
  if (received->body_len != sent->body_len || received->body_hash != sent->body_hash)
    ust_check_add (ctx, UST_RULE_BODY_CHANGED, sent,
                   g_strdup_printf (_("The body was %u bytes and left as %u bytes with other "
                                      "contents."),
                                    (guint) received->body_len, (guint) sent->body_len));
  if (g_strcmp0 (received->from_tag, sent->from_tag) != 0
      || (received->to_tag != NULL && g_strcmp0 (received->to_tag, sent->to_tag) != 0))
    ust_check_add (ctx, UST_RULE_TAG_CHANGED, sent,
                   g_strdup_printf (_("From tag “%s” → “%s”, To tag “%s” → “%s”."),
                                    received->from_tag != NULL ? received->from_tag : "",
                                    sent->from_tag != NULL ? sent->from_tag : "",
                                    received->to_tag != NULL ? received->to_tag : "",
                                    sent->to_tag != NULL ? sent->to_tag : ""));
  if (g_strcmp0 (received->call_id, sent->call_id) != 0)
    ust_check_add (ctx, UST_RULE_CALL_ID_CHANGED, sent,
                   g_strdup_printf (_("Call-ID “%s” went out as “%s”."), received->call_id,
                                    sent->call_id));
}

/* §16.6 step 4: a proxy that wants the rest of the dialog puts itself on
 * top of Record-Route, as a loose router, with the port it listens on. */
static void
check_record_route (UstCheckContext       *ctx,
                    const UstCheckMessage *received,
                    const UstCheckMessage *sent)
{
  const UstCheckUri *top = &sent->record_routes[0];
  g_autofree char *proxy = NULL;

  if (!dialog_creating (sent))
    return;
  if (sent->n_record_routes <= received->n_record_routes)
    {
      ust_check_add (ctx, UST_RULE_NO_RECORD_ROUTE, sent, NULL);
      return;
    }
  if (!top->lr)
    ust_check_add (ctx, UST_RULE_RECORD_ROUTE_NO_LR, sent, NULL);
  if (!ust_check_uri_is_proxy (ctx, top))
    {
      proxy = ust_check_address_text (&ctx->proxy);
      ust_check_add (ctx, UST_RULE_RECORD_ROUTE_WRONG_PORT, sent,
                     top->port == 0
                       ? g_strdup_printf (_("Record-Route names %s with no port (so 5060); the "
                                            "proxy is at %s."), top->host, proxy)
                       : g_strdup_printf (_("Record-Route names %s:%u; the proxy is at %s."),
                                          top->host, top->port, proxy));
    }
}

/* Whether @address is where @user registered, by a REGISTER before @before. */
static gboolean
user_is_at (UstCheckContext       *ctx,
            const char            *user,
            const UstTraceAddress *address,
            guint                  before)
{
  const UstCheckRegistration *binding = ust_check_binding_at (ctx, address, before);

  return binding != NULL && g_strcmp0 (binding->user, user) == 0;
}

/* §16.5: the targets come from the Request-URI. To is the caller's label
 * for the callee and may name someone else (a forwarded call, a typo). */
static void
check_routed_by_to (UstCheckContext       *ctx,
                    const UstCheckMessage *received,
                    const UstCheckMessage *sent)
{
  const char *wanted = received->request_uri.user;
  const char *to = received->to_user;
  const UstTraceAddress *where = ust_check_destination (sent);

  if (!ust_check_is_initial (received) || wanted == NULL || to == NULL
      || g_strcmp0 (wanted, to) == 0 || ust_check_message_is (received, "REGISTER"))
    return;
  if ((user_is_at (ctx, to, where, sent->index) && !user_is_at (ctx, wanted, where, sent->index))
      || (g_strcmp0 (sent->request_uri.user, to) == 0
          && ust_check_latest_registration (ctx, wanted, sent->index) == NULL
          && ust_check_latest_registration (ctx, to, sent->index) != NULL))
    ust_check_add (ctx, UST_RULE_ROUTED_BY_TO, sent,
                   g_strdup_printf (_("The Request-URI asks for “%s”; the request went to “%s”, "
                                      "the user in To."), wanted, to));
}

/* Whether a received= value names @source's host (IPv6 in any spelling). */
static gboolean
received_is (const char            *received,
             const UstTraceAddress *source)
{
  UstCheckUri uri = { 0 };
  UstTraceAddress address;

  uri.host = received;
  uri.port = 1;
  return received != NULL && ust_check_uri_address (&uri, &address)
         && ust_trace_address_same_host (&address, source);
}

/* §18.2.1 and RFC 3581 §4, on the Via the phone wrote (@via, as the proxy
 * passed it on) of a request that came from @source. FALSE when a finding
 * was added. */
static gboolean
check_via_fixed (UstCheckContext       *ctx,
                 const UstCheckVia     *original,
                 const UstCheckVia     *via,
                 const UstTraceAddress *source,
                 const UstCheckMessage *message)
{
  g_autofree char *host = ust_trace_address_host_to_string (source);
  UstTraceAddress written;
  UstCheckUri uri = { 0 };

  uri.host = original->host;
  uri.port = original->port;
  if (original->rport == 0 && via->rport != source->port)
    {
      ust_check_add (ctx, UST_RULE_RPORT_NOT_FILLED, message,
                     via->rport <= 0
                       ? g_strdup_printf (_("The phone sent from port %u and asked for rport; "
                                            "the Via still says “rport” with no value."),
                                          source->port)
                       : g_strdup_printf (_("The phone sent from port %u; rport says %d."),
                                          source->port, via->rport));
      return FALSE;
    }
  /* RFC 3581 §4: with rport, received is added even when the host matches. */
  if (!received_is (via->received, source)
      && (original->rport == 0
          || (ust_check_uri_address (&uri, &written)
              && !ust_trace_address_same_host (&written, source))))
    {
      ust_check_add (ctx, UST_RULE_RECEIVED_MISSING, message,
                     g_strdup_printf (_("The request came from %s; the Via says %s and no "
                                        "received=%s was added."), host,
                                      original->host != NULL ? original->host : "?", host));
      return FALSE;
    }
  return TRUE;
}

/* The phone's Via in what the proxy sent on: the second one of a forwarded
 * request, the top one of a response to it. Checked once per request. */
static void
check_received_rport (UstCheckContext       *ctx,
                      const UstCheckMessage *sent,
                      GHashTable            *checked)
{
  const UstCheckMessage *request;
  const UstCheckVia *via;

  if (sent->request)
    {
      request = sent->pair >= 0 ? &ctx->messages[sent->pair] : NULL;
      via = sent->n_vias >= 2 ? &sent->vias[1] : NULL;
    }
  else
    {
      request = ust_check_request_of (ctx, sent);
      via = sent->n_vias >= 1 ? &sent->vias[0] : NULL;
    }
  if (request == NULL || via == NULL || request->n_vias == 0
      || g_hash_table_contains (checked, GUINT_TO_POINTER (request->index)))
    return;
  if (!check_via_fixed (ctx, &request->vias[0], via, ust_check_source (request), sent))
    g_hash_table_add (checked, GUINT_TO_POINTER (request->index));
}

/* RFC 3581 §4 and §18.2.2: a response goes back where its request came
 * from when the phone asked with rport, and over TCP on its connection. */
static void
check_response_destination (UstCheckContext       *ctx,
                            const UstCheckMessage *sent)
{
  const UstCheckMessage *request = ust_check_request_of (ctx, sent);
  const UstTraceAddress *source, *destination = ust_check_destination (sent);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (request == NULL || request->n_vias == 0)
    return;
  source = ust_check_source (request);
  if (ust_trace_address_equal (source, destination))
    return;
  if (request->vias[0].rport != 0 && !ust_protocol_is_stream (source->protocol))
    return;
  from = ust_check_address_text (source);
  to = ust_check_address_text (destination);
  ust_check_add (ctx, UST_RULE_RESPONSE_NOT_TO_SOURCE, sent,
                 g_strdup_printf (_("The request came from %s; the response went to %s."), from,
                                  to));
}

/* §18.3 and §20.14: Content-Length counts the body; on TCP it is required. */
static void
check_content_length (UstCheckContext       *ctx,
                      const UstCheckMessage *sent)
{
  if (sent->content_length < 0)
    {
      if (ust_protocol_is_stream (ust_check_source (sent)->protocol))
        ust_check_add (ctx, UST_RULE_CONTENT_LENGTH, sent,
                       g_strdup (_("Content-Length is missing, and over TCP it is required.")));
      return;
    }
  if ((gsize) sent->content_length != sent->body_len)
    ust_check_add (ctx, UST_RULE_CONTENT_LENGTH, sent,
                   g_strdup_printf (_("Content-Length says %u bytes; the body has %u."),
                                    (guint) sent->content_length, (guint) sent->body_len));
}

/* §16.6 step 8 and §16.7 step 3: the proxy's own Via, on for the request
 * and off for the response. A message whose top Via is one the proxy
 * received on top (a request) or pushed itself (a response) shows which. */
static void
check_via_added_removed (UstCheckContext       *ctx,
                         const UstCheckMessage *sent)
{
  const UstCheckVia *top = &sent->vias[0];

  if (sent->n_vias == 0 || top->branch == NULL)
    return;
  if (sent->request)
    {
      const UstCheckMessage *original = ust_check_find_request (ctx, TRUE, sent->cseq,
                                                                sent->method, top->branch);
      g_autofree char *who = NULL;

      if (original == NULL)
        return;
      who = ust_check_address_text (ust_check_source (original));
      ust_check_add (ctx, UST_RULE_VIA_NOT_ADDED, sent,
                     g_strdup_printf (_("The top Via is still the one of %s, who sent the "
                                        "request."), who));
    }
  /* A branch the proxy sent on top, and not one it received there (a proxy
   * that adds no Via of its own sends the phone's on). */
  else if (ust_check_find_request (ctx, FALSE, sent->cseq, sent->method, top->branch) != NULL
           && ust_check_find_request (ctx, TRUE, sent->cseq, sent->method, top->branch) == NULL)
    ust_check_add (ctx, UST_RULE_VIA_NOT_REMOVED, sent, NULL);
}

void
ust_check_forwarding (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) checked = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *sent = &ctx->messages[i];
      const UstCheckMessage *received;

      if (!sent->parsed || !sent->from_proxy)
        continue;
      check_via_added_removed (ctx, sent);
      check_content_length (ctx, sent);
      check_received_rport (ctx, sent, checked);
      if (!sent->request)
        check_response_destination (ctx, sent);
      if (sent->pair < 0)
        continue;
      received = &ctx->messages[sent->pair];
      check_max_forwards (ctx, received, sent);
      check_identity (ctx, received, sent);
      check_record_route (ctx, received, sent);
      check_routed_by_to (ctx, received, sent);
    }
}
