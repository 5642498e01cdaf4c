/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-check-transactions"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-check.h"
#include "ust-sip.h"

/* Transactions through a stateful proxy (RFC 3261 §16, §17): what it
 * answers itself, what it relays and what it must keep to one hop. */

typedef struct {
  gboolean awaiting;        /* an INVITE came and the proxy has not answered or forwarded it */
  guint    downstream_100;  /* 100s received for the forwarded INVITE */
  gboolean flagged;
} TryingState;

/* §16.7 step 5: a stateful proxy never relays 100. Its own 100 answers an
 * INVITE (or a retransmission of one) before the INVITE goes on; a 100
 * sent after a 100 came from downstream, with no INVITE waiting for an
 * answer, is the callee's passed on. */
static void
check_relayed_100 (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) states = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      const char *branch;
      TryingState *state;
      guint via;

      if (!ust_check_message_is (message, "INVITE") || message->from_proxy == message->to_proxy)
        continue;
      /* The caller's branch: the top Via of what reaches the proxy from
       * upstream, the second of what it forwards or receives back. */
      via = message->request ? (message->to_proxy ? 0 : 1) : (message->to_proxy ? 1 : 0);
      if (via >= MIN (message->n_vias, UST_CHECK_MAX_VIAS))
        continue;
      branch = message->vias[via].branch;
      if (branch == NULL)
        continue;
      state = g_hash_table_lookup (states, branch);
      if (state == NULL)
        {
          state = g_new0 (TryingState, 1);
          g_hash_table_insert (states, (gpointer) branch, state);
        }
      if (message->request)
        state->awaiting = message->to_proxy;
      else if (message->to_proxy && message->status == 100)
        state->downstream_100++;
      else if (message->from_proxy && message->status == 100 && !state->awaiting
               && state->downstream_100 > 0 && !state->flagged)
        {
          state->flagged = TRUE;
          ust_check_add (ctx, UST_RULE_RELAYED_100, message, NULL);
        }
      else if (message->from_proxy)
        state->awaiting = FALSE;
    }
}

/* The first response from downstream to @invite (sent by the proxy) of
 * the class @min..@max, before message @before (or anywhere when 0). */
static const UstCheckMessage *
downstream_response (UstCheckContext       *ctx,
                     const UstCheckMessage *invite,
                     guint                  min,
                     guint                  max,
                     guint                  before)
{
  for (guint i = invite->index + 1; i < ctx->n_messages && (before == 0 || i < before); i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (message->parsed && !message->request && message->to_proxy
          && message->status >= min && message->status <= max
          && ust_check_request_of (ctx, message) == invite)
        return message;
    }
  return NULL;
}

/* The INVITE the proxy sent on for the one with top branch @branch. */
static const UstCheckMessage *
forwarded_invite (UstCheckContext *ctx,
                  guint32          cseq,
                  const char      *branch)
{
  const UstCheckMessage *invite = ust_check_find_request (ctx, TRUE, cseq, "INVITE", branch);

  return invite != NULL && invite->pair >= 0 ? &ctx->messages[invite->pair] : NULL;
}

/* §16.10 and §9.1: a CANCEL is answered by the proxy and sent on with the
 * branch of the INVITE it cancels, once a provisional response came. */
static void
check_cancel (UstCheckContext       *ctx,
              const UstCheckMessage *cancel)
{
  const UstCheckMessage *invite;
  gboolean relayed = FALSE;

  if (cancel->n_vias == 0)
    return;
  invite = forwarded_invite (ctx, cancel->cseq, cancel->vias[0].branch);
  if (invite == NULL)
    return;
  for (guint i = cancel->index + 1; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *sent = &ctx->messages[i];

      if (!sent->from_proxy || !sent->request || !ust_check_message_is (sent, "CANCEL")
          || sent->cseq != invite->cseq || g_strcmp0 (sent->call_id, invite->call_id) != 0
          || !ust_trace_address_equal (ust_check_destination (sent),
                                       ust_check_destination (invite)))
        continue;
      relayed = TRUE;
      if (sent->n_vias == 0 || g_strcmp0 (sent->vias[0].branch, invite->vias[0].branch) != 0)
        ust_check_add (ctx, UST_RULE_CANCEL_WRONG_BRANCH, sent,
                       g_strdup_printf (_("The INVITE went out with branch %s, the CANCEL with "
                                          "%s."), invite->vias[0].branch,
                                        sent->n_vias > 0 && sent->vias[0].branch != NULL
                                          ? sent->vias[0].branch : "—"));
      break;
    }
  /* Not relayed is a fault only when it was due: the callee had answered
   * with a provisional, and had not already given a final answer. */
  if (!relayed && downstream_response (ctx, invite, 101, 199, 0) != NULL
      && downstream_response (ctx, invite, 200, 699, cancel->index) == NULL)
    ust_check_add (ctx, UST_RULE_CANCEL_NOT_RELAYED, cancel, NULL);
}

/* §17.1.1.3 and §16.7 step 10: the ACK for a non-2xx final response has
 * the INVITE's branch and ends at the proxy. */
static void
check_ack (UstCheckContext       *ctx,
           const UstCheckMessage *ack)
{
  const UstCheckMessage *invite;

  if (ack->n_vias == 0 || ack->pair < 0)
    return;
  invite = ust_check_find_request (ctx, TRUE, ack->cseq, "INVITE", ack->vias[0].branch);
  if (invite == NULL)
    return;   /* a new branch: the ACK for a 2xx, end to end (§13.2.2.4) */
  ust_check_add (ctx, UST_RULE_ACK_NOT_ABSORBED, &ctx->messages[ack->pair], NULL);
}

/* §16: a proxy relays requests meant for a phone; answering one itself
 * (200 to a NOTIFY, REFER or BYE it never passed on) hides it. */
static void
check_answered (UstCheckContext       *ctx,
                const UstCheckMessage *response)
{
  static const char *const relayed[] = {
    "BYE", "NOTIFY", "REFER", "INFO", "UPDATE", "MESSAGE", "PRACK", "INVITE", "ACK",
  };
  const UstCheckMessage *request = ust_check_request_of (ctx, response);
  gboolean listed = FALSE;

  if (request == NULL || request->pair >= 0 || response->status / 100 != 2)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (relayed); i++)
    listed = listed || g_strcmp0 (request->method, relayed[i]) == 0;
  if (!listed)
    return;
  /* Out of a dialog, only the ones meant for another user. */
  if (request->to_tag == NULL && (ust_check_message_is (request, "INVITE")
                                  || ust_check_message_is (request, "MESSAGE")
                                  || ust_check_uri_is_proxy (ctx, &request->request_uri)))
    return;
  if (request->n_routes == 0 && ust_check_uri_is_proxy (ctx, &request->request_uri))
    return;   /* addressed to the proxy itself */
  ust_check_add (ctx, UST_RULE_ANSWERED_FOR_PHONE, response,
                 g_strdup_printf (_("The proxy answered the %s with %u and never sent it on."),
                                  request->method, response->status));
}

/* §12.2.1.1: once the proxy record-routed a dialog, every request in it
 * goes through the proxy. */
static void
check_bypass (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) routed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) flagged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      g_autofree char *key = NULL;

      if (!message->parsed || message->call_id == NULL)
        continue;
      if (message->from_proxy && message->n_record_routes > 0
          && ust_check_uri_is_proxy (ctx, &message->record_routes[0]))
        g_hash_table_add (routed, (gpointer) message->call_id);
      if (!message->request || message->to_tag == NULL || message->from_proxy
          || message->to_proxy || !g_hash_table_contains (routed, message->call_id))
        continue;
      key = g_strdup_printf ("%s|%s|%u", message->call_id, message->method, message->cseq);
      if (g_hash_table_contains (flagged, key))
        continue;
      ust_check_add (ctx, UST_RULE_BYPASS, message, NULL);
      g_hash_table_add (flagged, g_steal_pointer (&key));
    }
}

typedef struct {
  guint sent;
  guint received;
  guint first_sent;   /* index + 1 */
} CopyCount;

/* §17.2.3: a request with the branch of one already received is a
 * retransmission and goes to the same transaction; forwarded again under a
 * new branch, the callee sees a second request. */
static void
check_request_copies (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) first_branch = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *sent = &ctx->messages[i];
      const UstCheckMessage *received, *original;
      const char *branch;

      if (!sent->from_proxy || !sent->request || sent->pair < 0 || sent->n_vias == 0
          || ust_check_message_is (sent, "ACK"))
        continue;
      received = &ctx->messages[sent->pair];
      original = ust_check_find_request (ctx, TRUE, received->cseq, received->method,
                                         received->vias[0].branch);
      if (original == NULL)
        continue;
      branch = g_hash_table_lookup (first_branch, original);
      if (branch == NULL)
        g_hash_table_insert (first_branch, (gpointer) original, (gpointer) sent->vias[0].branch);
      else if (g_strcmp0 (branch, sent->vias[0].branch) != 0)
        ust_check_add (ctx, UST_RULE_RETRANSMISSION_AS_NEW, sent,
                       g_strdup_printf (_("The phone repeated its %s (same branch); the proxy "
                                          "sent it on again as a new request, branch %s after "
                                          "%s."), sent->method, sent->vias[0].branch, branch));
    }
}

/* A response relayed upstream more often than it came from downstream,
 * beyond one copy per retransmission of the request (which a stateful
 * proxy answers with the last response, §17.2.1), was passed on twice. */
static void
check_response_copies (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) retransmits = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      g_autofree char *key = NULL;
      CopyCount *count;
      guint via;

      if (!message->parsed || message->from_proxy == message->to_proxy)
        continue;
      if (message->request)
        {
          /* Copies of a request the proxy already answered upstream. */
          if (message->to_proxy && message->n_vias > 0 && message->vias[0].branch != NULL
              && ust_check_find_request (ctx, TRUE, message->cseq, message->method,
                                         message->vias[0].branch) != message)
            g_hash_table_insert (retransmits, (gpointer) message->vias[0].branch,
                                 GUINT_TO_POINTER (GPOINTER_TO_UINT (
                                   g_hash_table_lookup (retransmits, message->vias[0].branch)) + 1));
          continue;
        }
      if (message->status <= 100)
        continue;
      via = message->to_proxy ? 1 : 0;
      if (via >= MIN (message->n_vias, UST_CHECK_MAX_VIAS) || message->vias[via].branch == NULL)
        continue;
      key = g_strdup_printf ("%s|%u|%s|%u|%s", message->vias[via].branch, message->cseq,
                             message->method, message->status,
                             message->to_tag != NULL ? message->to_tag : "");
      count = g_hash_table_lookup (counts, key);
      if (count == NULL)
        {
          count = g_new0 (CopyCount, 1);
          g_hash_table_insert (counts, g_steal_pointer (&key), count);
        }
      if (message->to_proxy)
        {
          count->received++;
          continue;
        }
      count->sent++;
      if (count->received > 0
          && count->sent > count->received
                           + GPOINTER_TO_UINT (g_hash_table_lookup (retransmits,
                                                                    message->vias[0].branch)))
        ust_check_add (ctx, UST_RULE_RETRANSMISSION_AS_NEW, message,
                       g_strdup_printf (_("%u sent on for %u received."), count->sent,
                                        count->received));
    }
}

/* Levenshtein distance between two short strings, case folded. */
static guint
distance (const char *a,
          const char *b)
{
  g_autofree char *x = g_ascii_strdown (a, -1);
  g_autofree char *y = g_ascii_strdown (b, -1);
  gsize n = strlen (x), m = strlen (y);
  g_autofree guint *row = NULL;

  if (n > 64 || m > 64)
    return G_MAXUINT;
  row = g_new (guint, m + 1);
  for (gsize j = 0; j <= m; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= n; i++)
    {
      guint diagonal = row[0];

      row[0] = (guint) i;
      for (gsize j = 1; j <= m; j++)
        {
          guint above = row[j];

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1),
                        diagonal + (x[i - 1] == y[j - 1] ? 0 : 1));
          diagonal = above;
        }
    }
  return row[m];
}

/* §21: "200 0K" and "180 Ringin" are typos; "200 POHODKA" or "486 Obsadené"
 * are phrases of their own, which §7.2 allows. One finding per sender,
 * code and phrase. */
static void
check_reason (UstCheckContext       *ctx,
              const UstCheckMessage *response,
              GHashTable            *seen)
{
  const char *standard = ust_sip_standard_reason (response->status);
  g_autofree char *sender = NULL;
  char *key;
  guint d;

  if (response->reason == NULL || g_ascii_strcasecmp (response->reason, standard) == 0)
    return;
  d = distance (response->reason, standard);
  if (d == 0 || d > MAX (1, strlen (standard) / 5))
    return;
  sender = ust_check_address_text (ust_check_source (response));
  key = g_strdup_printf ("%s|%u|%s", sender, response->status, response->reason);
  if (!g_hash_table_add (seen, key))
    return;
  ust_check_add (ctx, UST_RULE_REASON_TYPO, response,
                 g_strdup_printf (_("“%u %s”: the standard phrase is “%s”."), response->status,
                                  response->reason, standard));
}

void
ust_check_transactions (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  check_relayed_100 (ctx);
  check_bypass (ctx);
  check_request_copies (ctx);
  check_response_copies (ctx);
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (!message->parsed)
        continue;
      if (!message->request)
        {
          check_reason (ctx, message, reasons);
          if (message->from_proxy)
            check_answered (ctx, message);
        }
      else if (message->to_proxy && ust_check_message_is (message, "CANCEL"))
        check_cancel (ctx, message);
      else if (message->to_proxy && ust_check_message_is (message, "ACK"))
        check_ack (ctx, message);
    }
}
